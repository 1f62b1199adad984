import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { migrate } from '@ledger/database';
import pg from 'pg';
import { dataDirectory, GAZA_FILE, VDC_FILE } from './casualty-data.js';
import { postgresTicks, processTicks, TICK_MS } from './cpu.js';
import { describeInterference, watchInterference } from './interference.js';
import { benchConfig } from './ledger.js';
import { memoryOf, MiB } from './memory.js';
import { say } from './say.js';
import { drop, recreate, scratchDatabase, type ScratchDatabase } from './scratch.js';
import { fmtInt } from './stats.js';

const CLI = 'dist/apps/ledger-cli/src/main.js';

/** The Node options `npm run ledger` gives the CLI (package.json), so that the bench runs what users run. */
function ledgerNodeOptions(): string[] {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.ledger ?? '';
  return script.split(/\s+/).filter((word) => word.startsWith('--') && !word.startsWith('--env-file'));
}

export interface ImportSettings {
  /** Copies of the Gaza list in one file, for memory at scale (0 skips it). */
  scale: number;
  batchSize: number;
  concurrency: number;
}

/** The summary `ledger import --json` prints. */
export interface ImportSummary {
  rowsRead: number;
  claimsCreated: number;
  alreadyImported: number;
  rowsRejected: number;
  seconds: number;
  claimsPerSecond: number;
  peakRssBytes: number;
}

export interface ImportRun {
  summary: ImportSummary;
  /** Process start to exit, Node start-up and module loading included. */
  wallSeconds: number;
  /** CPU of the CLI process and of its Postgres backends, ms. */
  cliCpuMs: number;
  postgresCpuMs: number;
  /** Peak resident set of the CLI from /proc (VmHWM), bytes. */
  peakRss: number;
}

export interface ImportListResult {
  list: string;
  format: 'gaza' | 'vdc';
  bytes: number;
  first: ImportRun;
  rerun: ImportRun;
  /** Events in the ledger after the first run: two per claim (ClaimFiled, SourceAttached) and the migrations' own. */
  events: number;
  claimEvents: number;
  addsUp: boolean;
}

export type ImportResult =
  | { measured: true; lists: ImportListResult[]; settings: ImportSettings; notes: string[] }
  | { measured: false; reason: string };

/**
 * What autovacuum does for a growing table, on a server that runs without it (a CI configuration):
 * ANALYZE ledger_events every few seconds. Without statistics the planner reads a batch's thousand
 * claim streams with a sequential scan of the whole table, and each batch costs more than the last.
 */
async function standInForAutovacuum(db: ScratchDatabase): Promise<(() => Promise<number>) | null> {
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  const { rows } = await client.query<{ on: string }>(`SELECT current_setting('autovacuum') AS on`);
  if (rows[0].on === 'on') {
    await client.end();
    return null;
  }
  let running = true;
  let analyzed = 0;
  const loop = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      if (!running) break;
      await client.query('ANALYZE ledger_events');
      analyzed += 1;
    }
  })();
  return async () => {
    running = false;
    await loop;
    await client.end();
    return analyzed;
  };
}

/** Runs the built CLI, metering its CPU and that of its Postgres backends while they live. */
async function runImport(db: ScratchDatabase, file: string, format: 'gaza' | 'vdc', settings: ImportSettings, report: string): Promise<ImportRun> {
  const env = { ...process.env, DATABASE_URL: db.appUrl, DATABASE_OWNER_URL: db.ownerUrl, LEDGER_JWT_SECRET: 'x'.repeat(40), LOG_LEVEL: 'warn' };
  const args = [...ledgerNodeOptions(), CLI, 'import', '--format', format, '--actor', 'u-bench-importer', '--json', '--report', report, '--batch-size', String(settings.batchSize), '--concurrency', String(settings.concurrency), file];
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid as number;
  // The CLI's own backends: the application role's, on this database (not the bench's ANALYZE session).
  const own = (): Map<number, number> => new Map([...postgresTicks()].filter(([backend]) => backendOf(backend, db)));
  const pg0 = own();
  let cliTicks = 0;
  const pgTicks = new Map<number, number>();
  let peakRss = 0;
  // A backend's CPU disappears from /proc with its connection, the CLI's with its exit: keep the last sample.
  const sample = (): void => {
    cliTicks = Math.max(cliTicks, processTicks(pid));
    for (const [backend, ticks] of own()) pgTicks.set(backend, Math.max(pgTicks.get(backend) ?? 0, ticks - (pg0.get(backend) ?? 0)));
    const peak = memoryOf(pid)?.peak;
    if (peak !== undefined && Number.isFinite(peak)) peakRss = Math.max(peakRss, peak);
  };
  const timer = setInterval(sample, 100);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  clearInterval(timer);
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`ledger import exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
  const summary = JSON.parse(stdout) as ImportSummary;
  const postgresTicksUsed = [...pgTicks.values()].reduce((a, b) => a + b, 0);
  return { summary, wallSeconds, cliCpuMs: cliTicks * TICK_MS, postgresCpuMs: postgresTicksUsed * TICK_MS, peakRss: Math.max(peakRss, summary.peakRssBytes) };
}

/** Whether a Postgres process serves the application role on this database (its title says so). */
function backendOf(pid: number, db: ScratchDatabase): boolean {
  try {
    const role = new URL(db.appUrl).username;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${role} ${db.name} `);
  } catch {
    return false;
  }
}

