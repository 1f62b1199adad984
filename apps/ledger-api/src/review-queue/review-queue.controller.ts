import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { LedgerConfig } from '@ledger/config';
import type { Actor, FieldProblem, Role } from '@ledger/domain';
import { CurrentActor, CurrentRoles, ProblemException, Roles } from '@ledger/http';
import { DataSource } from 'typeorm';
import { encodeCursor, parsePaging, unknownParameters } from '../read-side/paging.js';

interface QueueRow {
  id: string;
  version: number;
  status: string;
  details: { victim: unknown; death: unknown; place: unknown; cause: string; perpetrator: string };
  evidence: number;
  approvals: string[];
  filed_at: Date;
  filed_seq: string;
  updated_at: Date;
}

/**
 * GET /review-queue: what the calling verifier may review, oldest first. Never a claim they
 * filed or recorded testimony on, nor one they already approved in this round of review; lead
 * verifiers also see disputes to resolve, except those they opened (four-eyes, as the domain
 * enforces it when they act).
 */
@ApiTags('review')
@ApiBearerAuth()
@Controller('review-queue')
export class ReviewQueueController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: LedgerConfig,
  ) {}

  @Get()
  @Roles('verifier', 'lead-verifier')
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  async queue(@Query() query: Record<string, unknown>, @CurrentActor() actor: Actor, @CurrentRoles() roles: readonly Role[]): Promise<Record<string, unknown>> {
    const { limit, after } = parsePage(query);
    const lead = roles.includes('lead-verifier');
    const params: unknown[] = [actor.id];
    const conditions = [
      `NOT ($1 = ANY(involved))`,
      lead
        ? `((status IN ('submitted', 'under-review') AND NOT ($1 = ANY(approvals))) OR (status = 'disputed' AND NOT ($1 = ANY(dispute_openers))))`
        : `status IN ('submitted', 'under-review') AND NOT ($1 = ANY(approvals))`,
    ];
    if (after !== undefined) {
      params.push(after);
      conditions.push(`filed_seq > $${params.length}`);
    }
    params.push(limit + 1);
    const rows: QueueRow[] = await this.dataSource.query(
      `SELECT id, version, status, details, evidence, approvals, filed_at, filed_seq, updated_at
       FROM claim_view WHERE ${conditions.join(' AND ')}
       ORDER BY filed_seq ASC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => ({
        id: row.id,
        version: row.version,
        status: row.status,
        awaiting: row.status === 'disputed' ? 'dispute-resolution' : 'verification',
        victim: row.details.victim,
        death: row.details.death,
        place: row.details.place,
        cause: row.details.cause,
        perpetrator: row.details.perpetrator,
        evidence: row.evidence,
        approvals: row.approvals.length,
        requiredApprovals: this.config.LEDGER_REQUIRED_APPROVALS,
        filedAt: row.filed_at.toISOString(),
        updatedAt: row.updated_at.toISOString(),
      })),
      next: rows.length > limit ? encodeCursor(Number(page[page.length - 1].filed_seq)) : null,
    };
  }
}

function parsePage(query: Record<string, unknown>): { limit: number; after?: number } {
  const problems: FieldProblem[] = [];
  unknownParameters(query, ['limit', 'cursor'], problems);
  const page = parsePaging(query, problems);
  if (problems.length > 0) throw ProblemException.badRequest('REQUEST.INVALID', problems);
  return page;
}
