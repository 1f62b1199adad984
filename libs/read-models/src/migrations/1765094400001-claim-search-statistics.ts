import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * GET /claims pages in filed order with LIMIT, so the planner walks claim_view backwards by
 * filed_seq whenever it expects matches to come early; when they are rare the walk reads the whole
 * table (65–90 ms for 100,000 claims, against 1–5 ms through a filter or the trigram index). These
 * statistics make its row estimates close enough to choose well:
 * - every combination of the dimensions filtered together (the women and children of a
 *   governorate, a governorate's causes by year, a victim category by month) in an MCV list large
 *   enough to hold them all, where the five-column list of NarrowClaims holds only the commonest;
 * - a name_key histogram of 1,000 keys, so that a name shared by a few dozen claims is not taken
 *   for one shared by hundreds (LIKE estimates come from counting histogram keys that match).
 */
export class ClaimSearchStatistics1765094400001 implements MigrationInterface {
  name = 'ClaimSearchStatistics1765094400001';

  async up(q: QueryRunner): Promise<void> {
    for (const [name, columns] of STATISTICS) {
      await q.query(`CREATE STATISTICS ${name} (mcv) ON ${columns.join(', ')} FROM claim_view`);
      await q.query(`ALTER STATISTICS ${name} SET STATISTICS 1000`);
    }
    await q.query(`ALTER TABLE claim_view ALTER COLUMN name_key SET STATISTICS 1000`);
    await q.query(`ANALYZE claim_view`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE claim_view ALTER COLUMN name_key SET STATISTICS -1`);
    for (const [name] of STATISTICS) await q.query(`DROP STATISTICS ${name}`);
  }
}

const STATISTICS: ReadonlyArray<[string, string[]]> = [
  ['claim_view_place_victim', ['governorate', 'sex', 'age_group']],
  ['claim_view_place_cause_year', ['governorate', 'cause', 'death_year']],
  ['claim_view_victim_month', ['civilian_status', 'sex', 'death_month']],
];
