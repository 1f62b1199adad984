import { randomUUID } from 'node:crypto';
import type { LedgerConfig } from '@ledger/config';
import { dataSourceOptions, migrate } from '@ledger/database';
import type { CommandContext } from '@ledger/domain';
import { hashEnvelope } from '@ledger/proof';
import { DataSource } from 'typeorm';
import { freshTestLedger, superuser } from '../../../test/support/test-ledger.js';
import { IdempotencyConflictError, VersionMismatchError, type CommandExecution, type CommandResponse } from './event-store.port.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { RandomIds, SystemClock } from './system-clock.js';

describe('PostgresEventStore (real Postgres)', () => {
  let config: LedgerConfig;
  let dataSource: DataSource;
  let store: PostgresEventStore;

  beforeAll(async () => {
    config = await freshTestLedger('event_store');
    await migrate(config);
    dataSource = await new DataSource(dataSourceOptions(config)).initialize();
    store = new PostgresEventStore(dataSource, new SystemClock(), new RandomIds());
  }, 30000);

  afterAll(async () => {
    await dataSource?.destroy();
  });

  const context = (commandId: string = randomUUID()): CommandContext => ({
    commandId,
    correlationId: commandId,
    causationId: commandId,
    actor: { id: 'u-test', role: 'documenter' },
    issuedAt: new Date(),
  });

  /** A command that appends one `Noted` event after whatever the stream holds. */
  const note = (streamId: string, text: string, commandId?: string, requestHash = text): CommandExecution<CommandResponse> => ({
    context: context(commandId),
    requestHash: requestHash.padEnd(64, '0').slice(0, 64),
    status: 200,
    streamIds: [streamId],
    decide: async (tx) => {
      const stream = await tx.readStream(streamId);
      const appended = tx.append(streamId, 'test', stream.version, [{ type: 'Noted', schemaVersion: 1, data: { text, seen: stream.version } }]);
      return { id: streamId, version: appended.version, eventIds: appended.eventIds };
    },
  });

  it('chains hashes within a stream: prevHash is the previous event hash, hash covers the canonical envelope', async () => {
    const streamId = `test-${randomUUID()}`;
    await store.execute(note(streamId, 'first'));
    await store.execute(note(streamId, 'second'));
    const rows = (await dataSource.query(`SELECT version, prev_hash, hash, canonical FROM ledger_events WHERE stream_id = $1 ORDER BY version`, [streamId])) as Array<{ version: number; prev_hash: string | null; hash: string; canonical: string }>;
    expect(rows.map((r) => r.version)).toEqual([1, 2]);
    expect(rows[0].prev_hash).toBeNull();
    expect(rows[1].prev_hash).toBe(rows[0].hash);
    for (const row of rows) {
      const envelope = JSON.parse(row.canonical);
      expect(hashEnvelope(envelope)).toBe(row.hash);
      expect(envelope.prevHash).toBe(row.prev_hash);
    }
  });

  it('serialises concurrent writers on one stream: all succeed, each decides on the state the previous one left', async () => {
    const streamId = `test-${randomUUID()}`;
    const writers = 24;
    const outcomes = await Promise.all(Array.from({ length: writers }, (_, i) => store.execute(note(streamId, `w${i}`))));
    expect(outcomes.map((o) => o.response.version).sort((a, b) => a - b)).toEqual(Array.from({ length: writers }, (_, i) => i + 1));
    const rows = (await dataSource.query(`SELECT version, canonical FROM ledger_events WHERE stream_id = $1 ORDER BY version`, [streamId])) as Array<{ version: number; canonical: string }>;
    // Each writer saw exactly the version before its own: nothing lost, nothing decided on stale state.
    expect(rows.map((r) => JSON.parse(r.canonical).payload.seen)).toEqual(Array.from({ length: writers }, (_, i) => i));
  }, 30000);

  it('reads what another process appended after the events it cached, and decides on the whole stream', async () => {
    const streamId = `test-${randomUUID()}`;
    const elsewhere = await new DataSource(dataSourceOptions(config, 2)).initialize();
    try {
      const other = new PostgresEventStore(elsewhere, new SystemClock(), new RandomIds());
      await store.execute(note(streamId, 'here, cached'));
      await other.execute(note(streamId, 'in another process'));
      let seen: unknown[] = [];
      const outcome = await store.execute({
        ...note(streamId, 'here again'),
        decide: async (tx) => {
          const stream = await tx.readStream(streamId);
          seen = stream.events.map((event) => (event.payload as { text: string }).text);
          const appended = tx.append(streamId, 'test', stream.version, [{ type: 'Noted', schemaVersion: 1, data: { text: 'here again', seen: stream.version } }]);
          return { id: streamId, version: appended.version, eventIds: appended.eventIds };
        },
      });
      expect(seen).toEqual(['here, cached', 'in another process']);
      expect(outcome.response.version).toBe(3);
      const rows = (await dataSource.query(`SELECT version, prev_hash, hash FROM ledger_events WHERE stream_id = $1 ORDER BY version`, [streamId])) as Array<{ version: number; prev_hash: string | null; hash: string }>;
      expect(rows[2].prev_hash).toBe(rows[1].hash);
    } finally {
      await elsewhere.destroy();
    }
  });

  it('lets exactly one of two writers that both expect the same version win', async () => {
    const streamId = `test-${randomUUID()}`;
    await store.execute(note(streamId, 'base'));
    const expectingOne = (text: string): CommandExecution<CommandResponse> => ({
      ...note(streamId, text),
      decide: async (tx) => {
        await tx.readStream(streamId);
        const appended = tx.append(streamId, 'test', 1, [{ type: 'Noted', schemaVersion: 1, data: { text } }]);
        return { id: streamId, version: appended.version, eventIds: appended.eventIds };
      },
    });
    const results = await Promise.allSettled([store.execute(expectingOne('a')), store.execute(expectingOne('b'))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [rejected] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.reason).toBeInstanceOf(VersionMismatchError);
    expect((rejected.reason as VersionMismatchError).actual).toBe(2);
  });

  it('returns the first answer to a retried command id and appends nothing; another request with it is refused', async () => {
    const streamId = `test-${randomUUID()}`;
    const commandId = randomUUID();
    const first = await store.execute(note(streamId, 'once', commandId));
    const again = await store.execute(note(streamId, 'once', commandId));
    expect(again).toEqual({ ...first, replayed: true });
    await expect(store.execute(note(streamId, 'different', commandId))).rejects.toBeInstanceOf(IdempotencyConflictError);
    const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id = $1`, [streamId])) as Array<{ n: number }>;
    expect(n).toBe(1);
  });

  it('answers concurrent retries of one command once, even on different streams', async () => {
    const commandId = randomUUID();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => store.execute(note(`test-${randomUUID()}`, 'same', commandId))),
    );
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM ledger_events WHERE command_id = $1`, [commandId])) as Array<{ n: number }>;
    expect(n).toBe(1);
  });

  it('is append-only in the database: the application role may not update or delete, triggers stop even the owner', async () => {
    await expect(dataSource.query(`UPDATE ledger_events SET type = 'Forged'`)).rejects.toThrow(/permission denied/);
    await expect(dataSource.query(`DELETE FROM ledger_events`)).rejects.toThrow(/permission denied/);
    await expect(dataSource.query(`TRUNCATE ledger_log`)).rejects.toThrow(/permission denied/);
    const admin = await superuser(config);
    try {
      await expect(admin.query(`UPDATE ledger_events SET type = 'Forged'`)).rejects.toThrow(/append-only/);
      await expect(admin.query(`DELETE FROM ledger_commands`)).rejects.toThrow(/append-only/);
      await expect(admin.query(`TRUNCATE merkle_nodes`)).rejects.toThrow(/append-only/);
    } finally {
      await admin.end();
    }
  });
});
