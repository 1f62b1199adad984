import { DIMENSION_NAMES, DIMENSIONS, type ClaimFilter } from '@ledger/read-models';

/**
 * The shared claim filter as SQL conditions on claim_view or claim_facts (same column names),
 * values always as parameters. Mirrors factsMatch, which `ledger stats` uses on the ledger.
 */
export function filterConditions(filter: ClaimFilter, params: unknown[], alias: string): string[] {
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions: string[] = [];
  if (filter.status === 'all') conditions.push(`${alias}.status NOT IN ('retracted', 'duplicate')`);
  else if (filter.status !== undefined) conditions.push(`${alias}.status = ${param(filter.status)}`);
  for (const name of DIMENSION_NAMES) {
    const wanted = filter.dimensions[name];
    if (wanted === undefined) continue;
    const column = `${alias}.${DIMENSIONS[name].column}`;
    conditions.push(wanted === null ? `${column} IS NULL` : `${column} = ${param(wanted)}${name === 'incident' ? '::uuid' : ''}`);
  }
  if (filter.from) conditions.push(`${alias}.death_from >= ${param(filter.from)}::date`);
  if (filter.to) conditions.push(`${alias}.death_to <= ${param(filter.to)}::date`);
  return conditions;
}

/** claim_facts rows valid at seq n: the stretch that began at or before n and had not ended by n. */
export function factsAsOf(alias: string, seqParam: string): string {
  return `${alias}.from_seq <= ${seqParam} AND (${alias}.to_seq IS NULL OR ${alias}.to_seq > ${seqParam})`;
}
