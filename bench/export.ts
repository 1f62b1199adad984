import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { verifyBundle } from '@ledger/bundle';
import { TokenVerifier } from '@ledger/http';
import type { ClaimDetails } from '@ledger/domain';
import pg from 'pg';
import { startApp } from './app-process.js';
import { benchClaims, dataDirectory, readCasualtyLists } from './casualty-data.js';
import { loadVerifiedClaims, type LifecycleLoad } from './claim-lifecycle.js';
import { cpuSplitMeter, type CpuSplit } from './cpu.js';
import { describeInterference, watchInterference } from './interference.js';
import { benchConfig, cleanUpKafka, prepareLedger } from './ledger.js';
import { kafkaPid } from './machine.js';
import { memoryOf, MiB } from './memory.js';
import { LedgerProbe } from './pipeline.js';
import { runNode } from './proc.js';
import { say } from './say.js';
import { analyzeIfNoAutovacuum, drop } from './scratch.js';
import { fmtInt, fmtMs } from './stats.js';
import { CLAIM_BODY } from './workload.js';

export interface ExportSettings {
  /** Claims of the exported incident (the bar: 1,000). */
  incidentClaims: number;
  /** Other claims in the ledger, exported once as a `claims` scope (0: skipped). */
  listClaims: number;
  repeats: number;
  perCommand: number;
  importConcurrency: number;
}

export interface BundleFile {
  bytes: number;
  lines: number;
}

/** Lines and bytes of a bundle by line kind (`bundle`, `event`, `summary`, ...). */
export type BundleKinds = Record<string, BundleFile>;

export interface ExportTiming extends BundleFile {
  /** POST sent → status line and headers (the export recorded, sequenced, checkpointed). */
  headersMs: number;
  /** POST sent → last byte of the bundle. */
  totalMs: number;
  status: number;
  /** API process: resident set before the export, and its peak during it (VmHWM reset before). */
  rssBefore: number;
  peakRss: number;
  /** How the peak was taken: VmHWM after clear_refs, or the max of VmRSS sampled every 10 ms. */
  peakFrom: 'hwm' | 'sampled';
  /** CPU the API process used from the request to the last byte (ms). */
  apiCpuMs: number;
  /** What the bundle is made of, read from the file after the timing. */
  kinds?: BundleKinds;
}

export interface VerifyTiming {
  ms: number;
  /** CPU the verification used (the bench process's for the in-process one; the child's own for the standalone one). */
  cpuMs: number;
  ok: boolean;
  events: number;
  detail: string;
  /** The standalone verifier's peak resident set (VmHWM, last sample before it exited). */
  peakRss?: number;
}

export interface ExportRound {
  export: ExportTiming;
  inProcess: VerifyTiming;
  standalone: VerifyTiming;
}

export interface ExportRun {
  measured: true;
  claims: { incident: number; list: number; realNames: boolean };
  load: LifecycleLoad;
  /** From the end of the load to the claims projection holding every claim of the incident. */
  projectedSeconds: number;
  ledgerEvents: number;
  incident: ExportRound[];
  list: ExportRound | null;
  listSkipped?: string;
  /** `node verify-bundle.js --help` with only PATH: Node start-up and loading the verifier. */
  verifierStartMs: number;
  cpu: CpuSplit;
  notes: string[];
}

export type ExportResult = { measured: false; reason: string } | ExportRun;

const INCIDENT = {
  code: 'BENCH-IDL-2018-07-16',
  date: '2018-07-16',
  precision: 'day',
  place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
  attackType: 'double-tap-airstrike',
  perpetrator: 'russian-forces',
  narrative: 'Bench incident: two strikes on a residential block; the second hit the rescuers.',
  reported: { killed: { min: 1000, max: null } },
};

