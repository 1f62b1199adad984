import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { LedgerConfig } from '@ledger/config';
import { TokenVerifier } from '@ledger/http';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { claimBody } from '../fixtures/claims.js';
import { exited, freePort, spawnLedger } from '../support/ledger-process.js';
import { eventually, freshTestLedger, superuser } from '../support/test-ledger.js';

describe('crash: the ledger killed (SIGKILL) under load and restarted loses nothing and duplicates nothing', () => {
  let config: LedgerConfig;
  let db: pg.Client;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    config = await freshTestLedger('crash_restart');
    db = await superuser(config);
  }, 60000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await db?.end();
  });

  it('publishes every acknowledged event exactly once in effect, in order per stream', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const token = new TokenVerifier(config).mint({ sub: 'u-doc-crash', roles: ['documenter'] }, 600);
    const acknowledged: string[] = [];
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop) {
        try {
          const response = await fetch(`${url}/claims`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
            body: JSON.stringify(claimBody(acknowledged.length)),
          });
          if (response.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
        } catch {
          // the process died under this request: its fate is whatever the ledger committed
        }
      }
    };

    child = await spawnLedger(config, port);
    const load = Promise.all(Array.from({ length: 8 }, worker));
    await eventually(async () => (acknowledged.length >= 150 ? true : undefined), '150 acknowledged claims');
    child.kill('SIGKILL');
    await exited(child);
    const beforeCrash = acknowledged.length;

    child = await spawnLedger(config, port);
    await eventually(async () => (acknowledged.length >= beforeCrash + 50 ? true : undefined), '50 more claims after the restart');
    stop = true;
    await load;

    // Nothing acknowledged is lost.
    const stored = new Set(((await db.query(`SELECT payload_id FROM (SELECT canonical::jsonb -> 'payload' ->> 'claimId' AS payload_id FROM ledger_events) e`)).rows as Array<{ payload_id: string }>).map((r) => r.payload_id));
    for (const id of acknowledged) expect(stored.has(id)).toBe(true);
    const total = stored.size;

    // Everything committed is sequenced and published.
    await eventually(async () => {
      const { rows } = await db.query(`SELECT (SELECT count(*) FROM ledger_log)::int AS logged, (SELECT max(last_published_seq) FROM publisher_state)::int AS published`);
      return rows[0].logged === total && rows[0].published === total ? true : undefined;
    }, 'every event to be sequenced and published', 60000);

    // A consumer keeping the highest applied seq per partition applies each event once, in order per stream.
    const applied = await consumeDeduplicated(config, total);
    expect(applied.map((a) => a.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const versions = new Map<string, number>();
    for (const event of applied) {
      expect(event.version).toBe((versions.get(event.streamId) ?? 0) + 1);
      versions.set(event.streamId, event.version);
    }

    // And the projector, which does the same, holds each claim once.
    await eventually(async () => ((await db.query('SELECT count(*)::int AS n FROM claim_view')).rows[0].n === total ? true : undefined), 'the projector to hold every claim', 60000);
  }, 240000);
});

async function consumeDeduplicated(config: LedgerConfig, expected: number): Promise<Array<{ seq: number; streamId: string; version: number }>> {
  const kafka = new Kafka({ clientId: 'crash-reader', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `crash-reader-${randomUUID()}` });
  const highest = new Map<number, number>();
  const applied: Array<{ seq: number; streamId: string; version: number }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [config.KAFKA_TOPIC], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const envelope = JSON.parse(message.value?.toString() ?? '{}') as { seq: number; streamId: string; version: number };
        if (envelope.seq <= (highest.get(partition) ?? 0)) return;
        highest.set(partition, envelope.seq);
        applied.push({ seq: envelope.seq, streamId: envelope.streamId, version: envelope.version });
      },
    });
    await eventually(async () => (applied.length >= expected ? true : undefined), `${expected} distinct events from the topic`, 60000);
    return applied;
  } finally {
    await consumer.disconnect();
  }
}
