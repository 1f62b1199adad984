import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Where a replay rebuilds read models beside the live ones (same tables, same names). */
export const SHADOW_SCHEMA = 'projection_shadow';

/**
 * The read side: claims searchable and countable as of any seq, incidents, and each projection's
 * watermark. Read models are rebuilt from the feed, so the old claim_view is dropped and its
 * checkpoints forgotten: the projector refills it from the start of the topic.
 */
export class ReadSide1764144000000 implements MigrationInterface {
  name = 'ReadSide1764144000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`DROP TABLE claim_view`);
    await q.query(`DELETE FROM projection_checkpoints`);
    await q.query(`
      CREATE TABLE projection_progress (
        projection  text    PRIMARY KEY,
        watermark   bigint  NOT NULL,
        pending     jsonb   NOT NULL DEFAULT '[]'
      )`);
    await q.query(`
      CREATE TABLE claim_view (
        id               uuid        PRIMARY KEY,
        version          integer     NOT NULL,
        status           text        NOT NULL,
        grade            text,
        state            jsonb       NOT NULL,
        testimony        jsonb       NOT NULL,
        sources          jsonb       NOT NULL,
        verifications    jsonb       NOT NULL,
        disputes         jsonb       NOT NULL,
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
    await q.query(`CREATE UNIQUE INDEX claim_view_filed_seq ON claim_view (filed_seq)`);
    await q.query(`CREATE INDEX claim_view_status ON claim_view (status, filed_seq)`);
    await q.query(`CREATE INDEX claim_view_perpetrator ON claim_view (perpetrator, filed_seq)`);
    await q.query(`CREATE INDEX claim_view_incident ON claim_view (incident_id) WHERE incident_id IS NOT NULL`);
    await q.query(`CREATE INDEX claim_view_name_key ON claim_view USING gin (name_key gin_trgm_ops)`);
    await q.query(`
      CREATE TABLE claim_facts (
        claim_id         uuid    NOT NULL,
        from_seq         bigint  NOT NULL,
        to_seq           bigint,
        status           text    NOT NULL,
        perpetrator      text    NOT NULL,
        cause            text    NOT NULL,
        governorate      text    NOT NULL,
        sex              text    NOT NULL,
        age_group        text    NOT NULL,
        civilian_status  text    NOT NULL,
        protected_role   text,
        incident_id      uuid,
        death_month      text,
        death_year       text,
        death_from       date,
        death_to         date,
        PRIMARY KEY (claim_id, from_seq)
      )`);
    await q.query(`CREATE INDEX claim_facts_current ON claim_facts (status) WHERE to_seq IS NULL`);
    await q.query(`
      CREATE TABLE incident_view (
        id            uuid        PRIMARY KEY,
        version       integer     NOT NULL,
        code          text        NOT NULL UNIQUE,
        date          text,
        date_from     text,
        date_to       text,
        precision     text        NOT NULL,
        place         jsonb       NOT NULL,
        governorate   text        NOT NULL,
        attack_type   text        NOT NULL,
        perpetrator   text,
        narrative     text        NOT NULL,
        reported      jsonb       NOT NULL,
        claim_ids     jsonb       NOT NULL,
        sources       jsonb       NOT NULL,
        recorded_by   text        NOT NULL,
        recorded_seq  bigint      NOT NULL,
        last_seq      bigint      NOT NULL
      )`);
    await q.query(`CREATE INDEX incident_view_recorded_seq ON incident_view (recorded_seq)`);
    await recreateShadowTables(q, READ_SIDE_TABLES_V1);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA ${SHADOW_SCHEMA} CASCADE`);
    for (const table of ['incident_view', 'claim_facts', 'claim_view', 'projection_progress']) await q.query(`DROP TABLE ${table}`);
  }
}

/** The tables this migration created (each later migration lists its own; see READ_SIDE_TABLES). */
const READ_SIDE_TABLES_V1 = ['projection_checkpoints', 'projection_progress', 'claim_view', 'claim_facts', 'incident_view'] as const;

/** Every table projections own today: the application may change their rows, unlike the ledger's. */
export const READ_SIDE_TABLES = [...READ_SIDE_TABLES_V1, 'claim_documents'] as const;

/**
 * A later migration that changes a read-model table calls this again so replays build the same
 * shape. A shadow table is rebuilt from the feed and read only whole (compared, or copied into the
 * live table on a swap): it is unlogged (a crash loses nothing a replay cannot rebuild) and keeps
 * only the unique indexes, which decide what an insert does; the others would only slow the rebuild.
 */
export async function recreateShadowTables(q: QueryRunner, tables: readonly string[]): Promise<void> {
  await q.query(`CREATE SCHEMA IF NOT EXISTS ${SHADOW_SCHEMA}`);
  for (const table of tables) {
    await q.query(`DROP TABLE IF EXISTS ${SHADOW_SCHEMA}.${table}`);
    await q.query(`CREATE UNLOGGED TABLE ${SHADOW_SCHEMA}.${table} (LIKE public.${table} INCLUDING ALL EXCLUDING INDEXES EXCLUDING STATISTICS)`);
    const unique: Array<{ definition: string }> = await q.query(
      `SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique ORDER BY i.indexrelid`,
      [`public.${table}`],
    );
    for (const { definition } of unique) await q.query(definition.replace(` ON public.${table} `, ` ON ${SHADOW_SCHEMA}.${table} `));
  }
}