function httpJson(agent: Agent, base: URL, path: string, token: string, body: unknown): Promise<{ status: number; body: string }> {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  return new Promise((done, fail) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

/**
 * POST /exports, the answer streamed to `file`; timed from the request to the last byte, with the
 * API's resident set meanwhile (its VmHWM reset first through /proc/<pid>/clear_refs, our own child).
 */
async function timeExport(agent: Agent, base: URL, token: string, apiPid: number, scope: unknown, file: string): Promise<ExportTiming> {
  const payload = Buffer.from(JSON.stringify({ scope }), 'utf8');
  const rssBefore = memoryOf(apiPid)?.rss ?? Number.NaN;
  let peakFrom: ExportTiming['peakFrom'] = 'hwm';
  try {
    writeFileSync(`/proc/${apiPid}/clear_refs`, '5');
  } catch {
    peakFrom = 'sampled';
  }
  let sampled = rssBefore;
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, memoryOf(apiPid)?.rss ?? 0);
  }, 10);
  const out = createWriteStream(file);
  const apiCpu0 = processCpuMs(apiPid);
  const started = performance.now();
  try {
    const result = await new Promise<{ status: number; headersMs: number; totalMs: number; bytes: number; lines: number }>((done, fail) => {
      const req = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          path: '/exports',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
        },
        (res) => {
          const headersMs = performance.now() - started;
          let bytes = 0;
          let lines = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines += 1;
            if (!out.write(chunk)) {
              res.pause();
              out.once('drain', () => res.resume());
            }
          });
          res.on('end', () => done({ status: res.statusCode ?? 0, headersMs, totalMs: performance.now() - started, bytes, lines }));
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.end(payload);
    });
    const peak = peakFrom === 'hwm' ? (memoryOf(apiPid)?.peak ?? Number.NaN) : sampled;
    return { ...result, apiCpuMs: processCpuMs(apiPid) - apiCpu0, rssBefore, peakRss: Math.max(peak, sampled), peakFrom };
  } finally {
    clearInterval(sampler);
    await new Promise<void>((done) => out.end(done));
  }
}

/** Bytes per line kind: the reference writer puts `kind` first on every line. */
async function bundleKinds(file: string): Promise<BundleKinds> {
  const kinds: BundleKinds = {};
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const kind = /^\{"kind":"([a-z]+)"/.exec(line)?.[1] ?? '?';
      const entry = (kinds[kind] ??= { lines: 0, bytes: 0 });
      entry.lines += 1;
      entry.bytes += Buffer.byteLength(line, 'utf8') + 1;
    }
  }
  return kinds;
}

/** utime + stime of a process (ms), or of the children it waited for when `children` (cutime + cstime). */
function processCpuMs(pid: number | 'self', children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (children ? Number(fields[13]) + Number(fields[14]) : Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

async function verifyInProcess(file: string): Promise<VerifyTiming> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const verdict = await verifyBundle(createReadStream(file, { highWaterMark: 1 << 20 }));
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu0);
  const cpuMs = (used.user + used.system) / 1000;
  return verdict.ok
    ? { ms, cpuMs, ok: true, events: verdict.events, detail: `${verdict.events} events, ${verdict.claims} claims, ${verdict.sources} sources` }
    : { ms, cpuMs, ok: false, events: 0, detail: `line ${verdict.failure.line}: ${verdict.failure.check}: ${verdict.failure.detail}` };
}

