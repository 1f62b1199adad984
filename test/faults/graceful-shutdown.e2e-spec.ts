import type { LedgerConfig } from '@ledger/config';
import { TokenVerifier } from '@ledger/http';
import { ClaimProjection, projectionGroupId } from '@ledger/read-models';
import { Kafka, logLevel } from 'kafkajs';
import type { ChildProcess } from 'node:child_process';
import type pg from 'pg';
import { claimBody } from '../fixtures/claims.js';
import { exited, freePort, spawnLedger } from '../support/ledger-process.js';
import { eventually, freshTestLedger, superuser } from '../support/test-ledger.js';

describe('graceful shutdown: SIGTERM drains in-flight requests and commits consumer offsets (the projector on its thread)', () => {
  let config: LedgerConfig;
  let db: pg.Client;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    config = await freshTestLedger('graceful_shutdown', { LOG_LEVEL: 'log' });
    db = await superuser(config);
  }, 60000);

  afterAll(async () => {
    // A failed expectation must not leave the ledger running (Jest would wait for it).
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await db?.end();
  });

  it('answers every request it accepted, exits 0, and leaves the projector offsets committed', async () => {
    const port = await freePort();
    let output = '';
    child = await spawnLedger(config, port, (text) => (output += text));
    // A built ledger on Kafka folds its read models on a thread of its own; /health asks that thread.
    expect(output).toContain('projector on its own thread');
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { info: Record<string, { status: string }> };
    expect(health.info.projector).toMatchObject({ status: 'up' });
    const token = new TokenVerifier(config).mint({ sub: 'u-doc-term', roles: ['documenter'] }, 600);
    const post = (i: number): Promise<number> =>
      fetch(`http://127.0.0.1:${port}/claims`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(claimBody(i)),
      }).then((r) => r.status);

    await Promise.all(Array.from({ length: 20 }, (_, i) => post(i)));
    await eventually(async () => ((await db.query('SELECT count(*)::int AS n FROM claim_view')).rows[0].n === 20 ? true : undefined), 'the projector to apply the first claims');

    const inFlight = Array.from({ length: 16 }, (_, i) => post(100 + i));
    // Let the requests reach the server before the signal (they may also all finish first: fine).
    await eventually(async () => ((await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'evidence-ledger' AND state <> 'idle'`)).rows[0].n > 0 ? true : undefined), 'requests in progress', 5000).catch(() => undefined);
    child.kill('SIGTERM');
    const statuses = await Promise.all(inFlight);
    expect(await exited(child)).toBe(0);
    expect(statuses.every((s) => s === 201)).toBe(true);

    const kafka = new Kafka({ clientId: 'shutdown-check', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: projectionGroupId(new ClaimProjection(), config.KAFKA_TOPIC), topics: [config.KAFKA_TOPIC] });
      const consumed = committed.partitions.reduce((sum, p) => sum + Math.max(Number(p.offset), 0), 0);
      // Every message the projector applied before stopping has its offset committed.
      const claims = (await db.query('SELECT count(*)::int AS n FROM claim_view')).rows[0].n as number;
      expect(consumed).toBe(claims);
    } finally {
      await admin.disconnect();
    }
  }, 120000);
});
