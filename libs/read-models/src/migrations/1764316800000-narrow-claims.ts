import type { MigrationInterface, QueryRunner } from 'typeorm';
import { recreateShadowTables, SHADOW_SCHEMA } from './1764144000000-read-side.js';

/**
 * Claim searches scan claim_view: it keeps only what lists and filters need (about 300 bytes a
 * row), with an index per selective filter and statistics on the correlated dimensions; the
 * documents a single claim shows move to claim_documents. The claims projection is rebuilt from
 * the feed (its consumer group is new: ClaimProjection.version).
 */
export class NarrowClaims1764316800000 implements MigrationInterface {
  name = 'NarrowClaims1764316800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE claim_view`);
    await q.query(`TRUNCATE claim_facts`);
    await q.query(`DELETE FROM projection_checkpoints WHERE projection = 'claims'`);
    await q.query(`DELETE FROM projection_progress WHERE projection = 'claims'`);
    await q.query(`
      CREATE TABLE claim_view (
        id               uuid        PRIMARY KEY,
        version          integer     NOT NULL,
        status           text        NOT NULL,
        grade            text,
        details          jsonb       NOT NULL,
        filed_by         text        NOT NULL,
        filed_at         timestamptz NOT NULL,
        filed_seq        bigint      NOT NULL,
        last_seq         bigint      NOT NULL,
        updated_at       timestamptz NOT NULL,
        perpetrator      text        NOT NULL,
        cause            text        NOT NULL,
        governorate      text        NOT NULL,
        sex              text        NOT NULL,
        age_group        text        NOT NULL,
        civilian_status  text        NOT NULL,
        protected_role   text,
        incident_id      uuid,
        duplicate_of     uuid,
        death_from       date,
        death_to         date,
        death_month      text,
        death_year       text,
        name_key         text        NOT NULL,
        evidence         integer     NOT NULL,
        involved         text[]      NOT NULL,
        approvals        text[]      NOT NULL,
        dispute_openers  text[]      NOT NULL
      )`);
    await q.query(`
      CREATE TABLE claim_documents (
        id             uuid   PRIMARY KEY,
        state          jsonb  NOT NULL,
        testimony      jsonb  NOT NULL,
        sources        jsonb  NOT NULL,
        verifications  jsonb  NOT NULL,
        disputes       jsonb  NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX claim_view_filed_seq ON claim_view (filed_seq)`);
    for (const column of ['status', 'perpetrator', 'governorate', 'cause', 'death_month', 'death_year']) {
      await q.query(`CREATE INDEX claim_view_${column} ON claim_view (${column}, filed_seq)`);
    }
    await q.query(`CREATE INDEX claim_view_incident ON claim_view (incident_id, filed_seq) WHERE incident_id IS NOT NULL`);
    await q.query(`CREATE INDEX claim_view_name_key ON claim_view USING gin (name_key gin_trgm_ops)`);
    await q.query(`CREATE STATISTICS claim_view_dimensions (dependencies, mcv) ON governorate, cause, sex, age_group, civilian_status FROM claim_view`);
    await recreateShadowTables(q, ['claim_view', 'claim_documents', 'claim_facts']);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE claim_documents`);
    await q.query(`DROP TABLE ${SHADOW_SCHEMA}.claim_documents`);
  }
}