/** The Gaza list `copies` times over in one file (same header): more rows, the same shape. */
async function scaled(source: string, copies: number, target: string): Promise<void> {
  const out = createWriteStream(target);
  for (let copy = 0; copy < copies; copy++) {
    let first = true;
    for await (const line of createInterface({ input: createReadStream(source), crlfDelay: Infinity })) {
      if (first) {
        first = false;
        if (copy > 0) continue;
      }
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
}

async function ledgerEvents(db: ScratchDatabase): Promise<{ events: number; claimEvents: number }> {
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ events: string; claims: string }>(`SELECT count(*) AS events, count(*) FILTER (WHERE stream_type = 'claim') AS claims FROM ledger_events`);
    return { events: Number(rows[0].events), claimEvents: Number(rows[0].claims) };
  } finally {
    await client.end();
  }
}

/**
 * `ledger import` of the real lists, as a user runs it (the built CLI, its own process), into a
 * fresh scratch ledger each: claims/s and peak RSS of the first run, then the same file again
 * (idempotent: nothing appended). The app is not running: the import's cost alone.
 */
export async function importSection(stamp: string, settings: ImportSettings): Promise<ImportResult> {
  const data = dataDirectory();
  if ('missing' in data) return { measured: false, reason: data.missing };
  const work = mkdtempSync(join(tmpdir(), 'ledger-bench-import-'));
  const db = scratchDatabase('import');
  const notes: string[] = [];
  const lists: Array<{ list: string; format: 'gaza' | 'vdc'; file: string }> = [
    { list: `\`${GAZA_FILE}\``, format: 'gaza', file: resolve(data.dir, GAZA_FILE) },
    { list: `\`${VDC_FILE}\``, format: 'vdc', file: resolve(data.dir, VDC_FILE) },
  ];
  if (settings.scale > 1) {
    const file = join(work, `gaza-x${settings.scale}.csv`);
    await scaled(resolve(data.dir, GAZA_FILE), settings.scale, file);
    lists.push({ list: `the Gaza list ${settings.scale} times over in one file`, format: 'gaza', file });
  }
  const results: ImportListResult[] = [];
  try {
    for (const { list, format, file } of lists) {
      await recreate(db);
      await migrate(benchConfig(db, `ledger.bench.${stamp}.unused`, `bench.ledger/${stamp}/import`));
      const watch = await watchInterference();
      say(`import: ${list} (${format}), batches of ${settings.batchSize} claims, ${settings.concurrency} in flight`);
      const stopAnalyzing = await standInForAutovacuum(db);
      const first = await runImport(db, file, format, settings, join(work, 'first.jsonl')).finally(async () => {
        const analyzed = await stopAnalyzing?.();
        if (analyzed !== undefined) notes.push(`${list}: the server runs without autovacuum; the bench ran ANALYZE ledger_events every 2 s during the import (${analyzed} times), as autovacuum would.`);
      });
      const { events, claimEvents } = await ledgerEvents(db);
      const rerun = await runImport(db, file, format, settings, join(work, 'rerun.jsonl'));
      const interference = describeInterference(`import of ${list}`, await watch.stop());
      if (interference) notes.push(interference);
      const s = first.summary;
      const addsUp = s.rowsRead === s.claimsCreated + s.alreadyImported + s.rowsRejected && rerun.summary.claimsCreated === 0 && claimEvents === 2 * s.claimsCreated;
      if (!addsUp) notes.push(`${list}: the counts do NOT add up (${JSON.stringify({ first: s, rerun: rerun.summary, claimEvents })})`);
      results.push({ list, format, bytes: statSync(file).size, first, rerun, events, claimEvents, addsUp });
      say(
        `  ${fmtInt(s.rowsRead)} rows: ${fmtInt(s.claimsCreated)} claims in ${s.seconds.toFixed(1)} s = ${fmtInt(s.claimsPerSecond)} claims/s, ${fmtInt(s.rowsRejected)} rejected; ` +
          `peak RSS ${fmtInt(MiB(first.peakRss))} MiB; CPU per claim: CLI ${(first.cliCpuMs / s.claimsCreated).toFixed(3)} ms, Postgres ${(first.postgresCpuMs / s.claimsCreated).toFixed(3)} ms; ` +
          `re-run ${rerun.summary.seconds.toFixed(1)} s, ${fmtInt(rerun.summary.claimsCreated)} created, ${fmtInt(rerun.summary.alreadyImported)} already imported`,
      );
    }
  } finally {
    if (process.env.BENCH_KEEP !== '1') await drop(db);
    rmSync(work, { recursive: true, force: true });
  }
  return { measured: true, lists: results, settings, notes };
}
