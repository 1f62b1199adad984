/**
 * `npm run bench`: the performance bars of the ledger, measured on this machine with everything
 * running at once. Scratch databases `ledger_bench_*` and a fresh Kafka topic; never `ledger`.
 * Env knobs: BENCH_QUICK=1 (smoke run, doc untouched), BENCH_POOL, BENCH_STREAM_LENGTH,
 * BENCH_STORE_LEVELS ("1:2000:300,16:10000:1000,..." concurrency:total:warmup), BENCH_HTTP_SECONDS, BENCH_HTTP_WORKERS (2; 1 skips that run),
 * BENCH_ROUNDS, BENCH_PIPELINE_EVENTS, BENCH_SECTIONS (store,http,pipeline,verify,read,export,duplicates,import), BENCH_KEEP=1;
 * for the read section BENCH_DATA_DIR (the real casualty lists, default ../shared/data), BENCH_READ_CLAIMS,
 * BENCH_READ_QUERIES, BENCH_LAG_RATES ("500,100"), BENCH_LAG_SECONDS; for the export section
 * BENCH_EXPORT_CLAIMS (the incident's, 1000), BENCH_EXPORT_LIST_CLAIMS (the `claims` export, 10000; 0 skips it),
 * BENCH_EXPORT_REPEATS (3); for the duplicates section BENCH_DUPLICATES_API_REQUESTS (200);
 * for the import section BENCH_DATA_DIR, BENCH_IMPORT_SCALE (copies of the Gaza list in one file, for memory at
 * scale, 5; 0 skips it), BENCH_IMPORT_BATCH (claims per transaction, 1000), BENCH_IMPORT_CONCURRENCY (2).
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { migrate } from '@ledger/database';
import { startApp } from './app-process.js';
import { cpuSplitMeter, type CpuSplit } from './cpu.js';
import { httpLoad } from './http-load.js';
import { describeInterference, watchInterference } from './interference.js';
import { describeMachine, kafkaPid, loadAverage } from './machine.js';
import { benchConfig, cleanUpKafka, prepareLedger, type Ledger } from './ledger.js';
import { drainRates, LedgerProbe, loadBacklog, sampleProgress } from './pipeline.js';
import { duplicatesSection, duplicatesTables } from './duplicates.js';
import { exportSection } from './export.js';
import { importSection } from './import.js';
import { readSection } from './read.js';
import {
  headerMarkdown,
  httpTables,
  note,
  pipelineTable,
  exportTables,
  importTables,
  readTables,
  SECTIONS,
  sectionsMarkdown,
  storeTables,
  verifyTable,
  writeBenchmarksDoc,
  type BenchReport,
  type Section,
  type StoreRun,
} from './report.js';
import { say } from './say.js';
import { drop, openConnections, recreate, scratchDatabase, serverInfo, type ScratchDatabase } from './scratch.js';
import { fmtInt, fmtMs, summarize } from './stats.js';
import type { StoreJob, StoreKind } from './store-bench.js';
import { runStoreJob } from './store-runner.js';
import { timeVerify } from './verify.js';
import type { RunResult } from './workload.js';

const env = process.env;
const quick = env.BENCH_QUICK === '1';
const int = (name: string, fallback: number): number => (env[name] ? Number.parseInt(env[name] as string, 10) : fallback);
const POOL = int('BENCH_POOL', 20);
const STREAM_LENGTH = int('BENCH_STREAM_LENGTH', 10);
const HTTP_SECONDS = int('BENCH_HTTP_SECONDS', quick ? 3 : 15);
/** LEDGER_API_WORKERS of the HTTP section's second run (1 skips it). */
const HTTP_WORKERS = int('BENCH_HTTP_WORKERS', 2);
const HTTP_WARMUP_SECONDS = quick ? 2 : 5;
const PIPELINE_EVENTS = int('BENCH_PIPELINE_EVENTS', quick ? 5000 : 50000);
const LEVELS = (env.BENCH_STORE_LEVELS ?? (quick ? '1:300:100,16:1000:300,64:2000:500' : '1:2000:300,16:10000:1000,64:20000:2000'))
  .split(',')
  .map((level) => {
    const [concurrency, total, warmup] = level.split(':').map(Number);
    return { concurrency, total, warmup };
  });
