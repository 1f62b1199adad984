import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables that are the record of truth. Append-only: see the triggers at the end. */
export class Ledger1764057600000 implements MigrationInterface {
  name = 'Ledger1764057600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_events (
        id            bigserial PRIMARY KEY,
        -- assigned at the transaction's first write, which comes after the stream lock (SEQUENCER.md)
        tx_id         xid8        NOT NULL DEFAULT pg_current_xact_id(),
        stream_id     text        NOT NULL,
        stream_type   text        NOT NULL,
        version       integer     NOT NULL CHECK (version >= 1),
        event_id      uuid        NOT NULL UNIQUE,
        type          text        NOT NULL,
        command_id    uuid        NOT NULL,
        prev_hash     char(64),
        hash          char(64)    NOT NULL,
        -- the exact RFC 8785 bytes that were hashed; envelopes are served from here, never rebuilt
        canonical     text        NOT NULL,
        recorded_at   timestamptz NOT NULL,
        UNIQUE (stream_id, version),
        CHECK ((version = 1) = (prev_hash IS NULL))
      )`);
    await q.query(`CREATE INDEX ledger_events_tx_order ON ledger_events (tx_id, id)`);
    await q.query(`
      CREATE TABLE ledger_commands (
        command_id    uuid        PRIMARY KEY,
        request_hash  char(64)    NOT NULL,
        status        smallint    NOT NULL,
        response      jsonb       NOT NULL,
        recorded_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE ledger_log (
        seq           bigint      PRIMARY KEY CHECK (seq >= 1),
        event_id      uuid        NOT NULL UNIQUE REFERENCES ledger_events (event_id),
        stream_id     text        NOT NULL,
        version       integer     NOT NULL,
        leaf_hash     bytea       NOT NULL CHECK (length(leaf_hash) = 32),
        sequenced_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (stream_id, version)
      )`);
    await q.query(`
      CREATE TABLE merkle_nodes (
        level         smallint    NOT NULL CHECK (level >= 0 AND level < 64),
        index         bigint      NOT NULL CHECK (index >= 0),
        hash          bytea       NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (level, index)
      )`);
    await q.query(`
      CREATE TABLE ledger_checkpoints (
        size          bigint      PRIMARY KEY CHECK (size >= 0),
        root          bytea       NOT NULL CHECK (length(root) = 32),
        note          text        NOT NULL,
        issued_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE ledger_identity (
        origin        text        PRIMARY KEY,
        public_key    text        NOT NULL,
        -- only for a development ledger that generated its own key; production passes LEDGER_SIGNING_KEY
        private_key   text,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    // The only mutable rows: where the sequencer and the publisher are.
    await q.query(`
      CREATE TABLE sequencer_state (
        id                  smallint    PRIMARY KEY CHECK (id = 1),
        last_tx_id          xid8        NOT NULL,
        last_event_row      bigint      NOT NULL,
        last_seq            bigint      NOT NULL,
        last_checkpoint_at  timestamptz NOT NULL DEFAULT now(),
        halted_reason       text
      )`);
    await q.query(`INSERT INTO sequencer_state (id, last_tx_id, last_event_row, last_seq) VALUES (1, '0', 0, 0)`);
    await q.query(`
      CREATE TABLE publisher_state (
        topic               text        PRIMARY KEY,
        last_published_seq  bigint      NOT NULL,
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of LEDGER_TABLES) {
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`);
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`);
    }
  }

  async down(): Promise<void> {
    throw new Error('the ledger is append-only: its schema is never rolled back');
  }
}

/** Tables the application may only INSERT into and SELECT from. */
export const LEDGER_TABLES = [
  'ledger_events',
  'ledger_commands',
  'ledger_log',
  'merkle_nodes',
  'ledger_checkpoints',
  'ledger_identity',
] as const;
