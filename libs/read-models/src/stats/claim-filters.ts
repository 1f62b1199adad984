import { createHash } from 'node:crypto';
import {
  AGE_GROUPS,
  CAUSES,
  CIVILIAN_STATUSES,
  CLAIM_STATUSES,
  PROTECTED_ROLES,
  SEXES,
  type ClaimStatus,
  type FieldProblem,
} from '@ledger/domain';
import type { ClaimFacts } from '../claims/claim-record.js';

/**
 * The dimensions of API.md "Reading claims and statistics", each with the column that holds it
 * in claim_view and claim_facts and the member of ClaimFacts the ledger-side recount uses.
 * Dimensions that may have no value (no protected role, no incident, a date too fuzzy for a
 * month) take the filter value `none` and the bucket key `null`.
 */
export const DIMENSIONS = {
  perpetrator: { column: 'perpetrator', fact: 'perpetrator', values: null, nullable: false },
  month: { column: 'death_month', fact: 'month', values: /^\d{4}-(0[1-9]|1[0-2])$/, nullable: true },
  year: { column: 'death_year', fact: 'year', values: /^\d{4}$/, nullable: true },
  governorate: { column: 'governorate', fact: 'governorate', values: null, nullable: false },
  cause: { column: 'cause', fact: 'cause', values: CAUSES, nullable: false },
  ageGroup: { column: 'age_group', fact: 'ageGroup', values: AGE_GROUPS, nullable: false },
  sex: { column: 'sex', fact: 'sex', values: SEXES, nullable: false },
  protectedRole: { column: 'protected_role', fact: 'protectedRole', values: PROTECTED_ROLES, nullable: true },
  civilianStatus: { column: 'civilian_status', fact: 'civilianStatus', values: CIVILIAN_STATUSES, nullable: false },
  incident: {
    column: 'incident_id',
    fact: 'incident',
    values: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    nullable: true,
  },
} as const satisfies Record<string, { column: string; fact: keyof ClaimFacts; values: RegExp | readonly string[] | null; nullable: boolean }>;

export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as Dimension[];
export const NO_VALUE = 'none';

/** `all` = every claim that is not retracted or a duplicate (API.md). */
export type StatusFilter = ClaimStatus | 'all';

export interface ClaimFilter {
  /** Undefined: every status (the claim list's default; statistics default to `verified`). */
  status?: StatusFilter;
  /** Equality per dimension; `null` asks for claims with no value. */
  dimensions: Partial<Record<Dimension, string | null>>;
  /** The death lies wholly within [from, to] (a fuzzy date counts only when all it can mean does). */
  from?: string;
  to?: string;
}

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MAX_VALUE_LENGTH = 200;

/** Reads the shared filters from a query string (or CLI options); problems are named `query:<name>`. */
export function parseClaimFilter(params: Record<string, unknown>, problems: FieldProblem[]): ClaimFilter {
  const filter: ClaimFilter = { dimensions: {} };
  const text = (name: string): string | undefined => {
    const value = params[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE_LENGTH) {
      problems.push({ path: `query:${name}`, message: `must be given once, 1 to ${MAX_VALUE_LENGTH} characters` });
      return undefined;
    }
    return value;
  };
  const status = text('status');
  if (status !== undefined) {
    if (status === 'all' || (CLAIM_STATUSES as readonly string[]).includes(status)) filter.status = status as StatusFilter;
    else problems.push({ path: 'query:status', message: `must be one of ${[...CLAIM_STATUSES, 'all'].join(', ')}` });
  }
  for (const name of DIMENSION_NAMES) {
    const value = text(name);
    if (value === undefined) continue;
    const { values, nullable } = DIMENSIONS[name];
    if (nullable && value === NO_VALUE) filter.dimensions[name] = null;
    else if (values === null || (values instanceof RegExp ? values.test(value) : (values as readonly string[]).includes(value))) filter.dimensions[name] = value;
    else {
      const allowed = values instanceof RegExp ? `of the form ${values.source}` : `one of ${values.join(', ')}`;
      problems.push({ path: `query:${name}`, message: `must be ${allowed}${nullable ? ` or "${NO_VALUE}"` : ''}` });
    }
  }
  for (const name of ['from', 'to'] as const) {
    const value = text(name);
    if (value === undefined) continue;
    if (DAY.test(value)) filter[name] = value;
    else problems.push({ path: `query:${name}`, message: 'must be a date YYYY-MM-DD' });
  }
  if (filter.from && filter.to && filter.from > filter.to) problems.push({ path: 'query:to', message: 'must not be before from' });
  return filter;
}

/** The filter as query-string pairs, e.g. for the link from a statistics bucket to its claims. */
export function filterParams(filter: ClaimFilter): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (filter.status) pairs.push(['status', filter.status]);
  for (const name of DIMENSION_NAMES) {
    const value = filter.dimensions[name];
    if (value !== undefined) pairs.push([name, value ?? NO_VALUE]);
  }
  if (filter.from) pairs.push(['from', filter.from]);
  if (filter.to) pairs.push(['to', filter.to]);
  return pairs;
}

export function statusMatches(status: ClaimStatus, wanted: StatusFilter | undefined): boolean {
  if (wanted === undefined) return true;
  if (wanted === 'all') return status !== 'retracted' && status !== 'duplicate';
  return status === wanted;
}

/** The filter applied to one claim's facts: what the SQL of the read side computes, in plain code. */
export function factsMatch(facts: ClaimFacts, filter: ClaimFilter): boolean {
  if (!statusMatches(facts.status, filter.status)) return false;
  for (const name of DIMENSION_NAMES) {
    const wanted = filter.dimensions[name];
    if (wanted !== undefined && facts[DIMENSIONS[name].fact] !== wanted) return false;
  }
  if (filter.from && (facts.deathFrom === null || facts.deathFrom < filter.from)) return false;
  if (filter.to && (facts.deathTo === null || facts.deathTo > filter.to)) return false;
  return true;
}

/**
 * Fingerprint of the claims behind a figure: SHA-256 (hex) of their ids, sorted by code point,
 * each followed by a line feed. Anyone holding the list can recompute it.
 */
export function claimIdsSha256(ids: readonly string[]): string {
  const hash = createHash('sha256');
  for (const id of [...ids].sort(compareCodePoints)) hash.update(`${id}\n`);
  return hash.digest('hex');
}

export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
