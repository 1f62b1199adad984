import { createHash, randomUUID } from 'node:crypto';
import type { LedgerConfig } from '@ledger/config';
import { dataSourceOptions, migrate } from '@ledger/database';
import { canonicalize, openCheckpoint } from '@ledger/proof';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { eventually, freshTestLedger, superuser } from '../../../test/support/test-ledger.js';
import type { CommandExecution, CommandResponse } from './event-store.port.js';
import { LedgerIdentity } from './ledger-identity.js';
import { verifyLedger } from './ledger-verifier.js';
import { CHECKPOINT_EVERY_EVENTS, LedgerSequencer } from './ledger-sequencer.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { RandomIds, SystemClock } from './system-clock.js';

describe('LedgerSequencer (real Postgres)', () => {
  let config: LedgerConfig;
  let dataSource: DataSource;
  let store: PostgresEventStore;
  let identity: LedgerIdentity;

  beforeEach(async () => {
    config = await freshTestLedger('sequencer');
    await migrate(config);
    dataSource = await new DataSource(dataSourceOptions(config)).initialize();
    store = new PostgresEventStore(dataSource, new SystemClock(), new RandomIds());
    identity = new LedgerIdentity(dataSource, config);
    await identity.load();
  }, 30000);

  afterEach(async () => {
    await dataSource?.destroy();
  });

  const note = (streamId: string): CommandExecution<CommandResponse> => {
    const commandId = randomUUID();
    return {
      context: { commandId, correlationId: commandId, causationId: commandId, actor: { id: 'u-test', role: 'documenter' }, issuedAt: new Date() },
      requestHash: createHash('sha256').update(commandId).digest('hex'),
      status: 200,
      streamIds: [streamId],
      decide: async (tx) => {
        const stream = await tx.readStream(streamId);
        const appended = tx.append(streamId, 'test', stream.version, [{ type: 'Noted', schemaVersion: 1, data: { n: stream.version + 1 } }]);
        return { id: streamId, version: appended.version, eventIds: appended.eventIds };
      },
    };
  };

  const sequenced = async (): Promise<Array<{ seq: number; stream: string; version: number }>> =>
    ((await dataSource.query(`SELECT seq, stream_id, version FROM ledger_log ORDER BY seq`)) as Array<{ seq: string; stream_id: string; version: number }>).map(
      (r) => ({ seq: Number(r.seq), stream: r.stream_id, version: r.version }),
    );

  /** Runs the sequencer until the log holds `count` events (other databases' open transactions may hold a batch back). */
  const sequenceUntil = (sequencer: LedgerSequencer, count: number): Promise<unknown> =>
    eventually(async () => {
      await sequencer.sequenceOnce();
      return (await sequenced()).length >= count ? true : undefined;
    }, `${count} events to be sequenced`);

  /** What only a superuser may do to a test ledger (the application role cannot). */
  const asSuperuser = async (sql: string): Promise<void> => {
    const admin = await superuser(config);
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };

  /** Appends version 1 of a stream the way the event store does, in a transaction left open. */
  const openAppend = async (streamId: string): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: config.DATABASE_URL });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamId]);
    const id = randomUUID();
    const envelope = {
      streamId, streamType: 'test', version: 1, eventId: id, type: 'Noted', schemaVersion: 1,
      occurredAt: new Date().toISOString(), recordedAt: new Date().toISOString(),
      actor: { id: 'u-test', role: 'documenter' }, commandId: id, correlationId: id, causationId: id,
      payload: { n: 1 }, prevHash: null,
    };
    const canonical = canonicalize(envelope);
    await client.query(
      `INSERT INTO ledger_events (stream_id, stream_type, version, event_id, type, command_id, prev_hash, hash, canonical, recorded_at)
       VALUES ($1, 'test', 1, $2, 'Noted', $2, NULL, $3, $4, now())`,
      [streamId, id, createHash('sha256').update(canonical).digest('hex'), canonical],
    );
    return client;
  };

  it('never skips a transaction that commits late, and never reorders what it has sequenced', async () => {
    const sequencer = new LedgerSequencer(dataSource, identity);
    // A holds stream S with version 1 written but not committed.
    const a = await openAppend('S');
    // B wants S too: it waits for A's lock inside the event store.
    const b = store.execute(note('S'));
    // C appends to another stream and commits first.
    await store.execute(note('T'));
    expect(await sequencer.sequenceOnce()).toBe(0);
    expect(await sequenced()).toEqual([]);

    await a.query('COMMIT');
    await a.end();
    expect((await b).response.version).toBe(2);
    // pg_snapshot_xmin is cluster-wide: other databases' open transactions may hold a batch back.
    await sequenceUntil(sequencer, 3);
    const order = await sequenced();
    expect(order).toEqual([
      { seq: 1, stream: 'S', version: 1 },
      { seq: 2, stream: 'T', version: 1 },
      { seq: 3, stream: 'S', version: 2 },
    ]);

    await store.execute(note('T'));
    await sequenceUntil(sequencer, 4);
    expect(await sequenced()).toEqual([...order, { seq: 4, stream: 'T', version: 2 }]);
  }, 30000);

  it('orders transactions by their id as a number, also across a power of ten (999 before 1000)', async () => {
    const admin = await superuser(config);
    try {
      const { rows } = await admin.query<{ xmin: string }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
      // The largest power of ten below every running transaction: the ids around it are finished.
      const boundary = 10 ** Math.floor(Math.log10(Number(rows[0].xmin) - 1));
      expect(boundary).toBeGreaterThanOrEqual(10);
      const hashes = new Map<string, string>();
      // Rows written in this id order, each as if by the transaction given (a superuser may).
      const written: Array<[string, number, number]> = [
        ['S', 1, boundary - 1],
        ['S', 2, boundary],
        ['T', 1, boundary - 2],
      ];
      for (const [streamId, version, txId] of written) {
        const id = randomUUID();
        const prevHash = hashes.get(streamId) ?? null;
        const canonical = canonicalize({
          streamId, streamType: 'test', version, eventId: id, type: 'Noted', schemaVersion: 1,
          occurredAt: new Date().toISOString(), recordedAt: new Date().toISOString(),
          actor: { id: 'u-test', role: 'documenter' }, commandId: id, correlationId: id, causationId: id,
          payload: { n: version }, prevHash,
        });
        const hash = createHash('sha256').update(canonical).digest('hex');
        await admin.query(
          `INSERT INTO ledger_events (tx_id, stream_id, stream_type, version, event_id, type, command_id, prev_hash, hash, canonical, recorded_at)
           VALUES ($1::text::xid8, $2, 'test', $3, $4, 'Noted', $4, $5, $6, $7, now())`,
          [String(txId), streamId, version, id, prevHash, hash, canonical],
        );
        hashes.set(streamId, hash);
      }
    } finally {
      await admin.end();
    }
    const sequencer = new LedgerSequencer(dataSource, identity);
    // A batch that stops inside the range must take the smallest transactions first.
    expect(await sequencer.sequenceOnce(2)).toBe(2);
    expect(await sequencer.sequenceOnce()).toBe(1);
    expect(sequencer.problem).toBeNull();
    expect(await sequenced()).toEqual([
      { seq: 1, stream: 'T', version: 1 },
      { seq: 2, stream: 'S', version: 1 },
      { seq: 3, stream: 'S', version: 2 },
    ]);
    expect(await sequencer.sequenceOnce()).toBe(0);
  }, 30000);

  it('passes over events that already have a seq when its position lags behind them (a log sorted by xid text)', async () => {
    const sequencer = new LedgerSequencer(dataSource, identity);
    for (const stream of ['P', 'Q', 'R']) await store.execute(note(stream));
    await sequenceUntil(sequencer, 3);
    // What the text-sorted batches left behind: the position at the first event, the later ones logged.
    await asSuperuser(
      `UPDATE sequencer_state s SET last_tx_id = e.tx_id, last_event_row = e.id
       FROM ledger_events e WHERE s.id = 1 AND e.stream_id = 'P'`,
    );
    expect(await sequencer.sequenceOnce()).toBe(2);
    expect(sequencer.problem).toBeNull();
    await store.execute(note('P'));
    await sequenceUntil(sequencer, 4);
    expect(await sequenced()).toEqual([
      { seq: 1, stream: 'P', version: 1 },
      { seq: 2, stream: 'Q', version: 1 },
      { seq: 3, stream: 'R', version: 1 },
      { seq: 4, stream: 'P', version: 2 },
    ]);
  }, 30000);

  it('sequences, once, the events a text-sorted batch left behind its position, and the ledger then verifies', async () => {
    for (const stream of ['X', 'Y', 'Z']) await store.execute(note(stream));
    // What a batch sorted by xid text could leave: the position past events that never got a seq.
    await asSuperuser(
      `UPDATE sequencer_state s SET last_tx_id = e.tx_id, last_event_row = e.id, orphans_checked_at = NULL
       FROM ledger_events e WHERE s.id = 1 AND e.stream_id = 'Z'`,
    );
    const sequencer = new LedgerSequencer(dataSource, identity);
    expect(await sequencer.sequenceOnce()).toBe(3);
    expect(await sequencer.sequenceOnce()).toBe(0);
    const [{ checked }] = (await dataSource.query(`SELECT orphans_checked_at IS NOT NULL AS checked FROM sequencer_state`)) as Array<{ checked: boolean }>;
    expect(checked).toBe(true);
    await store.execute(note('X'));
    await sequenceUntil(sequencer, 4);
    expect(await sequenced()).toEqual([
      { seq: 1, stream: 'X', version: 1 },
      { seq: 2, stream: 'Y', version: 1 },
      { seq: 3, stream: 'Z', version: 1 },
      { seq: 4, stream: 'X', version: 2 },
    ]);
    const verdict = await verifyLedger(dataSource);
    expect(verdict.ok).toBe(true);
  }, 30000);

  it('stays halted until an operator clears the reason, then sequences what waited and is healthy again', async () => {
    const sequencer = new LedgerSequencer(dataSource, identity);
    await store.execute(note('H'));
    const admin = await superuser(config);
    try {
      await admin.query(`UPDATE sequencer_state SET halted_reason = 'found by an operator' WHERE id = 1`);
      expect(await sequencer.sequenceOnce()).toBe(0);
      expect(sequencer.problem).toBe('found by an operator');
      expect(await sequenced()).toEqual([]);
      await admin.query(`UPDATE sequencer_state SET halted_reason = NULL WHERE id = 1`);
    } finally {
      await admin.end();
    }
    await eventually(async () => ((await sequencer.sequenceOnce()) > 0 ? true : undefined), 'the waiting event to be sequenced');
    expect(sequencer.problem).toBeNull();
    expect(await sequenced()).toEqual([{ seq: 1, stream: 'H', version: 1 }]);
  }, 30000);

  it('signs a checkpoint at every 1,000 events, over the root of exactly that size', async () => {
    const sequencer = new LedgerSequencer(dataSource, identity);
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(Array.from({ length: 500 }, (_, i) => store.execute(note(`s-${batch}-${i % 50}`))));
    }
    await eventually(async () => {
      await sequencer.sequenceOnce(10000);
      return (await sequenced()).length === 2500 ? true : undefined;
    }, 'all 2,500 events to be sequenced', 60000);
    const checkpoints = (await dataSource.query(`SELECT size, note FROM ledger_checkpoints ORDER BY size`)) as Array<{ size: string; note: string }>;
    const sizes = checkpoints.map((c) => Number(c.size));
    expect(sizes).toEqual(expect.arrayContaining([CHECKPOINT_EVERY_EVENTS, 2 * CHECKPOINT_EVERY_EVENTS]));
    const key = await identity.verifierKey();
    for (const checkpoint of checkpoints) {
      const opened = openCheckpoint(checkpoint.note, key);
      expect(opened.size).toBe(Number(checkpoint.size));
      const [{ root }] = (await dataSource.query(`SELECT root FROM ledger_checkpoints WHERE size = $1`, [checkpoint.size])) as Array<{ root: Buffer }>;
      expect(Buffer.from(opened.root).equals(root)).toBe(true);
    }
    expect((await sequenced()).length).toBe(2500);
  }, 60000);

  it('has one active sequencer; a standby takes over when it dies, with no gap and no duplicate', async () => {
    const otherSource = await new DataSource(dataSourceOptions(config, 4)).initialize();
    const first = new LedgerSequencer(otherSource, new LedgerIdentity(otherSource, config));
    const standby = new LedgerSequencer(dataSource, identity);
    first.onApplicationBootstrap();
    await eventually(async () => ((await dataSource.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted`)) as Array<{ n: number }>)[0].n > 0 || undefined, 'the first sequencer to take the lease');
    standby.onApplicationBootstrap();
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.execute(note(`k-${i % 5}`))));
    await eventually(async () => ((await sequenced()).length === 50 ? true : undefined), 'the first 50 events to be sequenced');

    // The active one dies: its connections close and its lease with them.
    await first.onApplicationShutdown();
    await otherSource.destroy();
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.execute(note(`k-${i % 5}`))));
    await eventually(async () => ((await sequenced()).length === 100 ? true : undefined), 'the standby to sequence the rest');
    await standby.onApplicationShutdown();

    const order = await sequenced();
    expect(order.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const versions = new Map<string, number>();
    for (const event of order) {
      expect(event.version).toBe((versions.get(event.stream) ?? 0) + 1);
      versions.set(event.stream, event.version);
    }
  }, 60000);
});
