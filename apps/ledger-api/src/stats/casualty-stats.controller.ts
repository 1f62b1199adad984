import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FieldProblem } from '@ledger/domain';
import { ProblemException, Roles } from '@ledger/http';
import {
  casualtyCsv,
  casualtyReport,
  compareBucketKeys,
  DIMENSION_NAMES,
  DIMENSIONS,
  parseCasualtyQuery,
  type CasualtyBucket,
  type CasualtyQuery,
} from '@ledger/read-models';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { factsAsOf, filterConditions } from '../read-side/filter-sql.js';
import { unknownParameters } from '../read-side/paging.js';
import { readSeq } from '../read-side/read-model-wait.js';

const OWN_PARAMETERS = ['groupBy', 'status', ...DIMENSION_NAMES, 'from', 'to', 'asOfSeq', 'format'];

/**
 * GET /stats/casualties (API.md): counts of claims as the ledger stood at one seq, grouped by
 * dimensions, each bucket with a link to its claims and the SHA-256 of their sorted ids, so a
 * published figure can be recomputed (`npm run ledger -- stats --at-seq <n>`).
 */
@ApiTags('statistics')
@ApiBearerAuth()
@Controller('stats')
export class CasualtyStatsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('casualties')
  @Roles('documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin')
  @ApiProduces('application/json', 'text/csv')
  @ApiQuery({ name: 'groupBy', required: false, description: `comma-separated: ${DIMENSION_NAMES.join(', ')}` })
  @ApiQuery({ name: 'status', required: false, description: 'default verified; "all" = every claim not retracted or a duplicate' })
  @ApiQuery({ name: 'asOfSeq', required: false, description: 'count as the ledger stood at this seq (default: the latest the read model reflects)' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  async casualties(
    @Query() params: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Record<string, unknown> | string> {
    const problems: FieldProblem[] = [];
    unknownParameters(params, OWN_PARAMETERS, problems);
    const query = parseCasualtyQuery(params, problems);
    const format = params.format ?? (accept?.includes('text/csv') ? 'csv' : 'json');
    if (format !== 'json' && format !== 'csv') problems.push({ path: 'query:format', message: 'must be json or csv' });
    const askedText = params.asOfSeq;
    const asked = typeof askedText === 'string' && /^\d{1,15}$/.test(askedText) ? Number(askedText) : undefined;
    if (askedText !== undefined && asked === undefined) problems.push({ path: 'query:asOfSeq', message: 'must be a non-negative integer' });
    if (problems.length > 0) throw ProblemException.badRequest('REQUEST.INVALID', problems);

    const asOfSeq = await readSeq(this.dataSource, 'claims', asked);
    const report = casualtyReport(query, asOfSeq, await this.count(query, asOfSeq));
    response.setHeader('X-Ledger-As-Of-Seq', String(asOfSeq));
    if (format === 'csv') {
      response.type('text/csv; charset=utf-8');
      return casualtyCsv(query, report as Parameters<typeof casualtyCsv>[1]);
    }
    return report;
  }

  private async count(query: CasualtyQuery, asOfSeq: number): Promise<CasualtyBucket[]> {
    const params: unknown[] = [asOfSeq];
    const conditions = [factsAsOf('f', '$1'), ...filterConditions(query.filter, params, 'f')];
    const columns = query.groupBy.map((name, i) => `f.${DIMENSIONS[name].column}::text AS d${i}`);
    const rows: Array<Record<string, string | null> & { count: number; sha: string }> = await this.dataSource.query(
      `SELECT ${[...columns, 'count(*)::int AS count'].join(', ')},
              encode(sha256(convert_to(string_agg(f.claim_id::text || E'\\n', '' ORDER BY f.claim_id::text COLLATE "C"), 'UTF8')), 'hex') AS sha
       FROM claim_facts f
       WHERE ${conditions.join(' AND ')}
       ${columns.length > 0 ? `GROUP BY ${query.groupBy.map((_, i) => `d${i}`).join(', ')}` : ''}`,
      params,
    );
    return rows
      .filter((row) => row.count > 0) // no groupBy and nothing counted: no bucket, as the ledger recount gives
      .map((row) => ({
        key: Object.fromEntries(query.groupBy.map((name, i) => [name, row[`d${i}`] ?? null])),
        count: row.count,
        claimIdsSha256: row.sha,
      }))
      .sort((a, b) => compareBucketKeys(query.groupBy, a.key, b.key));
  }
}
