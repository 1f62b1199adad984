import { Injectable } from '@nestjs/common';
import type { ClaimFilter } from '@ledger/read-models';
import { DataSource } from 'typeorm';
import { factsAsOf, filterConditions } from '../../../read-side/filter-sql.js';
import { encodeCursor } from '../../../read-side/paging.js';
import { readSeq } from '../../../read-side/read-model-wait.js';

export interface ClaimSearchRequest {
  filter: ClaimFilter;
  grade?: string;
  /** Every term must match the claim's name key: its folded token as a substring, or its whole skeleton. */
  terms: Array<{ token: string; skeleton: string | null }>;
  ascending: boolean;
  /** The filed seq the previous page ended at. */
  after?: number;
  limit: number;
  /** Filter on the claims' facts as they stood at this seq instead of now. */
  asOfSeq?: number;
}

interface SummaryRow {
  id: string;
  version: number;
  status: string;
  grade: string | null;
  details: { victim: unknown; death: unknown; place: unknown; cause: string; perpetrator: string; incidentId?: string };
  duplicate_of: string | null;
  filed_at: Date;
  filed_seq: string;
}

/** Claim lists from the claims read model, in filed order (stable: the filed seq is unique). */
@Injectable()
export class ClaimSearch {
  constructor(private readonly dataSource: DataSource) {}

  async page(request: ClaimSearchRequest): Promise<Record<string, unknown>> {
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    let source = 'claim_view c';
    const conditions: string[] = [];
    let asOfSeq: number | undefined;
    if (request.asOfSeq !== undefined) {
      asOfSeq = await readSeq(this.dataSource, 'claims', request.asOfSeq);
      source += ` JOIN claim_facts f ON f.claim_id = c.id AND ${factsAsOf('f', param(asOfSeq))}`;
      conditions.push(...filterConditions(request.filter, params, 'f'));
    } else {
      conditions.push(...filterConditions(request.filter, params, 'c'));
    }
    if (request.grade !== undefined) conditions.push(`c.grade = ${param(request.grade)}`);
    for (const term of request.terms) {
      const token = `c.name_key LIKE ${param(`%${escapeLike(term.token)}%`)}`;
      conditions.push(term.skeleton ? `(${token} OR c.name_key LIKE ${param(`% ~${escapeLike(term.skeleton)} %`)})` : token);
    }
    if (request.after !== undefined) conditions.push(`c.filed_seq ${request.ascending ? '>' : '<'} ${param(request.after)}`);
    const rows: SummaryRow[] = await this.dataSource.query(
      `SELECT c.id, c.version, c.status, c.grade, c.details, c.duplicate_of, c.filed_at, c.filed_seq
       FROM ${source}
       ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY c.filed_seq ${request.ascending ? 'ASC' : 'DESC'}
       LIMIT ${param(request.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, request.limit);
    return {
      items: page.map(summary),
      next: rows.length > request.limit ? encodeCursor(Number(page[page.length - 1].filed_seq)) : null,
      ...(asOfSeq === undefined ? {} : { asOfSeq }),
    };
  }
}

function summary(row: SummaryRow): Record<string, unknown> {
  const { victim, death, place, cause, perpetrator, incidentId } = row.details;
  return {
    id: row.id,
    version: row.version,
    status: row.status,
    grade: row.grade,
    victim,
    death,
    place,
    cause,
    perpetrator,
    incidentId: incidentId ?? null,
    duplicateOf: row.duplicate_of,
    filedAt: row.filed_at.toISOString(),
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
