import {
  blockingPatterns,
  duplicateProfile,
  linkable,
  mayBeDuplicates,
  scoreDuplicate,
  type AgeGroup,
  type ClaimStatus,
  type DuplicateProfile,
  type DuplicateReason,
  type FuzzyDate,
  type Place,
  type Sex,
  type Victim,
} from '@ledger/domain';

/** What the duplicate queries need of a database: TypeORM's DataSource and EntityManager both are one. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** One claim of the claims read model as duplicate detection reads it. */
export interface DuplicateRow {
  id: string;
  status: ClaimStatus;
  sex: Sex;
  age_group: AgeGroup;
  filed_seq: string;
  victim: Victim;
  death: FuzzyDate;
  place: Place;
  death_from: string | null;
  death_to: string | null;
  lists: string[];
}

/** What a verifier sees of a candidate to judge it. */
export interface DuplicateSummary {
  status: ClaimStatus;
  name: Victim['name'] | null;
  sex: Sex;
  age: number | null;
  ageGroup: AgeGroup;
  death: FuzzyDate;
  place: Place;
}

export interface DuplicateCandidate {
  claimId: string;
  score: number;
  reasons: DuplicateReason[];
  summary: DuplicateSummary;
}

/**
 * The lists a claim came from are its sources' publishers. Dates as text: pg would turn a `date`
 * into a local-time Date.
 */
export const DUPLICATE_ROW_SELECT = `
  SELECT v.id, v.status, v.sex, v.age_group, v.filed_seq,
         v.details->'victim' AS victim, v.details->'death' AS death, v.details->'place' AS place,
         to_char(v.death_from, 'YYYY-MM-DD') AS death_from, to_char(v.death_to, 'YYYY-MM-DD') AS death_to,
         COALESCE((SELECT array_agg(DISTINCT s->>'publisher' ORDER BY s->>'publisher') FROM jsonb_array_elements(d.sources) s WHERE s->>'publisher' IS NOT NULL), '{}') AS lists
  FROM claim_view v JOIN claim_documents d ON d.id = v.id`;

export function duplicateProfileOf(row: DuplicateRow): DuplicateProfile {
  return duplicateProfile({
    id: row.id,
    status: row.status,
    name: row.victim.name,
    sex: row.sex,
    age: row.victim.age,
    ageGroup: row.age_group,
    deathFrom: row.death_from,
    deathTo: row.death_to,
    place: { governorate: row.place.governorate, district: row.place.district, locality: row.place.locality },
    lists: row.lists,
  });
}

export function duplicateSummary(row: DuplicateRow): DuplicateSummary {
  return {
    status: row.status,
    name: row.victim.name ?? null,
    sex: row.sex,
    age: row.victim.age ?? null,
    ageGroup: row.age_group,
    death: row.death,
    place: row.place,
  };
}

/** More claims than this sharing a blocking key with one claim are not read (a name too common to block on). */
export const CANDIDATE_ROWS_MAX = 5000;

/**
 * A claim's possible duplicates, best first: the claims sharing one of its blocking keys (found
 * with the trigram index on name_key, then held to the keys themselves), scored, at least
 * `minScore`. Null when the read model has no such claim. A retracted claim, or one already a
 * duplicate, has none.
 */
export async function findDuplicateCandidates(
  db: Queryable,
  claimId: string,
  options: { limit: number; minScore: number },
): Promise<{ status: ClaimStatus; candidates: DuplicateCandidate[] } | null> {
  const [row] = (await db.query(`${DUPLICATE_ROW_SELECT} WHERE v.id = $1`, [claimId])) as DuplicateRow[];
  if (row === undefined) return null;
  const claim = duplicateProfileOf(row);
  if (!linkable(claim) || claim.keys.length === 0) return { status: row.status, candidates: [] };
  const params: unknown[] = [claimId];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const names = blockingPatterns(claim.keys).map(([first, second]) => `(v.name_key LIKE ${param(first)} AND v.name_key LIKE ${param(second)})`);
  const sex = claim.sex === 'unknown' ? '' : `AND v.sex IN (${param(claim.sex)}, 'unknown')`;
  const rows = (await db.query(
    `${DUPLICATE_ROW_SELECT}
     WHERE v.id <> $1 AND v.status NOT IN ('retracted', 'duplicate') ${sex} AND (${names.join(' OR ')})
     ORDER BY v.filed_seq LIMIT ${CANDIDATE_ROWS_MAX}`,
    params,
  )) as DuplicateRow[];
  const candidates: DuplicateCandidate[] = [];
  for (const other of rows) {
    const profile = duplicateProfileOf(other);
    if (!mayBeDuplicates(claim, profile)) continue;
    const { score, reasons } = scoreDuplicate(claim, profile);
    if (score >= options.minScore) candidates.push({ claimId: other.id, score, reasons, summary: duplicateSummary(other) });
  }
  candidates.sort((x, y) => y.score - x.score);
  return { status: row.status, candidates: candidates.slice(0, options.limit) };
}

/** Every claim of the read model, in filing order, a page at a time (for the whole-ledger report). */
export async function* duplicateRows(db: Queryable, pageSize = 5000): AsyncGenerator<DuplicateRow[]> {
  let after = -1;
  for (;;) {
    const rows = (await db.query(`${DUPLICATE_ROW_SELECT} WHERE v.filed_seq > $1 ORDER BY v.filed_seq LIMIT ${pageSize}`, [after])) as DuplicateRow[];
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1].filed_seq);
  }
}
