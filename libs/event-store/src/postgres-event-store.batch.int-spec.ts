import { randomUUID } from 'node:crypto';
import { dataSourceOptions, migrate } from '@ledger/database';
import { hashEnvelope } from '@ledger/proof';
import { DataSource } from 'typeorm';
import { freshTestLedger } from '../../../test/support/test-ledger.js';
import type { CommandExecution, CommandResponse } from './event-store.port.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { RandomIds, SystemClock } from './system-clock.js';

/** Texts that an escaping or an encoding could get wrong. */
const AWKWARD = [
  'أمل محمد جمعة أبو صويص',
  "O'Brien \"Abu Test\"",
  'C:\\dir\\file and \\n and E\'\\n\'',
  'line\nbreak and tab\t and \u0001 control',
  'emoji 😀, combining é, ﷺ, zero-width\u200cjoiner',
  "'); DROP TABLE ledger_events; --",
];

describe('PostgresEventStore, a batch command (as imports send them; real Postgres)', () => {
  let dataSource: DataSource;
  let store: PostgresEventStore;

  beforeAll(async () => {
    const config = await freshTestLedger('event_store_batch');
    await migrate(config);
    dataSource = await new DataSource(dataSourceOptions(config)).initialize();
    store = new PostgresEventStore(dataSource, new SystemClock(), new RandomIds());
  }, 30000);

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** Two events on each of `count` new streams: enough events for the parameter path. */
  const batch = (streams: string[], commandId = randomUUID()): CommandExecution<CommandResponse> => ({
    context: { commandId, correlationId: commandId, causationId: commandId, actor: { id: 'u-test', role: 'documenter' }, issuedAt: new Date() },
    requestHash: 'b'.repeat(64),
    status: 201,
    streamIds: streams,
    decide: async (tx) => {
      const eventIds: string[] = [];
      for (const [i, streamId] of streams.entries()) {
        const { version } = await tx.readStream(streamId);
        const text = AWKWARD[i % AWKWARD.length];
        eventIds.push(...tx.append(streamId, 'test', version, [{ type: 'Noted', schemaVersion: 1, data: { text, i } }, { type: 'Noted', schemaVersion: 1, data: { text: `${text}, again`, i } }]).eventIds);
      }
      return { id: streams[0], version: 2, eventIds };
    },
  });

  it('stores every canonical form byte for byte, hashed and chained, in the order appended', async () => {
    const streams = Array.from({ length: 60 }, () => `test-${randomUUID()}`);
    const outcome = await store.execute(batch(streams));
    expect(outcome.response.eventIds).toHaveLength(120);
    const rows = (await dataSource.query(`SELECT id, stream_id, version, event_id, prev_hash, hash, canonical FROM ledger_events WHERE stream_id = ANY($1) ORDER BY id`, [streams])) as Array<{
      id: string;
      stream_id: string;
      version: number;
      event_id: string;
      prev_hash: string | null;
      hash: string;
      canonical: string;
    }>;
    expect(rows.map((r) => r.event_id)).toEqual(outcome.response.eventIds);
    for (const [n, row] of rows.entries()) {
      const envelope = JSON.parse(row.canonical) as { streamId: string; version: number; prevHash: string | null; payload: { text: string; i: number } };
      expect(hashEnvelope(JSON.parse(row.canonical))).toBe(row.hash);
      expect({ stream: envelope.streamId, version: envelope.version }).toEqual({ stream: streams[Math.floor(n / 2)], version: (n % 2) + 1 });
      const text = AWKWARD[Math.floor(n / 2) % AWKWARD.length];
      expect(envelope.payload.text).toBe(n % 2 === 0 ? text : `${text}, again`);
      expect(row.prev_hash).toBe(n % 2 === 0 ? null : rows[n - 1].hash);
    }
  });

  it('records the command once: a retry replays its answer and appends nothing', async () => {
    const streams = Array.from({ length: 40 }, () => `test-${randomUUID()}`);
    const commandId = randomUUID();
    const first = await store.execute(batch(streams, commandId));
    const count = async (): Promise<number> => Number(((await dataSource.query(`SELECT count(*) AS n FROM ledger_events WHERE command_id = $1`, [commandId])) as Array<{ n: string }>)[0].n);
    expect(await count()).toBe(80);
    const again = await store.execute(batch(streams, commandId));
    expect({ replayed: again.replayed, eventIds: again.response.eventIds }).toEqual({ replayed: true, eventIds: first.response.eventIds });
    expect(await count()).toBe(80);
  });
});
