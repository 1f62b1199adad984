import type { LedgerConfig } from '@ledger/config';
import { TokenVerifier } from '@ledger/http';
import type { ChildProcess } from 'node:child_process';
import type pg from 'pg';
import { claimBody } from '../fixtures/claims.js';
import { exited, freePort, spawnLedger } from '../support/ledger-process.js';
import { eventually, freshTestLedger, superuser } from '../support/test-ledger.js';

interface LogLine {
  pid: number;
  message: unknown;
}

/** The built API with LEDGER_API_WORKERS=2: two node:cluster workers on one port, one sequencer and one publisher among them. */
describe('API workers: LEDGER_API_WORKERS=2', () => {
  let config: LedgerConfig;
  let db: pg.Client;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    config = await freshTestLedger('api_workers', { LEDGER_API_WORKERS: '2', LOG_LEVEL: 'log' });
    db = await superuser(config);
  }, 60000);

  afterAll(async () => {
    // A failed expectation must not leave the ledger running (Jest would wait for it); its workers follow the primary.
    if (child && child.exitCode === null) child.kill('SIGTERM');
    await db?.end();
  });

  it('serves commands from both workers, sequences and publishes each event once, replaces a worker that dies and stops on SIGTERM', async () => {
    const port = await freePort();
    const lines: LogLine[] = [];
    let partial = '';
    child = await spawnLedger(config, port, (text) => {
      const chunks = (partial + text).split('\n');
      partial = chunks.pop() ?? '';
      for (const chunk of chunks) {
        try {
          lines.push(JSON.parse(chunk) as LogLine);
        } catch {
          // not a log line
        }
      }
    });
    const listening = (): Map<number, number> => {
      const workers = new Map<number, number>();
      for (const line of lines) {
        const match = typeof line.message === 'string' ? / worker (\d+)\)$/.exec(line.message) : null;
        if (match && line.message && String(line.message).startsWith('ledger API listening')) workers.set(line.pid, Number(match[1]));
      }
      return workers;
    };
    await eventually(async () => (listening().size === 2 ? true : undefined), 'both workers to listen');
    const started = [...listening().entries()];
    expect(new Set(started.map(([, index]) => index))).toEqual(new Set([0, 1]));
    const [projecting] = started.find(([, index]) => index === 0) ?? [0];
    const [other] = started.find(([, index]) => index === 1) ?? [0];

    const token = new TokenVerifier(config).mint({ sub: 'u-doc-workers', roles: ['documenter'] }, 600);
    // A connection of its own per request: the primary hands connections to the workers in turn.
    const post = (i: number): Promise<number> =>
      fetch(`http://127.0.0.1:${port}/claims`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, connection: 'close' },
        body: JSON.stringify(claimBody(i)),
      }).then((r) => r.status);
    const servedBy = (): Set<number> => new Set(lines.filter((l) => typeof l.message === 'string' && l.message.startsWith('POST /claims')).map((l) => l.pid));

    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => post(i)));
    expect(statuses.every((s) => s === 201)).toBe(true);
    expect(servedBy()).toEqual(new Set([projecting, other]));

    const counts = async (): Promise<{ events: number; sequenced: number; published: number; projected: number }> => {
      const { rows } = await db.query(
        `SELECT (SELECT count(*)::int FROM ledger_events) AS events, (SELECT count(*)::int FROM ledger_log) AS sequenced,
                (SELECT coalesce(max(last_published_seq), 0)::int FROM publisher_state) AS published, (SELECT count(*)::int FROM claim_view) AS projected`,
      );
      return rows[0] as { events: number; sequenced: number; published: number; projected: number };
    };
    // Every event has one seq (ledger_log's seq is its primary key, event_id unique), all are on Kafka and projected once.
    await eventually(async () => {
      const c = await counts();
      return c.events === 40 && c.sequenced === 40 && c.published === 40 && c.projected === 40 ? c : undefined;
    }, 'the 40 claims sequenced, published and projected');

    // A worker killed outright (the one without the projector: projector-crash covers that) is
    // replaced; whichever leases it held are taken over, and the ledger goes on.
    process.kill(other, 'SIGKILL');
    await eventually(async () => ([...listening().keys()].some((pid) => pid !== projecting && pid !== other) ? true : undefined), 'a replacement worker');
    const more = await Promise.all(Array.from({ length: 20 }, (_, i) => post(100 + i)));
    expect(more.every((s) => s === 201)).toBe(true);
    await eventually(async () => {
      const c = await counts();
      return c.events === 60 && c.sequenced === 60 && c.published === 60 && c.projected === 60 ? c : undefined;
    }, 'the 60 claims sequenced, published and projected');

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    const workers = [...listening().keys()];
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
  }, 180000);
});
