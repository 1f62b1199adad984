import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { LedgerConfig } from '@ledger/config';
import type pg from 'pg';
import { claimBody } from '../fixtures/claims.js';
import { LedgerUser } from '../support/ledger-client.js';
import { exited, freePort, runCli, spawnProjector } from '../support/ledger-process.js';
import { startLedgerApi, type TestApp } from '../support/test-app.js';
import { eventually, freshTestLedger, superuser } from '../support/test-ledger.js';

const CLAIMS = 1500;

describe('crash: the projector killed (SIGKILL) in the middle of its backlog and restarted', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;
  let projector: ChildProcess | null = null;

  beforeAll(async () => {
    // One documenter files 3,000 commands in seconds: far past any per-user rate limit.
    config = await freshTestLedger('projector_crash', { LEDGER_RATE_LIMIT: '0' });
    api = await startLedgerApi(config, { withProjector: false });
    db = await superuser(config);
  }, 60000);

  afterAll(async () => {
    projector?.kill('SIGKILL');
    await db?.end();
    await api?.close();
  });

  const count = async (sql: string): Promise<number> => Number((await db.query(sql)).rows[0].n);
  /** Waits for a count to reach a target; a timeout says where it stood, and what the projector logged. */
  const reaches = async (sql: string, target: number, what: string, log: () => string = () => ''): Promise<void> => {
    let last = -1;
    try {
      await eventually(async () => ((last = await count(sql)) === target ? true : undefined), what, 120000);
    } catch (error) {
      throw new Error(`${(error as Error).message}: stuck at ${last} of ${target}\n${log().slice(-4000)}`, { cause: error });
    }
  };

  it('applies every event exactly once: nothing missing, nothing doubled, and a rebuild matches', async () => {
    const documenter = new LedgerUser(api, 'u-doc-crash', 'documenter');
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < CLAIMS) {
        const i = next++;
        const filed = await documenter.post('/claims', claimBody(i));
        expect(filed.status).toBe(201);
        const source = { type: 'photo', publisher: 'local council', contentSha256: createHash('sha256').update(`photo ${i}`).digest('hex'), connection: 'witness', reliability: 'medium' };
        expect((await documenter.post(`/claims/${filed.body.id}/sources`, source)).status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const total = CLAIMS * 2;
    await reaches('SELECT last_published_seq AS n FROM publisher_state', total, 'every event on Kafka');

    const port = await freePort();
    projector = await spawnProjector(config, port, { healthy: false });
    const atKill = await eventually(async () => {
      const applied = await count('SELECT count(*) AS n FROM claim_view');
      return applied >= CLAIMS / 5 ? applied : undefined;
    }, 'the projector to be part-way through', 60000);
    projector.kill('SIGKILL');
    await exited(projector);
    const afterKill = await count('SELECT count(*) AS n FROM claim_view');
    expect(atKill).toBeLessThan(CLAIMS);
    expect(afterKill).toBeLessThan(CLAIMS);

    projector = await spawnProjector(config, port);
    let logged = '';
    projector.stderr?.on('data', (chunk: Buffer) => (logged += chunk.toString()));
    await reaches(`SELECT watermark AS n FROM projection_progress WHERE projection = 'claims'`, total, 'the claims projection to reflect every event', () => logged);

    expect(await count('SELECT count(*) AS n FROM claim_view')).toBe(CLAIMS);
    expect(await count(`SELECT count(*) AS n FROM claim_view v JOIN claim_documents d USING (id) WHERE v.version = 2 AND jsonb_array_length(d.sources) = 1 AND v.evidence = 1`)).toBe(CLAIMS);
    expect(await count('SELECT count(*) AS n FROM claim_facts')).toBe(CLAIMS);
    expect(await count('SELECT count(*) AS n FROM claim_facts WHERE to_seq IS NULL')).toBe(CLAIMS);
    expect((await db.query(`SELECT pending FROM projection_progress WHERE projection = 'claims'`)).rows[0].pending).toEqual([]);

    const rebuilt = await runCli(config, ['replay', 'claims', '--actor', 'u-aud-crash', '--json']);
    expect(rebuilt.code).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ matched: true, events: total });
  }, 300000);
});