/** `node <dir>/verify-bundle.js <file> --json` with only PATH in its environment; wall time from spawn to exit. */
function verifyStandalone(entry: string, args: string[]): Promise<VerifyTiming> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [entry, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let peak = 0;
    let cpuMs = 0;
    const pid = child.pid ?? -1;
    // VmHWM only grows; a zombie's status has none (NaN), so keep the last real reading.
    const sample = (): void => {
      const now = memoryOf(pid)?.peak ?? Number.NaN;
      if (Number.isFinite(now)) peak = Math.max(peak, now);
      const cpu = processCpuMs(pid);
      if (Number.isFinite(cpu)) cpuMs = Math.max(cpuMs, cpu);
    };
    const sampler = setInterval(sample, 5);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', (error) => {
      clearInterval(sampler);
      fail(error);
    });
    child.once('close', (code) => {
      const ms = performance.now() - started;
      clearInterval(sampler);
      const text = Buffer.concat(out).toString('utf8').trim();
      let verdict: { ok?: boolean; events?: number; claims?: number; sources?: number; failure?: { line: number; check: string; detail: string } } = {};
      try {
        verdict = text.startsWith('{') ? (JSON.parse(text.split('\n').at(-1) ?? '{}') as typeof verdict) : {};
      } catch {
        verdict = {};
      }
      const ok = code === 0 && verdict.ok === true;
      done({
        ms,
        cpuMs,
        ok: args.includes('--help') ? code === 0 : ok,
        events: verdict.events ?? 0,
        detail: ok
          ? `${verdict.events} events, ${verdict.claims} claims, ${verdict.sources} sources`
          : verdict.failure
            ? `exit ${code}: line ${verdict.failure.line}: ${verdict.failure.check}: ${verdict.failure.detail}`
            : `exit ${code}: ${(text + Buffer.concat(err).toString('utf8')).trim().split('\n').slice(-3).join(' | ')}`,
        peakRss: peak > 0 ? peak : undefined,
      });
    });
  });
}

/** Claims bodies: victims of the real lists when there (their names, ages, sexes), else the e2e body varied. */
function claimBodies(count: number): { bodies: ClaimDetails[]; realNames: boolean } {
  const data = dataDirectory();
  if ('dir' in data) return { bodies: benchClaims(readCasualtyLists(data.dir), count, 20181607), realNames: true };
  const bodies = Array.from({ length: count }, (_, i) => ({
    ...CLAIM_BODY,
    victim: { ...CLAIM_BODY.victim, name: { latin: `Bench Victim ${i}` }, age: 18 + (i % 60) },
  }));
  return { bodies, realNames: false };
}

