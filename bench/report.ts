import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CpuSplit } from './cpu.js';
import type { HttpResult } from './http-load.js';
import type { Machine } from './machine.js';
import type { DrainResult } from './pipeline.js';
import { fmtInt, fmtMs, fmtRatio, table } from './stats.js';
import type { StoreKind } from './store-bench.js';
import type { VerifyResult } from './verify.js';
import type { RunResult } from './workload.js';

export const BARS = {
  storeRatio: 0.8,
  httpRate: 1000,
  httpP99Ms: 100,
  pipelineRate: 10000,
  verifyRate: 50000,
} as const;

export interface StoreRun {
  store: StoreKind;
  concurrency: number;
  result: RunResult;
  cpu: CpuSplit;
}

export interface HttpRun {
  result: HttpResult;
  cpu: CpuSplit;
  catchUp: { ms: number; lagAtStart: number };
}

export interface PipelineRun {
  backlog: { events: number; seconds: number };
  drain: DrainResult;
  cpu: CpuSplit;
}

export interface BenchReport {
  machine: Machine;
  postgresSettings: Record<string, string>;
  date: string;
  command: string;
  totalSeconds: number;
  settings: { pool: number; streamLength: number; rounds: number; httpSeconds: number; pipelineEvents: number; levels: Array<{ concurrency: number; total: number; warmup: number }> };
  store: StoreRun[];
  http: HttpRun[];
  pipeline: PipelineRun | null;
  verify: VerifyResult | null;
  notes: string[];
}

const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const perUnit = (ms: number, units: number): string => fmtMs(ms / Math.max(1, units));

function cpuRow(label: string, cpu: CpuSplit, units: number): string[] {
  return [
    label,
    perUnit(cpu.app, units),
    perUnit(cpu.postgres, units),
    perUnit(cpu.kafka, units),
    perUnit(cpu.loadGenerator, units),
    perUnit(cpu.other, units),
    `${Math.round(cpu.machineBusy * 100)} %`,
  ];
}

export function storeTables(report: BenchReport): string {
  const levels = [...new Set(report.store.map((r) => r.concurrency))];
  const find = (store: StoreKind, c: number): StoreRun | undefined => report.store.find((r) => r.store === store && r.concurrency === c);
  const rows = levels.map((c) => {
    const ours = find('ours', c);
    const emmett = find('emmett', c);
    const read = find('emmett-read', c);
    const ratio = ours && emmett ? ours.result.rate / emmett.result.rate : Number.NaN;
    const readRatio = ours && read ? ours.result.rate / read.result.rate : Number.NaN;
    // Store process + its Postgres backends per append: what the store costs, whoever else is busy.
    const cost = (r: StoreRun | undefined): number => (r ? (r.cpu.app + r.cpu.postgres) / r.result.appends : Number.NaN);
    return [
      String(c),
      fmtInt(ours?.result.rate ?? Number.NaN),
      fmtInt(emmett?.result.rate ?? Number.NaN),
      fmtRatio(ratio),
      `≥ ${BARS.storeRatio}: ${pass(ratio >= BARS.storeRatio)}`,
      `${fmtMs(ours?.result.p50 ?? Number.NaN)} / ${fmtMs(ours?.result.p99 ?? Number.NaN)}`,
      `${fmtMs(emmett?.result.p50 ?? Number.NaN)} / ${fmtMs(emmett?.result.p99 ?? Number.NaN)}`,
      fmtInt(read?.result.rate ?? Number.NaN),
      fmtRatio(readRatio),
      `${fmtMs(cost(ours))} / ${fmtMs(cost(emmett))} = ${fmtRatio(cost(emmett) / cost(ours))}`,
    ];
  });
  const main = table(
    ['concurrency', 'ours appends/s', 'Emmett appends/s', 'ours / Emmett', 'bar', 'ours p50 / p99 ms', 'Emmett p50 / p99 ms', 'Emmett read+append /s', 'ours / Emmett read+append', 'CPU ms/append ours / Emmett = cost ratio'],
    rows,
  );
  const cpu = table(
    ['store, concurrency', 'appends', 'errors', 'store process', 'Postgres backends', 'everything else', 'machine busy'],
    report.store.map((r) => [
      `${r.store}, ${r.concurrency}`,
      fmtInt(r.result.appends),
      String(r.result.errors),
      perUnit(r.cpu.app, r.result.appends),
      perUnit(r.cpu.postgres, r.result.appends),
      perUnit(r.cpu.other + r.cpu.kafka + r.cpu.loadGenerator, r.result.appends),
      `${Math.round(r.cpu.machineBusy * 100)} %`,
    ]),
  );
  return `${main}\n\nCPU milliseconds per append (whole timed run, warm-up excluded):\n\n${cpu}`;
}

