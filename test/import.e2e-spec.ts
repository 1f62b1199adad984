import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LedgerConfig } from '@ledger/config';
import { importedClaimId } from '@ledger/import';
import type pg from 'pg';
import { exited, runCli } from './support/ledger-process.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { eventually, freshTestLedger, superuser } from './support/test-ledger.js';

const GAZA = fileURLToPath(new URL('./fixtures/import/gaza-excerpt.csv', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/apps/ledger-cli/src/main.js', import.meta.url));

interface Summary {
  rowsRead: number;
  claimsCreated: number;
  alreadyImported: number;
  rowsRejected: number;
  sha256: string;
  report: string;
}

interface Report {
  status: string;
  total: number;
  buckets: Array<{ key: Record<string, string | null>; count: number }>;
}

/**
 * Rows shaped like the VDC list (its own rows are not ours to copy), with its quirks: sex and age
 * group in one column, 0000-00-00 dates, quoted names holding commas and quotes, ranks in many
 * spellings; and three rows that cannot be claims.
 */
function vdcShapedList(): { text: string; valid: string[][]; invalid: number } {
  const provinces = ['Idlib', 'Aleppo', 'Hama', 'Homs', 'Daraa'];
  const sexes = ['Adult - Male', 'Adult - Female', 'Child - Male', 'Child - Female'];
  const ranks = ['Civilian', 'civillian', 'Unknown', 'unknown ', 'Soldier', ''];
  const lines = ['Province,Cause_of_Death,Name,Area,Date_of_Death,Sex,Rank'];
  const valid: string[][] = [];
  for (let i = 1; i <= 400; i++) {
    const province = provinces[i % provinces.length];
    const name = i % 50 === 0 ? `"Na,me Test ${i} "` : i % 70 === 0 ? `"Name ""Nick"" ${i} "` : `Person Test ${i} `;
    const date = i % 40 === 0 ? '0000-00-00' : `2013-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
    const sex = sexes[i % sexes.length];
    lines.push([province, i % 3 === 0 ? 'Shelling' : 'Shooting', name, i % 2 ? 'Test Quarter' : '', date, sex, ranks[i % ranks.length]].join(','));
    valid.push([province, sex]);
  }
  lines.push('Hama,Drone strike,Bad Cause ,,2013-01-01,Adult - Male,Civilian');
  lines.push('Hama,Shooting,Unquoted, Comma ,,2013-01-01,Adult - Male,Civilian');
  lines.push('Hama,Shooting,Bad Date ,,2013-02-30,Adult - Male,Civilian');
  return { text: `${lines.join('\r\n')}\r\n`, valid, invalid: 3 };
}

const summaryOf = (run: { code: number | null; stdout: string; stderr: string }): Summary => {
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as Summary;
};

/**
 * `ledger import` as its users run it: the built CLI against a real ledger (Postgres, Kafka, the
 * API with its sequencer and projector), counts that add up, re-runs that append nothing, an
 * import killed mid-way and finished by a re-run, events that verify and statistics that match an
 * independent count of the files.
 */
describe('ledger import, end to end', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;
  let work: string;
  const vdc = vdcShapedList();
  let vdcFile: string;

  const events = async (): Promise<number> => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM ledger_events')).rows[0].n);
  const importCli = (args: string[]) => runCli(config, ['import', '--actor', 'u-importer-1', '--json', ...args]);

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    config = await freshTestLedger('import');
    api = await startLedgerApi(config);
    db = await superuser(config);
    work = await mkdtemp(join(tmpdir(), 'ledger-import-'));
    vdcFile = join(work, 'vdc-shaped.csv');
    await writeFile(vdcFile, vdc.text);
  }, 120000);

  afterAll(async () => {
    await db?.end();
    await api?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('files every row of the Gaza excerpt, by the importer, with the file as the source', async () => {
    const report = join(work, 'gaza.rejected.jsonl');
    const summary = summaryOf(await importCli(['--format', 'gaza', '--report', report, GAZA]));
    const sha256 = createHash('sha256').update(await readFile(GAZA)).digest('hex');
    expect(summary).toMatchObject({ rowsRead: 300, claimsCreated: 300, alreadyImported: 0, rowsRejected: 0, sha256, report });
    expect(await readFile(report, 'utf8')).toBe('');
    const { rows } = await db.query<{ type: string; n: string; actors: string[]; sources: string[] }>(
      `SELECT type, count(*) AS n, array_agg(DISTINCT canonical::jsonb #>> '{actor,id}') AS actors,
              array_agg(DISTINCT canonical::jsonb #>> '{payload,contentSha256}') FILTER (WHERE type = 'SourceAttached') AS sources
         FROM ledger_events WHERE stream_type = 'claim' GROUP BY type ORDER BY type`,
    );
    expect(rows).toEqual([
      { type: 'ClaimFiled', n: '300', actors: ['u-importer-1'], sources: null },
      { type: 'SourceAttached', n: '300', actors: ['u-importer-1'], sources: [sha256] },
    ]);
  }, 60000);

  it('appends nothing when the same file is imported again', async () => {
    const before = await events();
    const summary = summaryOf(await importCli(['--format', 'gaza', '--report', join(work, 'again.jsonl'), GAZA]));
    expect(summary).toMatchObject({ rowsRead: 300, claimsCreated: 0, alreadyImported: 300, rowsRejected: 0 });
    expect(await events()).toBe(before);
  }, 60000);

  it('finishes an import killed mid-way with a re-run: no claim twice, every row accounted for', async () => {
    const sha256 = createHash('sha256').update(vdc.text).digest('hex');
    // Hold one claim stream of the fifth batch: the first four commit, then the importer waits for it.
    const blocker = await superuser(config);
    await blocker.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`claim-${importedClaimId(sha256, 230)}`]);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    for (const [key, value] of Object.entries(config)) if (/^[A-Z_]+$/.test(key) && value !== undefined) env[key] = String(value);
    const child = spawn(process.execPath, [CLI, 'import', '--format', 'vdc', '--actor', 'u-importer-1', '--batch-size', '50', '--concurrency', '1', '--report', join(work, 'killed.jsonl'), vdcFile], {
      env,
      stdio: 'ignore',
    });
    try {
      await eventually(async () => {
        const waiting = await blocker.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
        return waiting.rows.length > 0 ? true : undefined;
      }, 'the importer to wait for the held claim stream', 60000);
      child.kill('SIGKILL');
      expect(await exited(child)).toBeNull();
    } finally {
      await blocker.query('SELECT pg_advisory_unlock_all()');
      await blocker.end();
    }
    const filed = async (): Promise<number> =>
      Number((await db.query<{ n: string }>(`SELECT count(DISTINCT stream_id) AS n FROM ledger_events WHERE canonical::jsonb #>> '{payload,contentSha256}' = $1`, [sha256])).rows[0].n);
    const committed = await filed();
    expect(committed).toBe(4 * 50);

    const report = join(work, 'vdc.rejected.jsonl');
    const summary = summaryOf(await importCli(['--format', 'vdc', '--report', report, vdcFile]));
    expect(summary).toMatchObject({ rowsRead: 403, claimsCreated: 400 - committed, alreadyImported: committed, rowsRejected: vdc.invalid });
    expect(summary.claimsCreated + summary.alreadyImported + summary.rowsRejected).toBe(summary.rowsRead);
    expect(await filed()).toBe(400);
    const perStream = await db.query<{ n: string; streams: string }>(
      `SELECT n, count(*) AS streams FROM (SELECT stream_id, count(*) AS n FROM ledger_events WHERE stream_type = 'claim' GROUP BY stream_id) s GROUP BY n`,
    );
    expect(perStream.rows).toEqual([{ n: '2', streams: String(300 + 400) }]);

    const rejected = (await readFile(report, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { row: number; reason: string; raw: string });
    expect(rejected.map(({ row, reason }) => ({ row, reason }))).toEqual([
      { row: 401, reason: expect.stringContaining('/cause: "Drone strike" is not one of the mapping\'s values') },
      { row: 402, reason: '(row): has 8 fields where the file has 7 columns (an unquoted delimiter inside a value shifts the columns)' },
      { row: 403, reason: '/death/date: must be a real date written YYYY-MM-DD' },
    ]);
    expect(rejected[1].raw).toBe('Hama,Shooting,Unquoted, Comma ,,2013-01-01,Adult - Male,Civilian');
  }, 120000);

  it('publishes statistics (status=all) that match an independent count of both files', async () => {
    const auditor = api.token('u-auditor-1', 'auditor');
    const stats = async (query: string): Promise<Report> => {
      const response = await fetch(`${api.url}/stats/casualties?${query}`, { headers: { authorization: `Bearer ${auditor}` } });
      expect(response.status).toBe(200);
      return (await response.json()) as Report;
    };
    await eventually(async () => ((await stats('status=all')).total === 700 ? true : undefined), 'the read side to count all 700 imported claims', 60000);

    // Counted from the files themselves: the excerpt has no quoted values, and the VDC-shaped rows were made here.
    const gazaRows = (await readFile(GAZA, 'utf8')).trim().split('\n').slice(1).map((line) => line.split(','));
    const expected = new Map<string, number>();
    const add = (key: string): void => void expected.set(key, (expected.get(key) ?? 0) + 1);
    for (const fields of gazaRows) add(`Gaza Strip|${fields[5] === 'f' ? 'female' : 'male'}|${Number(fields[3]) < 18 ? 'child' : 'adult'}`);
    for (const [province, sex] of vdc.valid) add(`${province}|${sex.endsWith('Female') ? 'female' : 'male'}|${sex.startsWith('Child') ? 'child' : 'adult'}`);

    const report = await stats('status=all&groupBy=governorate,sex,ageGroup');
    expect(report.status).toBe('all');
    const counted = new Map(report.buckets.map((b) => [`${b.key.governorate}|${b.key.sex}|${b.key.ageGroup}`, b.count]));
    expect(counted).toEqual(expected);
  }, 90000);

  it('leaves a ledger that verifies', async () => {
    await eventually(async () => {
      const { rows } = await db.query<{ events: string; seq: string }>(`SELECT (SELECT count(*) FROM ledger_events) AS events, (SELECT last_seq FROM sequencer_state) AS seq`);
      return rows[0].events === rows[0].seq ? true : undefined;
    }, 'every imported event to be sequenced', 60000);
    const verify = await runCli(config, ['verify', '--json']);
    const verdict = JSON.parse(verify.stdout) as { ok: boolean; events: number };
    expect({ code: verify.code, ok: verdict.ok, events: verdict.events }).toEqual({ code: 0, ok: true, events: await events() });
  }, 90000);
});
