/**
 * Where does an append of ours spend its time? Runs an append transaction several ways against a
 * scratch ledger (`node dist/bench/profile-store.js '<job json>'`) and prints one line each:
 *  - `store`:   the real PostgresEventStore.execute, whatever it currently does;
 *  - `pg-same`: the six statements the store sent until 2026-11-25 (START TRANSACTION, lock,
 *               idempotency lookup, stream read, insert, COMMIT) on a bare pg.Pool;
 *  - `pg-prep`: the same six as named (prepared) statements;
 *  - `pg-head`: the same six, but reading only the stream head (what the stream read costs);
 *  - `pg-opt`:  a prototype of "read, decide, then one autocommit write": one prepared read (idempotency
 *               and stream), then one prepared call of a plpgsql function that takes the stream lock,
 *               checks the head is still the version decided on, and inserts (re-decide on conflict);
 *  - `pg-2rt`:  two round trips (simple-protocol multi-statement strings: `BEGIN; lock; reads` and
 *               `INSERT ...; COMMIT`).
 * Not part of `npm run bench`; for investigating a gap.
 */
import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@ledger/config';
import { dataSourceOptions } from '@ledger/database';
import { parseEnvelope, PostgresEventStore, RandomIds, SystemClock, type HashedEnvelope } from '@ledger/event-store';
import { canonicalize } from '@ledger/proof';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { cpuSplitMeter } from './cpu.js';
import { assertScratch } from './scratch.js';
import { fmtInt, fmtMs } from './stats.js';
import { claimPayload, drive, EVENT_TYPE_FIRST, EVENT_TYPE_NEXT, STREAM_TYPE, type AppendOne, type WorkerStreams } from './workload.js';

interface ProfileJob {
  url: string;
  /** The scratch database's owner: creates the prototype function of the `pg-opt` variant. */
  ownerUrl?: string;
  concurrency: number;
  total: number;
  warmup: number;
  pool: number;
  streamLength: number;
  variants?: string[];
}

const actor = { id: 'u-bench-documenter', role: 'documenter' } as const;
const steps = new Map<string, { ms: number; n: number }>();

async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    const entry = steps.get(step) ?? { ms: 0, n: 0 };
    entry.ms += performance.now() - started;
    entry.n += 1;
    steps.set(step, entry);
  }
}

interface Prepared {
  streamId: string;
  expectedVersion: number;
  commandId: string;
  requestHash: string;
  payload: Record<string, unknown>;
}

function prepare(streams: WorkerStreams, n: number): Prepared {
  const { streamId, expectedVersion } = streams.next();
  const payload = claimPayload(streamId, n);
  return {
    streamId,
    expectedVersion,
    commandId: randomUUID(),
    requestHash: createHash('sha256').update(JSON.stringify(payload)).digest('hex'),
    payload,
  };
}

/** What PostgresLedgerTransaction.append computes for one event. */
function envelopeRow(p: Prepared, prevHash: string | null): { envelope: HashedEnvelope; canonical: string; hash: string } {
  const now = new Date().toISOString();
  const envelope: HashedEnvelope = {
    streamId: p.streamId,
    streamType: STREAM_TYPE,
    version: p.expectedVersion + 1,
    eventId: randomUUID(),
    type: p.expectedVersion === 0 ? EVENT_TYPE_FIRST : EVENT_TYPE_NEXT,
    schemaVersion: 1,
    occurredAt: now,
    recordedAt: now,
    actor,
    commandId: p.commandId,
    correlationId: p.commandId,
    causationId: p.commandId,
    payload: p.payload,
    prevHash,
  };
  const canonical = canonicalize(envelope);
  return { envelope, canonical, hash: createHash('sha256').update(canonical, 'utf8').digest('hex') };
}