export function httpTables(report: BenchReport): string {
  const main = table(
    ['concurrency', 'commands', 'commands/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'bar', 'pipeline caught up after'],
    report.http.map(({ result: r, catchUp }) => {
      const barred = r.concurrency === 64;
      const ok = r.rate >= BARS.httpRate && r.p99 < BARS.httpP99Ms && r.errors === 0;
      return [
        String(r.concurrency),
        fmtInt(r.commands),
        fmtInt(r.rate),
        fmtMs(r.p50),
        fmtMs(r.p99),
        fmtMs(r.max),
        String(r.errors),
        barred ? `≥ ${fmtInt(BARS.httpRate)}/s, p99 < ${BARS.httpP99Ms} ms: ${pass(ok)}` : '—',
        `${fmtMs(catchUp.ms)} ms (lag ${fmtInt(catchUp.lagAtStart)} events)`,
      ];
    }),
  );
  const cpu = table(
    ['concurrency', 'ledger API process', 'Postgres backends', 'Kafka', 'load generator', 'other', 'machine busy'],
    report.http.map(({ result, cpu: c }) => cpuRow(String(result.concurrency), c, result.commands)),
  );
  return `${main}\n\nCPU milliseconds per command:\n\n${cpu}`;
}

export function pipelineTable(report: BenchReport): string {
  const p = report.pipeline;
  if (!p) return 'not run';
  const d = p.drain;
  const main = table(
    ['events', 'sequencer events/s', 'publisher events/s', 'commit → Kafka ack events/s', 'drain s', 'bar', 'app start-up s'],
    [[
      fmtInt(d.events),
      fmtInt(d.sequencerRate),
      fmtInt(d.publisherRate),
      fmtInt(d.endToEndRate),
      d.drainSeconds.toFixed(2),
      `≥ ${fmtInt(BARS.pipelineRate)}/s: ${pass(d.endToEndRate >= BARS.pipelineRate)}`,
      d.startupSeconds.toFixed(2),
    ]],
  );
  const cpu = table(
    ['interval', 'ledger API process', 'Postgres backends', 'Kafka', 'bench', 'other', 'machine busy'],
    [cpuRow('app start → all published', p.cpu, d.events)],
  );
  return `${main}\n\nBacklog loaded through PostgresEventStore in ${p.backlog.seconds.toFixed(1)} s (${fmtInt(p.backlog.events / p.backlog.seconds)} events/s in import-style commands).\n\nCPU milliseconds per event:\n\n${cpu}`;
}

export function verifyTable(report: BenchReport): string {
  const v = report.verify;
  if (!v) return 'not run';
  if (!v.measured) {
    return table(['events', 'events/s', 'bar', 'note'], [['—', 'not measured yet', `≥ ${fmtInt(BARS.verifyRate)}/s: not measured yet`, v.reason]]);
  }
  const rate = v.internalRate ?? v.rate;
  return table(
    ['events', 'events/s (verifier timing)', 'seconds (verifier)', 'wall s (incl. process start)', 'events/s (wall)', 'result', 'bar'],
    [[
      fmtInt(v.events),
      v.internalRate === undefined ? 'n/a' : fmtInt(v.internalRate),
      v.internalSeconds === undefined ? 'n/a' : v.internalSeconds.toFixed(2),
      v.seconds.toFixed(2),
      fmtInt(v.rate),
      v.ok ? 'verified' : `FAILED: ${v.output.split('\n').at(-1) ?? ''}`,
      `≥ ${fmtInt(BARS.verifyRate)}/s: ${pass(v.ok && rate >= BARS.verifyRate)}`,
    ]],
  );
}

function machineTable(report: BenchReport): string {
  const m = report.machine;
  return table(
    ['', ''],
    [
      ['CPU', `${m.cpus} × ${m.cpuModel}`],
      ['memory', `${m.memoryGiB} GiB`],
      ['kernel', m.kernel],
      ['Node.js', m.node],
      ['PostgreSQL', `${m.postgres} (${Object.entries(report.postgresSettings).map(([k, v]) => `${k}=${v}`).join(', ')})`],
      ['Kafka', `${m.kafka} (single local broker, KRaft)`],
      ['load average at start (1/5/15 min)', m.loadAverage],
    ],
  );
}

export function resultsMarkdown(report: BenchReport): string {
  const s = report.settings;
  return [
    `Run on ${report.date} with \`${report.command}\`; the whole run took ${Math.round(report.totalSeconds)} s.`,
    '',
    '### Machine',
    '',
    machineTable(report),
    '',
    '### 1. Event store: appends/s, ours vs Emmett (in process, same Postgres)',
    '',
    `Levels (concurrency: timed appends): ${s.levels.map((l) => `${l.concurrency}: ${fmtInt(l.total)}`).join(', ')}, ` +
      `in ${s.rounds} interleaved round(s), each after its own warm-up of ${s.levels.map((l) => fmtInt(l.warmup)).join(' / ')} appends; ` +
      `pool ${s.pool} connections for every store; streams of ${s.streamLength} events.`,
    '',
    storeTables(report),
    '',
    '### 2. HTTP API: POST /claims (the API with its sequencer and publisher in a child process, and Kafka)',
    '',
    `${s.httpSeconds} s per level after a warm-up.`,
    '',
    httpTables(report),
    '',
    '### 3. Sequencer + publisher: backlog drain, commit → Kafka ack',
    '',
    pipelineTable(report),
    '',
    '### 4. `ledger verify`',
    '',
    verifyTable(report),
    ...(report.notes.length ? ['', '### Run notes', '', ...report.notes.map((n) => `- ${n}`)] : []),
  ].join('\n');
}

const START = '<!-- bench:results:start (generated by `npm run bench`; everything outside these markers is kept) -->';
const END = '<!-- bench:results:end -->';

const SKELETON = `# Benchmarks

\`npm run bench\` builds the ledger, then measures on this machine, everything at once (Postgres,
Kafka, the app and the load generator share the cores). Source: \`bench/\`.

## Latest results

${START}
${END}
`;

/** Replaces only the generated block, so the hand-written analysis around it survives re-runs. */
export function writeBenchmarksDoc(path: string, results: string): void {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : SKELETON;
  const base = current.includes(START) && current.includes(END) ? current : `${current.trimEnd()}\n\n${SKELETON.slice(SKELETON.indexOf('## Latest'))}`;
  const before = base.slice(0, base.indexOf(START) + START.length);
  const after = base.slice(base.indexOf(END));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${before}\n\n${results}\n\n${after}`);
}
