import { randomUUID } from 'node:crypto';
import type { LedgerConfig } from '@ledger/config';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { claimBody } from '../fixtures/claims.js';
import { localServices } from '../support/local-services.js';
import { startLedgerApi, type TestApp } from '../support/test-app.js';
import { eventually, freshTestLedger, superuser } from '../support/test-ledger.js';

/** Stops the real broker: runs alone, after every other suite (its own jest project). */
describe('Kafka outage: commands stay accepted and durable; everything is published once Kafka returns', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;
  const claimIds: string[] = [];

  beforeAll(async () => {
    config = await freshTestLedger('kafka_outage');
    api = await startLedgerApi(config);
    db = await superuser(config);
  }, 60000);

  afterAll(async () => {
    await localServices('up');
    await db?.end();
    await api?.close();
  }, 180000);

  const count = async (sql: string): Promise<number> => Number((await db.query(sql)).rows[0].n);
  const fileClaims = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const response = await fetch(`${api.url}/claims`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token('u-doc-1', 'documenter')}` },
        body: JSON.stringify(claimBody(claimIds.length)),
      });
      expect(response.status).toBe(201);
      claimIds.push(((await response.json()) as { id: string }).id);
    }
  };

  it('keeps sequencing and signing while the broker is down, then publishes everything in order, once', async () => {
    await fileClaims(5);
    await eventually(async () => ((await count('SELECT max(last_published_seq) AS n FROM publisher_state')) === 5 ? true : undefined), 'the first events to be published');

    await localServices('down');
    await fileClaims(20);
    await eventually(async () => ((await count('SELECT count(*) AS n FROM ledger_log')) === 25 ? true : undefined), 'sequencing without Kafka');
    await eventually(async () => ((await count('SELECT max(size) AS n FROM ledger_checkpoints')) === 25 ? true : undefined), 'a checkpoint without Kafka', 15000);
    expect(await count('SELECT max(last_published_seq) AS n FROM publisher_state')).toBe(5);
    const health = await fetch(`${api.url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { details: Record<string, { status: string }> }).details.kafka.status).toBe('down');

    await localServices('up');
    await eventually(async () => ((await count('SELECT max(last_published_seq) AS n FROM publisher_state')) === 25 ? true : undefined), 'the backlog to be published', 60000);

    // An independent consumer sees every seq exactly once, growing within each partition.
    const seen = await readAll(config, 25);
    expect(seen.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const byPartition = new Map<number, number[]>();
    for (const message of seen) byPartition.set(message.partition, [...(byPartition.get(message.partition) ?? []), message.seq]);
    for (const seqs of byPartition.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    // And the projector, reconnected, caught up: every claim is readable, none twice.
    const started = Date.now();
    await eventually(async () => ((await count('SELECT count(*) AS n FROM claim_view')) === 25 ? true : undefined), 'the projector to catch up', 90000);
    process.stderr.write(`projector caught up ${Date.now() - started} ms after publishing\n`);
    for (const id of claimIds) {
      const response = await fetch(`${api.url}/claims/${id}?minVersion=1`, { headers: { authorization: `Bearer ${api.token('u-aud-1', 'auditor')}` } });
      expect(response.status).toBe(200);
    }
    expect(await count('SELECT count(*) AS n FROM claim_view')).toBe(25);
  }, 180000);
});

async function readAll(config: LedgerConfig, expected: number): Promise<Array<{ seq: number; partition: number }>> {
  const kafka = new Kafka({ clientId: 'outage-reader', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `outage-reader-${randomUUID()}` });
  const seen: Array<{ seq: number; partition: number }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [config.KAFKA_TOPIC], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message, partition }) => void seen.push({ seq: Number(message.headers?.seq?.toString()), partition }) });
    await eventually(async () => (seen.length >= expected ? true : undefined), `${expected} messages on the topic`, 30000);
    // The topic holds exactly as many messages as events: a resent batch would show here.
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(config.KAFKA_TOPIC);
    await admin.disconnect();
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(expected);
    return seen;
  } finally {
    await consumer.disconnect();
  }
}
