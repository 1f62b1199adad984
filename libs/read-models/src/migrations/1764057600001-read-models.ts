import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ReadModels1764057600001 implements MigrationInterface {
  name = 'ReadModels1764057600001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection_checkpoints (
        projection  text        NOT NULL,
        topic       text        NOT NULL,
        partition   integer     NOT NULL,
        last_seq    bigint      NOT NULL,
        updated_at  timestamptz NOT NULL,
        PRIMARY KEY (projection, topic, partition)
      )`);
    await q.query(`
      CREATE TABLE claim_view (
        id            uuid        PRIMARY KEY,
        version       integer     NOT NULL,
        status        text        NOT NULL,
        grade         text,
        victim        jsonb       NOT NULL,
        death         jsonb       NOT NULL,
        place         jsonb       NOT NULL,
        cause         text        NOT NULL,
        perpetrator   text        NOT NULL,
        incident_id   uuid,
        duplicate_of  uuid,
        testimony     jsonb       NOT NULL DEFAULT '[]',
        sources       jsonb       NOT NULL DEFAULT '[]',
        verifications jsonb       NOT NULL DEFAULT '[]',
        disputes      jsonb       NOT NULL DEFAULT '[]',
        filed_by      text        NOT NULL,
        filed_at      timestamptz NOT NULL,
        last_seq      bigint      NOT NULL
      )`);
    await q.query(`CREATE INDEX claim_view_incident ON claim_view (incident_id) WHERE incident_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE claim_view`);
    await q.query(`DROP TABLE projection_checkpoints`);
  }
}