const INSERT_SQL = `WITH appended AS (
   INSERT INTO ledger_events
     (stream_id, stream_type, version, event_id, type, command_id, prev_hash, hash, canonical, recorded_at)
   SELECT s, st, v, e, t, $10, p, h, c, r
   FROM unnest($1::text[], $2::text[], $3::int[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
     AS x(s, st, v, e, t, p, h, c, r)
   RETURNING 1)
 INSERT INTO ledger_commands (command_id, request_hash, status, response)
 SELECT $10, $11, $12, $13 WHERE (SELECT count(*) FROM appended) = $14`;

function storeVariant(store: PostgresEventStore): AppendOne {
  return async (streams, n) => {
    const p = prepare(streams, n);
    const outcome = await store.execute({
      context: { commandId: p.commandId, correlationId: p.commandId, causationId: p.commandId, actor, issuedAt: new Date() },
      requestHash: p.requestHash,
      status: 201,
      streamIds: [p.streamId],
      decide: async (tx) => {
        await tx.readStream(p.streamId);
        const type = p.expectedVersion === 0 ? EVENT_TYPE_FIRST : EVENT_TYPE_NEXT;
        const appended = tx.append(p.streamId, STREAM_TYPE, p.expectedVersion, [{ type, schemaVersion: 1, data: p.payload }]);
        return { id: p.streamId, version: appended.version, eventIds: appended.eventIds };
      },
    });
    streams.appended(outcome.response.version);
  };
}

