import type { FieldProblem } from '@ledger/domain';
import type { ClaimFacts } from '../claims/claim-record.js';
import {
  claimIdsSha256,
  compareCodePoints,
  DIMENSION_NAMES,
  DIMENSIONS,
  factsMatch,
  filterParams,
  parseClaimFilter,
  type ClaimFilter,
  type Dimension,
} from './claim-filters.js';

/** GET /stats/casualties as API.md fixes it; statistics count verified claims unless told otherwise. */
export interface CasualtyQuery {
  groupBy: Dimension[];
  filter: ClaimFilter & { status: NonNullable<ClaimFilter['status']> };
}

export interface CasualtyBucket {
  key: Partial<Record<Dimension, string | null>>;
  count: number;
  /** SHA-256 of the sorted ids of the claims counted (see claimIdsSha256). */
  claimIdsSha256: string;
}

export function parseCasualtyQuery(params: Record<string, unknown>, problems: FieldProblem[]): CasualtyQuery {
  const filter = parseClaimFilter(params, problems);
  const groupBy: Dimension[] = [];
  const raw = params.groupBy;
  if (raw !== undefined) {
    if (typeof raw !== 'string') problems.push({ path: 'query:groupBy', message: 'must be given once, as a comma-separated list' });
    else {
      for (const name of raw.split(',').filter((part) => part.length > 0)) {
        if (!(DIMENSION_NAMES as string[]).includes(name)) problems.push({ path: 'query:groupBy', message: `${name} is not one of ${DIMENSION_NAMES.join(', ')}` });
        else if (groupBy.includes(name as Dimension)) problems.push({ path: 'query:groupBy', message: `${name} is given twice` });
        else groupBy.push(name as Dimension);
      }
    }
  }
  return { groupBy, filter: { ...filter, status: filter.status ?? 'verified' } };
}

/** Buckets in the order the API returns them: by each grouped value, code point order, no value last. */
export function compareBucketKeys(groupBy: readonly Dimension[], a: CasualtyBucket['key'], b: CasualtyBucket['key']): number {
  for (const name of groupBy) {
    const x = a[name] ?? null;
    const y = b[name] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return compareCodePoints(x, y);
  }
  return 0;
}

/**
 * The figures from claims' facts in plain code: what `ledger stats` computes from the ledger
 * itself, to check the read side's SQL against.
 */
export function countCasualties(claims: Iterable<{ id: string; facts: ClaimFacts }>, query: CasualtyQuery): CasualtyBucket[] {
  const groups = new Map<string, { key: CasualtyBucket['key']; ids: string[] }>();
  for (const { id, facts } of claims) {
    if (!factsMatch(facts, query.filter)) continue;
    const key: CasualtyBucket['key'] = {};
    for (const name of query.groupBy) key[name] = facts[DIMENSIONS[name].fact] ?? null;
    const label = JSON.stringify(query.groupBy.map((name) => key[name]));
    const group = groups.get(label) ?? { key, ids: [] };
    group.ids.push(id);
    groups.set(label, group);
  }
  return [...groups.values()]
    .map(({ key, ids }) => ({ key, count: ids.length, claimIdsSha256: claimIdsSha256(ids) }))
    .sort((a, b) => compareBucketKeys(query.groupBy, a.key, b.key));
}

/** The response body (API.md), with the link to each bucket's claims as of the same seq. */
export function casualtyReport(query: CasualtyQuery, asOfSeq: number, buckets: CasualtyBucket[]): Record<string, unknown> {
  const filters: Record<string, string> = Object.fromEntries(filterParams({ ...query.filter, status: undefined }));
  return {
    groupBy: query.groupBy,
    filters,
    status: query.filter.status,
    asOfSeq,
    total: buckets.reduce((sum, bucket) => sum + bucket.count, 0),
    buckets: buckets.map((bucket) => ({
      key: bucket.key,
      count: bucket.count,
      claims: bucketLink(query, bucket, asOfSeq),
      claimIdsSha256: bucket.claimIdsSha256,
    })),
  };
}

function bucketLink(query: CasualtyQuery, bucket: CasualtyBucket, asOfSeq: number): string {
  const dimensions = { ...query.filter.dimensions, ...bucket.key };
  const params = new URLSearchParams(filterParams({ ...query.filter, dimensions }));
  params.set('asOfSeq', String(asOfSeq));
  return `/claims?${params.toString()}`;
}

/** The report as CSV: one row per bucket, the grouped dimensions first. */
export function casualtyCsv(query: CasualtyQuery, report: { buckets: Array<{ key: CasualtyBucket['key']; count: number; claims: string; claimIdsSha256: string }> }): string {
  const header = [...query.groupBy, 'count', 'claimIdsSha256', 'claims'];
  const lines = [header.join(',')];
  for (const bucket of report.buckets) {
    const cells = [...query.groupBy.map((name) => bucket.key[name] ?? ''), String(bucket.count), bucket.claimIdsSha256, bucket.claims];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function csvCell(value: string): string {
  // A leading = + - @ would be a formula to a spreadsheet: quote and prefix it (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n']/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