async function waitForProjection(adminUrl: string, incidentId: string, expected: number, timeoutMs: number): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const started = performance.now();
  try {
    for (;;) {
      const { rows } = await client.query<{ n: string; last: string; watermark: string | null }>(
        `SELECT (SELECT count(*) FROM claim_view WHERE incident_id = $1 AND status = 'verified') AS n,
                (SELECT last_seq FROM sequencer_state WHERE id = 1) AS last,
                (SELECT watermark FROM projection_progress WHERE projection = 'claims') AS watermark`,
        [incidentId],
      );
      const row = rows[0];
      if (Number(row.n) >= expected && Number(row.watermark ?? 0) >= Number(row.last)) return (performance.now() - started) / 1000;
      if (performance.now() - started > timeoutMs) {
        throw new Error(`the claims projection did not reach the incident's ${expected} verified claims within ${timeoutMs} ms (has ${row.n}, watermark ${row.watermark}, last seq ${row.last})`);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  } finally {
    await client.end();
  }
}


function sayRound(what: string, r: ExportRound): void {
  const e = r.export;
  say(
    `  ${what}: export ${fmtMs(e.totalMs)} ms, API CPU ${fmtMs(e.apiCpuMs)} ms (headers after ${fmtMs(e.headersMs)} ms, HTTP ${e.status}), ${(e.bytes / 2 ** 20).toFixed(1)} MiB, ${fmtInt(e.lines)} lines, ` +
      `API RSS ${fmtInt(MiB(e.rssBefore))} → peak ${fmtInt(MiB(e.peakRss))} MiB; verify in process ${fmtMs(r.inProcess.ms)} ms, CPU ${fmtMs(r.inProcess.cpuMs)} ms (${r.inProcess.ok ? 'ok' : `FAILED ${r.inProcess.detail}`}), ` +
      `standalone ${fmtMs(r.standalone.ms)} ms, CPU ${fmtMs(r.standalone.cpuMs)} ms (${r.standalone.ok ? 'ok' : `FAILED ${r.standalone.detail}`}, peak RSS ${fmtInt(MiB(r.standalone.peakRss ?? Number.NaN))} MiB)`,
  );
}

/**
 * Evidence export on a scratch ledger: an incident recorded through the API, its claims (and
 * `listClaims` others, interleaved in the log) filed and verified through the event store with six
 * events each while `npm start` (API, sequencer, publisher, projector) runs; once the claims
 * projection holds them, POST /exports for the incident `repeats` times, each bundle verified in
 * process (verifyBundle) and by the packaged standalone verifier; then one `claims` export of the
 * other claims, verified the same way.
 */
export async function exportSection(stamp: string, settings: ExportSettings): Promise<ExportResult> {
  const notes: string[] = [];
  const work = join(tmpdir(), `ledger-bench-export-${stamp}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const verifierDir = join(work, 'verifier');
  const packaged = await runNode(['scripts/package-verifier.mjs', '--out', verifierDir]);
  if (packaged.code !== 0) {
    rmSync(work, { recursive: true, force: true });
    const reason = `scripts/package-verifier.mjs failed: ${(packaged.stderr || packaged.stdout).trim().split('\n').slice(-3).join(' | ')}`;
    say(`export: not measured: ${reason}`);
    return { measured: false, reason };
  }
  const entry = resolve(verifierDir, 'verify-bundle.js');
  const total = settings.incidentClaims + settings.listClaims;
  const { bodies, realNames } = claimBodies(total);
  say(
    `export: an incident of ${fmtInt(settings.incidentClaims)} claims and ${fmtInt(settings.listClaims)} other claims, six events each ` +
      `(${realNames ? 'victims from the real lists' : 'generated victims: the real lists are missing'}); standalone verifier packaged in ${verifierDir}`,
  );
  const ledger = await prepareLedger(stamp, 'export');
  const config = benchConfig(ledger.db, ledger.topic, ledger.appEnv.LEDGER_ORIGIN, ledger.appEnv.LEDGER_JWT_SECRET);
  const legal = new TokenVerifier(config).mint({ sub: 'u-bench-legal', roles: ['legal'] }, 3600);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    const app = await startApp(ledger.appEnv);
    try {
      const base = new URL(app.url);
      const recorded = await httpJson(agent, base, '/incidents', ledger.token, INCIDENT);
      if (recorded.status !== 201) throw new Error(`POST /incidents answered ${recorded.status}: ${recorded.body}`);
      const incidentId = (JSON.parse(recorded.body) as { id: string }).id;
      // The incident's claims are spread among the others, as a list filed over weeks would put them.
      const every = settings.listClaims > 0 ? Math.max(1, Math.floor(total / settings.incidentClaims)) : 1;
      const claims: Array<{ id: string; details: ClaimDetails; incident: boolean }> = [];
      let inIncident = 0;
      for (const [i, body] of bodies.entries()) {
        const incident = inIncident < settings.incidentClaims && (i % every === 0 || total - i <= settings.incidentClaims - inIncident);
        if (incident) inIncident += 1;
        const details: ClaimDetails = incident
          ? { ...body, death: { date: INCIDENT.date, precision: 'day' }, place: INCIDENT.place as ClaimDetails['place'], cause: 'double-tap-airstrike', perpetrator: INCIDENT.perpetrator, incidentId }
          : body;
        claims.push({ id: randomUUID(), details, incident });
      }
      const load = await loadVerifiedClaims(ledger.db, claims, settings.perCommand, settings.importConcurrency);
      say(`  filed and verified ${fmtInt(load.claims)} claims: ${fmtInt(load.events)} events (${load.eventsPerClaim.toFixed(1)} per claim) in ${load.seconds.toFixed(1)} s`);
      const probe = await LedgerProbe.open(ledger.db, ledger.topic);
      let ledgerEvents: number;
      try {
        await probe.waitUntilPublished(300000);
        ledgerEvents = (await probe.counters(false)).sequenced;
      } finally {
        await probe.close();
      }
      const projectedSeconds = await waitForProjection(ledger.db.adminUrl, incidentId, settings.incidentClaims, 300000);
      say(`  ${fmtInt(ledgerEvents)} events sequenced and published; the claims projection holds the incident's ${fmtInt(settings.incidentClaims)} verified claims`);
      if (await analyzeIfNoAutovacuum(ledger.db, ['claim_view', 'claim_facts', 'incident_view', 'ledger_events', 'ledger_log'])) {
        const text = 'autovacuum is off on this server: the bench ran VACUUM (ANALYZE) on the ledger and read-model tables after loading, as autovacuum would have by then.';
        notes.push(text);
        say(`  ${text}`);
      }

      const verifierStart = await verifyStandalone(entry, ['--help']);
      const watch = await watchInterference();
      const meter = cpuSplitMeter(app.pid, kafkaPid());
      const children0 = processCpuMs('self', true);
      const round = async (what: string, scope: unknown, n: number): Promise<ExportRound> => {
        const file = join(work, `bundle-${what.replace(/\W+/g, '-')}-${n}.jsonl`);
        const exported = await timeExport(agent, base, legal, app.pid, scope, file);
        if (exported.status !== 200) throw new Error(`POST /exports (${what}) answered ${exported.status}: ${readFileSync(file, 'utf8').slice(0, 400)}`);
        const inProcess = await verifyInProcess(file);
        const standalone = await verifyStandalone(entry, [file, '--json']);
        if (n === 1) exported.kinds = await bundleKinds(file);
        const result = { export: exported, inProcess, standalone };
        sayRound(`${what} #${n}`, result);
        if (process.env.BENCH_KEEP !== '1') rmSync(file, { force: true });
        return result;
      };
      const incident: ExportRound[] = [];
      for (let n = 1; n <= settings.repeats; n += 1) incident.push(await round('incident', { type: 'incident', incidentId }, n));
      let list: ExportRound | null = null;
      let listSkipped: string | undefined;
      const others = claims.filter((c) => !c.incident).map((c) => c.id);
      if (others.length > 0) {
        try {
          list = await round(`claims (${others.length})`, { type: 'claims', claimIds: others }, 1);
        } catch (error) {
          listSkipped = `it failed: ${error instanceof Error ? error.message : String(error)}`;
          say(`  claims export: ${listSkipped}`);
        }
      } else listSkipped = 'no other claims were loaded (BENCH_EXPORT_LIST_CLAIMS=0)';
      const measured = meter();
      // The standalone verifiers are our children: their CPU is the bench's, not another tenant's.
      const childMs = Math.max(0, processCpuMs('self', true) - children0) || 0;
      const cpu: CpuSplit = { ...measured, loadGenerator: measured.loadGenerator + childMs, other: Math.max(0, measured.other - childMs) };
      const later: string[] = [];
      const interference = describeInterference('export', await watch.stop());
      if (interference) later.push(interference);
      const share = cpu.other / (cpu.seconds * 1000);
      if (share >= 0.5) {
        later.push(
          `exports and verifications: processes outside the bench (neither the ledger, its Postgres backends, Kafka nor the bench) used ${Math.round(share * 100)} % of a core meanwhile; its numbers are a shared machine's.`,
        );
      }
      for (const text of later) say(`  ${text}`);
      notes.push(...later);
      return {
        measured: true,
        claims: { incident: settings.incidentClaims, list: others.length, realNames },
        load,
        projectedSeconds,
        ledgerEvents,
        incident,
        list,
        ...(listSkipped ? { listSkipped } : {}),
        verifierStartMs: verifierStart.ms,
        cpu,
        notes,
      };
    } finally {
      await app.stop();
    }
  } finally {
    agent.destroy();
    if (process.env.BENCH_KEEP !== '1') {
      rmSync(work, { recursive: true, force: true });
      await cleanUpKafka(ledger.topic).catch((error: unknown) => say(`could not delete topic ${ledger.topic}: ${String(error)}`));
      await drop(ledger.db);
    }
  }
}