const ROUNDS = Math.max(1, int('BENCH_ROUNDS', quick ? 1 : 2));
const RUN_SECTIONS: Section[] = (env.BENCH_SECTIONS ?? SECTIONS.join(','))
  .split(',')
  .map((name) => {
    if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`BENCH_SECTIONS: unknown section "${name}" (there are ${SECTIONS.join(', ')})`);
    return name as Section;
  });
const RUNS = new Set(RUN_SECTIONS);
const READ = {
  claims: int('BENCH_READ_CLAIMS', quick ? 5000 : 100000),
  perCommand: 100,
  importConcurrency: 4,
  queries: int('BENCH_READ_QUERIES', quick ? 200 : 2000),
  queryWarmup: quick ? 50 : 200,
  queryClients: 4,
  lagRates: (env.BENCH_LAG_RATES ?? '500,100').split(',').map(Number),
  lagWarmupSeconds: quick ? 1 : 5,
  lagSeconds: int('BENCH_LAG_SECONDS', quick ? 4 : 20),
  pollEveryMs: 5,
};
const EXPORT = {
  incidentClaims: int('BENCH_EXPORT_CLAIMS', quick ? 100 : 1000),
  listClaims: int('BENCH_EXPORT_LIST_CLAIMS', quick ? 500 : 10000),
  repeats: Math.max(1, int('BENCH_EXPORT_REPEATS', quick ? 2 : 3)),
  perCommand: 100,
  importConcurrency: 4,
};
const DUPLICATES = {
  reportMinScore: 0.3,
  thresholds: [0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
  apiRequests: int('BENCH_DUPLICATES_API_REQUESTS', quick ? 50 : 200),
  perCommand: 100,
  importConcurrency: 4,
};
const IMPORT = {
  scale: int('BENCH_IMPORT_SCALE', quick ? 0 : 5),
  batchSize: int('BENCH_IMPORT_BATCH', 1000),
  concurrency: int('BENCH_IMPORT_CONCURRENCY', 2),
};
const DOC = 'docs/BENCHMARKS.md';

type Level = (typeof LEVELS)[number];

async function storeRound(store: StoreKind, url: string, level: Level, total: number): Promise<StoreRun> {
  const job: StoreJob = { store, url, concurrency: level.concurrency, total, warmup: level.warmup, pool: POOL, streamLength: STREAM_LENGTH };
  const { result, cpu } = await runStoreJob(job);
  say(
    `  ${store.padEnd(11)} c${String(level.concurrency).padEnd(3)} ${fmtInt(result.rate).padStart(6)} appends/s  p50 ${fmtMs(result.p50)} ms  p99 ${fmtMs(result.p99)} ms` +
      `  CPU/append: store ${fmtMs(cpu.app / result.appends)} ms, Postgres ${fmtMs(cpu.postgres / result.appends)} ms` +
      `  errors ${result.errors}${result.firstError ? ` (${result.firstError})` : ''}`,
  );
  return { store, concurrency: level.concurrency, result, cpu };
}

/** Rounds of one store at one level merged: total appends over total time, percentiles over all appends. */
function merge(rounds: StoreRun[]): StoreRun {
  const [first] = rounds;
  const appends = rounds.reduce((n, r) => n + r.result.appends, 0);
  const seconds = rounds.reduce((n, r) => n + r.result.seconds, 0);
  const { p50, p99 } = summarize(rounds.flatMap((r) => r.result.latencies ?? []));
  const sum = (pick: (r: StoreRun) => number): number => rounds.reduce((n, r) => n + pick(r), 0);
  const result: RunResult = {
    appends,
    seconds,
    rate: appends / seconds,
    p50,
    p99,
    errors: sum((r) => r.result.errors),
    firstError: rounds.find((r) => r.result.firstError)?.result.firstError,
    clientCpuMs: sum((r) => r.result.clientCpuMs * r.result.appends) / appends,
    machineCpuMs: sum((r) => r.result.machineCpuMs * r.result.appends) / appends,
    machineBusy: sum((r) => r.result.machineBusy * r.result.seconds) / seconds,
  };
  const cpu: CpuSplit = {
    seconds: sum((r) => r.cpu.seconds),
    app: sum((r) => r.cpu.app),
    postgres: sum((r) => r.cpu.postgres),
    kafka: sum((r) => r.cpu.kafka),
    loadGenerator: sum((r) => r.cpu.loadGenerator),
    other: sum((r) => r.cpu.other),
    machineBusy: sum((r) => r.cpu.machineBusy * r.cpu.seconds) / Math.max(1e-9, sum((r) => r.cpu.seconds)),
  };
  return { store: first.store, concurrency: first.concurrency, result, cpu };
}

async function storeSection(report: BenchReport): Promise<void> {
  say(`event store comparison: pool ${POOL}, streams of ${STREAM_LENGTH} events, ${ROUNDS} interleaved round(s) per level`);
  const dbs: Record<StoreKind, ScratchDatabase> = {
    ours: scratchDatabase('store_ours'),
    emmett: scratchDatabase('store_emmett'),
    'emmett-read': scratchDatabase('store_emmett_read'),
  };
  for (const db of Object.values(dbs)) await recreate(db);
  await migrate(benchConfig(dbs.ours, 'ledger.bench.unused', 'bench.ledger/store'));
  const url = (store: StoreKind): string => (store === 'ours' ? dbs.ours.appUrl : dbs[store].ownerUrl);
  try {
    for (const level of LEVELS) {
      const rounds = new Map<StoreKind, StoreRun[]>();
      // Interleaved (A B C, C B A, ...) so every store meets the same machine: other tenants come and go.
      for (let round = 0; round < ROUNDS; round += 1) {
        const order: StoreKind[] = round % 2 === 0 ? ['ours', 'emmett', 'emmett-read'] : ['emmett-read', 'emmett', 'ours'];
        for (const store of order) {
          const run = await storeRound(store, url(store), level, Math.round(level.total / ROUNDS));
          rounds.set(store, [...(rounds.get(store) ?? []), run]);
        }
      }
      for (const store of ['ours', 'emmett', 'emmett-read'] as const) report.store.push(merge(rounds.get(store) ?? []));
    }
  } finally {
    if (env.BENCH_KEEP !== '1') for (const db of Object.values(dbs)) await drop(db);
  }
}

async function httpSection(report: BenchReport, ledger: Ledger): Promise<void> {
  // As the bar says: the API with the sequencer, the publisher and Kafka; the projector is its
  // own process in production (npm run start:projector) and is not part of this measurement.
  // Then the same at the top concurrency with the API as LEDGER_API_WORKERS processes.
  const runs: Array<[workers: number, levels: number[]]> = [[1, [1, 16, 64]], ...(HTTP_WORKERS > 1 ? [[HTTP_WORKERS, [64]] as [number, number[]]] : [])];
  for (const [workers, levels] of runs) {
    say(`HTTP API: starting the ledger API (child process: API, sequencer, publisher${workers > 1 ? `; LEDGER_API_WORKERS=${workers}` : ''})`);
    const app = await startApp({ ...ledger.appEnv, LEDGER_API_WORKERS: String(workers) }, undefined, { appArgs: [] });
    const probe = await LedgerProbe.open(ledger.db, ledger.topic);
    try {
      const warm = await httpLoad(app.url, ledger.token, 16, HTTP_WARMUP_SECONDS * 1000);
      say(`  warm-up: ${fmtInt(warm.commands)} commands, errors ${warm.errors}${warm.firstError ? ` (${warm.firstError})` : ''}`);
      await probe.waitUntilPublished(120000);
      for (const concurrency of levels) {
        const watch = await watchInterference();
        const meter = cpuSplitMeter(app.pid, kafkaPid());
        const result = await httpLoad(app.url, ledger.token, concurrency, HTTP_SECONDS * 1000);
        const cpu = meter();
        const catchUp = await probe.waitUntilPublished(120000);
        const interference = describeInterference(`HTTP, ${workers} API process(es), concurrency ${concurrency}`, await watch.stop());
        if (interference) {
          note(report, 'http', interference);
          say(`  ${interference}`);
        }
        report.http.push({ workers, result, cpu, catchUp });
        say(
          `  ${workers > 1 ? `${workers} workers ` : ''}c${String(concurrency).padEnd(3)} ${fmtInt(result.rate).padStart(6)} commands/s  p50 ${fmtMs(result.p50)} ms  p99 ${fmtMs(result.p99)} ms` +
            `  errors ${result.errors}${result.firstError ? ` (${result.firstError})` : ''}  published all ${fmtMs(catchUp.ms)} ms later`,
        );
      }
    } finally {
      await probe.close();
      await app.stop();
    }
  }
}

async function pipelineSection(report: BenchReport, ledger: Ledger): Promise<void> {
  say(`sequencer + publisher: loading a backlog of ${fmtInt(PIPELINE_EVENTS)} events with the app stopped`);
  const probe = await LedgerProbe.open(ledger.db, ledger.topic);
  try {
    const before = await probe.counters();
    if (before.published !== before.events) throw new Error(`the ledger is not drained before the pipeline bench (${JSON.stringify(before)})`);
    const backlog = await loadBacklog(ledger.db, PIPELINE_EVENTS, 25, 8);
    const target = before.events + backlog.events;
    say(`  loaded ${fmtInt(backlog.events)} events in ${backlog.seconds.toFixed(1)} s; starting the app and timing the drain`);
    const sampler = sampleProgress(probe, 20);
    const watch = await watchInterference();
    
    let meter: (() => CpuSplit) | undefined;
    const app = await startApp(
      ledger.appEnv,
      (pid) => {
        meter = cpuSplitMeter(pid, kafkaPid());
      },
      { appArgs: [] },
    );
    try {
      const deadline = Date.now() + 300000;
      while ((await probe.counters(false)).published < target) {
        if (Date.now() > deadline) throw new Error('the backlog did not drain within 5 minutes');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      const samples = await sampler.stop();
      const cpu = (meter as () => CpuSplit)();
      await app.stop();
      const interference = describeInterference('sequencer + publisher', await watch.stop());
      if (interference) {
        note(report, 'pipeline', interference);
        say(`  ${interference}`);
      }
      const drain = drainRates(samples, before.events, target);
      report.pipeline = { backlog, drain, cpu };
      say(
        `  sequencer ${fmtInt(drain.sequencerRate)} events/s, publisher ${fmtInt(drain.publisherRate)} events/s, ` +
          `commit → Kafka ack ${fmtInt(drain.endToEndRate)} events/s (${drain.drainSeconds.toFixed(2)} s for ${fmtInt(drain.events)})`,
      );
    }
  } finally {
    await probe.close();
  }
}

async function verifySection(report: BenchReport, ledger: Ledger): Promise<void> {
  const probe = await LedgerProbe.open(ledger.db, ledger.topic);
  const { sequenced } = await probe.counters(false);
  await probe.close();
  say(`verify: ${fmtInt(sequenced)} sequenced events`);
  // Alone, the section would time an empty ledger: it verifies what the HTTP and pipeline sections appended.
  report.verify =
    sequenced > 0
      ? await timeVerify(ledger.appEnv, sequenced)
      : { measured: false, reason: 'the ledger is empty: run verify with the http and pipeline sections, which build the ledger it checks' };
  const v = report.verify;
  say(
    v.measured
      ? `  ${fmtInt(v.internalRate ?? v.rate)} events/s (verifier's timing; wall ${v.seconds.toFixed(2)} s), ${v.ok ? 'verified' : `FAILED: ${v.output}`}`
      : `  not measured: ${v.reason}`,
  );
}

/** The command as typed: the BENCH_* knobs that shape the measurement, then `npm run bench`. */
function commandLine(): string {
  const knobs = Object.keys(env)
    .filter((name) => name.startsWith('BENCH_') && !['BENCH_KEEP', 'BENCH_QUICK'].includes(name))
    .sort()
    .map((name) => `${name}=${env[name] as string}`);
  return [...knobs, 'npm run bench'].join(' ');
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const started = performance.now();
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();
  const server = await serverInfo();
  const report: BenchReport = {
    machine: describeMachine(server.version),
    postgresSettings: server.settings,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: commandLine(),
    totalSeconds: 0,
    settings: { pool: POOL, streamLength: STREAM_LENGTH, rounds: ROUNDS, httpSeconds: HTTP_SECONDS, pipelineEvents: PIPELINE_EVENTS, levels: LEVELS },
    sections: SECTIONS.filter((s) => RUNS.has(s)),
    sectionSeconds: {},
    store: [],
    http: [],
    pipeline: null,
    verify: null,
    read: null,
    export: null,
    duplicates: null,
    import: null,
    notes: {},
  };
  const timed = async (section: Section, work: () => Promise<void>): Promise<void> => {
    const from = performance.now();
    await work();
    report.sectionSeconds[section] = (report.sectionSeconds[section] ?? 0) + (performance.now() - from) / 1000;
  };
  const connections = await openConnections();
  if (connections + POOL + 40 > server.maxConnections) {
    for (const section of report.sections) note(report, section, `${connections} connections were open at start (max_connections ${server.maxConnections}).`);
  }
  say(`machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, load ${report.machine.loadAverage}`);
  if (RUNS.has('store')) {
    await timed('store', () => storeSection(report));
    note(report, 'store', `load average after the event store section: ${loadAverage()}`);
  }
  const needsLedger = (['http', 'pipeline', 'verify'] as const).some((s) => RUNS.has(s));
  if (needsLedger) {
    const from = performance.now();
    const ledger = await prepareLedger(stamp);
    // The shared ledger's set-up counts towards the first section that uses it.
    const first = (['http', 'pipeline', 'verify'] as const).find((s) => RUNS.has(s)) as Section;
    report.sectionSeconds[first] = (performance.now() - from) / 1000;
    try {
      if (RUNS.has('http')) {
        await timed('http', () => httpSection(report, ledger));
        note(report, 'http', `load average after the HTTP section: ${loadAverage()}`);
      }
      if (RUNS.has('pipeline')) await timed('pipeline', () => pipelineSection(report, ledger));
      if (RUNS.has('verify')) await timed('verify', () => verifySection(report, ledger));
    } finally {
      if (env.BENCH_KEEP !== '1') {
        await cleanUpKafka(ledger.topic).catch((error: unknown) => say(`could not delete topic ${ledger.topic}: ${String(error)}`));
        await drop(ledger.db);
      }
    }
  }
  if (RUNS.has('read')) {
    await timed('read', async () => {
      report.read = await readSection(stamp, READ);
      if (report.read.measured) for (const text of report.read.notes) note(report, 'read', text);
    });
    note(report, 'read', `load average after the read section: ${loadAverage()}`);
  }
  if (RUNS.has('export')) {
    await timed('export', async () => {
      report.export = await exportSection(stamp, EXPORT);
      if (report.export.measured) for (const text of report.export.notes) note(report, 'export', text);
    });
    note(report, 'export', `load average after the export section: ${loadAverage()}`);
  }
  if (RUNS.has('duplicates')) {
    await timed('duplicates', async () => {
      report.duplicates = await duplicatesSection(stamp, DUPLICATES);
      if (report.duplicates.measured) for (const text of report.duplicates.notes) note(report, 'duplicates', text);
    });
    note(report, 'duplicates', `load average after the duplicates section: ${loadAverage()}`);
  }
  if (RUNS.has('import')) {
    await timed('import', async () => {
      report.import = await importSection(stamp, IMPORT);
      if (report.import.measured) for (const text of report.import.notes) note(report, 'import', text);
    });
    note(report, 'import', `load average after the import section: ${loadAverage()}`);
  }
  report.totalSeconds = (performance.now() - started) / 1000;
  const text: Record<Section, [string, () => string]> = {
    store: ['1. Event store: ours vs Emmett', () => storeTables(report)],
    http: ['2. HTTP API', () => httpTables(report)],
    pipeline: ['3. Sequencer + publisher', () => pipelineTable(report)],
    verify: ['4. verify', () => verifyTable(report)],
    read: ['5. Read side', () => readTables(report)],
    export: ['6. Evidence export', () => exportTables(report)],
    duplicates: ['7. Duplicate candidates', () => duplicatesTables(report.duplicates)],
    import: ['8. Bulk import', () => importTables(report)],
  };
  const out = [...report.sections.flatMap((s) => ['', `== ${text[s][0]} ==`, text[s][1]()]), '', `total ${Math.round(report.totalSeconds)} s`].join('\n');
  process.stdout.write(`${out}\n`);
  if (quick) {
    say(`quick run: ${DOC} left unchanged`);
  } else {
    writeBenchmarksDoc(DOC, headerMarkdown(report), sectionsMarkdown(report));
    say(`wrote ${DOC} (sections ${report.sections.join(', ')}; the others keep their last results)`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
