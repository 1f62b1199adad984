import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './support/test-ledger.js';
import { exited, freePort } from './support/ledger-process.js';

const MAIN = fileURLToPath(new URL('../dist/apps/ledger-api/src/main.js', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/apps/ledger-cli/src/main.js', import.meta.url));
const GAZA_EXCERPT = fileURLToPath(new URL('./fixtures/import/gaza-excerpt.csv', import.meta.url));

/**
 * `npm start` on a machine with nothing but Node: no DATABASE_URL, no KAFKA_BROKERS, no secrets.
 * The built ledger runs on embedded PostgreSQL in LEDGER_DATA_DIR, and what it was told survives
 * a restart; the CLI works on the same data directory once the server is stopped.
 */
describe('the embedded default (npm start with nothing configured)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-embedded-e2e-'));
  // Nothing of the test's own environment: only what a fresh shell has.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, LEDGER_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  let ledger: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    if (ledger && ledger.exitCode === null) {
      ledger.kill('SIGTERM');
      await exited(ledger);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(port: number): Promise<ChildProcess> {
    const child = spawn(process.execPath, [MAIN, '--with-projector'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`the ledger exited with ${child.exitCode}: ${output}`);
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        return response.status === 200 ? ((await response.json()) as { details: Record<string, unknown> }) : undefined;
      },
      'the embedded ledger to be healthy',
      90000,
    );
    return child;
  }

  async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return { code: await exited(child), stdout, stderr };
  }

  it('serves the API, keeps a filed claim across a restart, replays from the log, and the CLI imports into and verifies the same ledger', async () => {
    const port = await freePort();
    ledger = await start(port);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { details: Record<string, unknown> };
    expect(Object.keys(health.details).sort()).toEqual(['postgres', 'projector', 'sequencer']);
    // Development secrets were generated once and kept with the data, readable by its owner only.
    const secrets = readFileSync(join(dataDir, 'development.env'), 'utf8');
    expect(secrets).toMatch(/^LEDGER_JWT_SECRET=[0-9a-f]{64}$/m);

    const token = (await cli('token', '--sub', 'u-doc-1', '--role', 'documenter')).stdout.trim();
    const reader = (await cli('token', '--sub', 'u-aud-1', '--role', 'auditor')).stdout.trim();
    const filed = await fetch(`http://127.0.0.1:${port}/claims`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'e2c0a1f4-3b7d-4c55-9a61-0d2f5e8b7c10' },
      body: JSON.stringify({
        victim: { name: { arabic: 'محمد الحسين', latin: 'Mohammad al-Hussein' }, sex: 'male', age: 41, ageGroup: 'adult', civilianStatus: 'civilian' },
        death: { date: '2018-07-16', precision: 'day' },
        place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
        cause: 'double-tap-airstrike',
        perpetrator: 'russian-forces',
      }),
    });
    expect(filed.status).toBe(201);
    const { id } = (await filed.json()) as { id: string };
    // The in-process feed projects it without Kafka.
    const projected = await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/claims?q=hussein`, { headers: { authorization: `Bearer ${reader}` } });
      const page = (await response.json()) as { items: Array<{ id: string }> };
      return page.items.some((item) => item.id === id) ? page : undefined;
    }, 'the claim to be projected');
    expect(projected.items).toHaveLength(1);

    ledger.kill('SIGTERM');
    expect(await exited(ledger)).toBe(0);
    // Stopped: the CLI may open the data directory, import a list into it and check the whole ledger.
    const imported = await cli('import', '--format', 'gaza', '--actor', 'u-importer-1', '--json', '--report', join(dataDir, 'rejected.jsonl'), GAZA_EXCERPT);
    expect({ code: imported.code, stderr: imported.code === 0 ? '' : imported.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(imported.stdout)).toMatchObject({ rowsRead: 300, claimsCreated: 300, rowsRejected: 0 });

    ledger = await start(port);
    const again = await fetch(`http://127.0.0.1:${port}/claims/${id}`, { headers: { authorization: `Bearer ${reader}` } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { victim: { name: { latin: string } } }).victim.name.latin).toBe('Mohammad al-Hussein');
    // The restarted sequencer orders the imported events; the in-process feed projects them.
    await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/stats/casualties?status=all`, { headers: { authorization: `Bearer ${reader}` } });
      const stats = (await response.json()) as { total: number };
      return stats.total === 301 ? stats : undefined;
    }, 'all 301 claims in the statistics', 60000);
    // An auditor's replay rebuilds the claims read model from the sequenced log beside the live
    // one (no Kafka to replay from) and finds them identical.
    const started = await fetch(`http://127.0.0.1:${port}/projections/claims/replays`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(started.status).toBe(202);
    const { replayId } = (await started.json()) as { replayId: string };
    type ReplayJob = { status: string; error?: string; report?: { matched: boolean; events: number; tables: Array<{ table: string; live: { rows: number } }> } };
    const job = await eventually(async () => {
      const body = (await (await fetch(`http://127.0.0.1:${port}/projections/replays/${replayId}`, { headers: { authorization: `Bearer ${reader}` } })).json()) as ReplayJob;
      return body.status === 'running' ? undefined : body;
    }, 'the replay to finish', 60000);
    expect(job.error).toBeUndefined();
    expect(job.report?.matched).toBe(true);
    expect(job.report?.tables.find((t) => t.table === 'claim_view')?.live.rows).toBe(301);
    // One process per data directory: the CLI refuses to open it while the server runs.
    const refused = await cli('verify');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/in use by process \d+/);

    ledger.kill('SIGTERM');
    expect(await exited(ledger)).toBe(0);
    const verified = await cli('verify');
    expect(verified.code).toBe(0);
    // The claim filed over HTTP, each imported row as ClaimFiled + SourceAttached, and the
    // recorded replay: all sequenced.
    expect(verified.stdout).toMatch(/^ok: 602 events in 302 streams/m);
  }, 240000);
});