function pgSameVariant(pool: pg.Pool, prepared = false, headOnly = false): AppendOne {
  // Named statements are parsed and planned once per connection instead of once per execution.
  const q = (name: string, text: string): string | pg.QueryConfig => (prepared ? { name, text } : text);
  return async (streams, n) => {
    const p = prepare(streams, n);
    const client = await timed('connect', () => pool.connect());
    try {
      await timed('begin', () => client.query('START TRANSACTION'));
      await timed('lock', () => client.query(q('lock', `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`), [p.streamId]));
      const previous = await timed('idempotency', () =>
        client.query(q('idem', `SELECT request_hash, status, response FROM ledger_commands WHERE command_id = $1`), [p.commandId]),
      );
      if (previous.rowCount) throw new Error('command id reused');
      const rows = await timed('read stream', () =>
        client.query<{ canonical: string; hash: string; version: number }>(
          headOnly
            ? q('head', `SELECT '' AS canonical, hash, version FROM ledger_events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1`)
            : q('read', `SELECT canonical, hash, version FROM ledger_events WHERE stream_id = $1 ORDER BY version`),
          [p.streamId],
        ),
      );
      if (!headOnly) rows.rows.map((r) => parseEnvelope(r.canonical));
      const head = rows.rows.at(-1);
      if ((head?.version ?? 0) !== p.expectedVersion) throw new Error('version mismatch');
      const row = envelopeRow(p, head?.hash ?? null);
      const response = { id: p.streamId, version: row.envelope.version, eventIds: [row.envelope.eventId] };
      await timed('insert', () =>
        client.query(q('insert', INSERT_SQL), [
          [p.streamId],
          [STREAM_TYPE],
          [row.envelope.version],
          [row.envelope.eventId],
          [row.envelope.type],
          [row.envelope.prevHash],
          [row.hash],
          [row.canonical],
          [row.envelope.recordedAt],
          p.commandId,
          p.requestHash,
          201,
          JSON.stringify(response),
          1,
        ]),
      );
      await timed('commit', () => client.query('COMMIT'));
      streams.appended(row.envelope.version);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
}

function pgTwoRoundTripsVariant(pool: pg.Pool): AppendOne {
  return async (streams, n) => {
    const p = prepare(streams, n);
    const client = await timed('connect', () => pool.connect());
    const lit = (value: string | null): string => (value === null ? 'NULL' : client.escapeLiteral(value));
    try {
      // Each statement of a simple-protocol string takes its own snapshot (READ COMMITTED), so the
      // reads after the lock see everything the previous holder of the stream committed.
      const results = (await timed('begin+lock+read', () =>
        client.query(
          `START TRANSACTION;
           SELECT pg_advisory_xact_lock(hashtextextended(${lit(p.streamId)}, 0));
           SELECT request_hash, status, response FROM ledger_commands WHERE command_id = ${lit(p.commandId)};
           SELECT canonical, hash, version FROM ledger_events WHERE stream_id = ${lit(p.streamId)} ORDER BY version`,
        ),
      )) as unknown as Array<pg.QueryResult<{ canonical: string; hash: string; version: number }>>;
      if (results[2].rowCount) throw new Error('command id reused');
      const events = results[3].rows;
      events.map((r) => parseEnvelope(r.canonical));
      const head = events.at(-1);
      if ((head?.version ?? 0) !== p.expectedVersion) throw new Error('version mismatch');
      const row = envelopeRow(p, head?.hash ?? null);
      const response = { id: p.streamId, version: row.envelope.version, eventIds: [row.envelope.eventId] };
      const e = row.envelope;
      await timed('insert+commit', () =>
        client.query(
          `INSERT INTO ledger_events
             (stream_id, stream_type, version, event_id, type, command_id, prev_hash, hash, canonical, recorded_at)
           VALUES (${lit(e.streamId)}, ${lit(e.streamType)}, ${e.version}, ${lit(e.eventId)}, ${lit(e.type)}, ${lit(p.commandId)},
                   ${lit(e.prevHash)}, ${lit(row.hash)}, ${lit(row.canonical)}, ${lit(e.recordedAt)});
           INSERT INTO ledger_commands (command_id, request_hash, status, response)
           VALUES (${lit(p.commandId)}, ${lit(p.requestHash)}, 201, ${lit(JSON.stringify(response))});
           COMMIT`,
        ),
      );
      streams.appended(e.version);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
}

const APPEND_FUNCTION = `
CREATE OR REPLACE FUNCTION bench_ledger_append(
  p_stream text, p_expected int, p_stream_type text, p_versions int[], p_event_ids uuid[], p_types text[],
  p_prev text[], p_hashes text[], p_canonical text[], p_recorded timestamptz[],
  p_command uuid, p_request_hash text, p_status smallint, p_response jsonb
) RETURNS text LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  head int;
BEGIN
  -- The lock comes before the first write, so xid order agrees with version order (SEQUENCER.md).
  PERFORM pg_advisory_xact_lock(hashtextextended(p_stream, 0));
  -- A VOLATILE function's statements each take a fresh snapshot: this sees the last holder's commit.
  SELECT coalesce(max(version), 0) INTO head FROM ledger_events WHERE stream_id = p_stream;
  IF head <> p_expected THEN RETURN 'conflict'; END IF;
  PERFORM 1 FROM ledger_commands WHERE command_id = p_command;
  IF FOUND THEN RETURN 'replay'; END IF;
  INSERT INTO ledger_events (stream_id, stream_type, version, event_id, type, command_id, prev_hash, hash, canonical, recorded_at)
  SELECT p_stream, p_stream_type, v, e, t, p_command, p, h, c, r
  FROM unnest(p_versions, p_event_ids, p_types, p_prev, p_hashes, p_canonical, p_recorded) AS x(v, e, t, p, h, c, r);
  INSERT INTO ledger_commands (command_id, request_hash, status, response) VALUES (p_command, p_request_hash, p_status, p_response);
  RETURN 'ok';
END $fn$`;

function pgOptimisticVariant(pool: pg.Pool): AppendOne {
  const read: pg.QueryConfig = {
    name: 'opt-read',
    text: `SELECT 'event' AS kind, canonical, hash, version FROM ledger_events WHERE stream_id = $1
           UNION ALL
           SELECT 'command', response::text, request_hash, status FROM ledger_commands WHERE command_id = $2
           ORDER BY kind DESC, version`,
  };
  const write = 'SELECT bench_ledger_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) AS outcome';
  return async (streams, n) => {
    const p = prepare(streams, n);
    for (;;) {
      const rows = await timed('read', () =>
        pool.query<{ kind: string; canonical: string; hash: string; version: number }>({ ...read, values: [p.streamId, p.commandId] }),
      );
      if (rows.rows.some((r) => r.kind === 'command')) throw new Error('command id reused');
      const events = rows.rows.filter((r) => r.kind === 'event');
      events.map((r) => parseEnvelope(r.canonical));
      const head = events.at(-1);
      if ((head?.version ?? 0) !== p.expectedVersion) throw new Error('version mismatch');
      const row = envelopeRow(p, head?.hash ?? null);
      const e = row.envelope;
      const response = { id: p.streamId, version: e.version, eventIds: [e.eventId] };
      const result = await timed('write', () =>
        pool.query<{ outcome: string }>({
          name: 'opt-write',
          text: write,
          values: [
            p.streamId, p.expectedVersion, STREAM_TYPE, [e.version], [e.eventId], [e.type], [e.prevHash], [row.hash],
            [row.canonical], [e.recordedAt], p.commandId, p.requestHash, 201, JSON.stringify(response),
          ],
        }),
      );
      const outcome = result.rows[0].outcome;
      if (outcome === 'ok') {
        streams.appended(e.version);
        return;
      }
      if (outcome !== 'conflict') throw new Error(`append: ${outcome}`);
      // Someone appended between our read and our write: read and decide again.
    }
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as ProfileJob;
  assertScratch(job.url);
  Logger.overrideLogger(['error', 'warn']);
  const config = loadConfig({ DATABASE_URL: job.url, KAFKA_BROKERS: '127.0.0.1:9092', LEDGER_JWT_SECRET: randomUUID() + randomUUID(), LOG_LEVEL: 'warn' });
  const dataSource = new DataSource(dataSourceOptions(config, job.pool));
  await dataSource.initialize();
  const pool = new pg.Pool({ connectionString: job.url, max: job.pool });
  if (job.ownerUrl) {
    assertScratch(job.ownerUrl);
    const owner = new pg.Client({ connectionString: job.ownerUrl });
    await owner.connect();
    await owner.query(APPEND_FUNCTION);
    await owner.end();
  }
  const variants: Record<string, AppendOne> = {
    store: storeVariant(new PostgresEventStore(dataSource, new SystemClock(), new RandomIds())),
    'pg-same': pgSameVariant(pool),
    'pg-prep': pgSameVariant(pool, true),
    'pg-head': pgSameVariant(pool, false, true),
    'pg-2rt': pgTwoRoundTripsVariant(pool),
    ...(job.ownerUrl ? { 'pg-opt': pgOptimisticVariant(pool) } : {}),
  };
  try {
    for (const name of job.variants ?? Object.keys(variants)) {
      await drive(job.concurrency, job.warmup, job.streamLength, variants[name]);
      steps.clear();
      const meter = cpuSplitMeter(process.pid, null);
      const r = await drive(job.concurrency, job.total, job.streamLength, variants[name]);
      const split = meter();
      const breakdown = [...steps].map(([step, { ms, n }]) => `${step} ${fmtMs(ms / n)}`).join(', ');
      process.stdout.write(
        `${name.padEnd(8)} c${job.concurrency}: ${fmtInt(r.rate)} appends/s, p50 ${fmtMs(r.p50)} ms, p99 ${fmtMs(r.p99)} ms, ` +
          `CPU ms/append: client ${fmtMs(r.clientCpuMs)}, Postgres backends ${fmtMs(split.postgres / r.appends)}, rest of machine ${fmtMs(split.other / r.appends)}; errors ${r.errors}` +
          `${breakdown ? `\n         mean ms per step: ${breakdown}` : ''}\n`,
      );
    }
  } finally {
    await dataSource.destroy();
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
