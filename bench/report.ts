import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CpuSplit } from './cpu.js';
import type { HttpResult } from './http-load.js';
import type { Machine } from './machine.js';
import type { DrainResult } from './pipeline.js';
import { duplicatesTables, type DuplicatesResult } from './duplicates.js';
import type { ExportResult, ExportRound } from './export.js';
import type { ImportResult } from './import.js';
import type { ReadResult } from './read.js';
import { QUERY_KIND_NOTES } from './claim-queries.js';
import { MiB } from './memory.js';
import { fmtInt, fmtMs, fmtRatio, median, table } from './stats.js';
import type { StoreKind } from './store-bench.js';
import type { VerifyResult } from './verify.js';
import type { RunResult } from './workload.js';

export const BARS = {
  storeRatio: 0.8,
  httpRate: 1000,
  httpP99Ms: 100,
  pipelineRate: 10000,
  verifyRate: 50000,
  replayRate: 20000,
  lagRate: 500,
  lagP99Ms: 250,
  queryP99Ms: 50,
  exportMs: 3000,
  verifyBundleMs: 2000,
  importRate: 5000,
} as const;

/** The sections of `npm run bench`, in the order they run and appear. */
export const SECTIONS = ['store', 'http', 'pipeline', 'verify', 'read', 'export', 'duplicates', 'import'] as const;
export type Section = (typeof SECTIONS)[number];

export interface StoreRun {
  store: StoreKind;
  concurrency: number;
  result: RunResult;
  cpu: CpuSplit;
}

export interface HttpRun {
  /** API processes: 1, or LEDGER_API_WORKERS workers behind a primary. */
  workers: number;
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
  /** The sections this run measured, and how long each took. */
  sections: Section[];
  sectionSeconds: Partial<Record<Section, number>>;
  store: StoreRun[];
  http: HttpRun[];
  pipeline: PipelineRun | null;
  verify: VerifyResult | null;
  read: ReadResult | null;
  export: ExportResult | null;
  duplicates: DuplicatesResult | null;
  import: ImportResult | null;
  /** Run notes, each with the section it concerns. */
  notes: Partial<Record<Section, string[]>>;
}

export function note(report: BenchReport, section: Section, text: string): void {
  (report.notes[section] ??= []).push(text);
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
    ['API processes', 'concurrency', 'commands', 'commands/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'bar', 'pipeline caught up after'],
    report.http.map(({ workers, result: r, catchUp }) => {
      const barred = r.concurrency === 64;
      const ok = r.rate >= BARS.httpRate && r.p99 < BARS.httpP99Ms && r.errors === 0;
      return [
        workers === 1 ? '1' : `${workers} workers`,
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
    ['API processes, concurrency', 'ledger API process(es)', 'Postgres backends', 'Kafka', 'load generator', 'other', 'machine busy'],
    report.http.map(({ workers, result, cpu: c }) => cpuRow(`${workers === 1 ? '1' : `${workers} workers`}, ${result.concurrency}`, c, result.commands)),
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

export function readTables(report: BenchReport): string {
  const r = report.read;
  if (!r) return 'not run';
  if (!r.measured) return `not measured: ${r.reason}`;
  const share = (ms: number, cpu: CpuSplit): string => `${Math.round((ms / (cpu.seconds * 1000)) * 100)} %`;
  const main = table(
    ['what', 'process', 'events', 'seconds', 'events/s', 'peak RSS', 'bar'],
    [
      ...r.replays.map((x) => [
        `replay \`${x.projection}\` (ProjectionReplayer's own report: start → compared)`,
        'replay process (the CLI\'s code)',
        fmtInt(r.topicEvents),
        ((Date.parse(x.report.finishedAt) - Date.parse(x.report.startedAt)) / 1000).toFixed(2),
        fmtInt(x.report.eventsPerSecond),
        `${fmtInt(MiB(x.peakRss))} MiB`,
        `≥ ${fmtInt(BARS.replayRate)}/s: ${pass(x.report.eventsPerSecond >= BARS.replayRate && x.report.matched)}${x.report.matched ? '' : ' (tables differ)'}`,
      ]),
      [
        'live projector, initial backlog (`claims` watermark, first → last applied)',
        'projector app (`npm run start:projector`)',
        fmtInt(r.projector.events),
        r.projector.applySeconds.toFixed(2),
        fmtInt(r.projector.rate),
        `${fmtInt(MiB(r.projector.peakRss))} MiB`,
        '—',
      ],
    ],
  );
  const phases = table(
    ['replay', 'group join + first batch s', 'apply window s', 'events/s over the apply window', 'settle + compare s', 'RSS at 25 / 50 / 75 / 100 % applied (MiB)', 'CPU µs/event: replay process / Postgres', 'tables'],
    r.replays.map((x) => {
      const applied = r.topicEvents - x.firstBatchMessages;
      return [
        x.projection,
        (x.firstBatchMs / 1000).toFixed(2),
        (x.applyMs / 1000).toFixed(2),
        fmtInt(applied / (x.applyMs / 1000)),
        (x.compareMs / 1000).toFixed(2),
        x.rssAt.map(([, rss]) => fmtInt(MiB(rss))).join(' / '),
        `${perUnit(x.cpu.app * 1000, r.topicEvents)} / ${perUnit(x.cpu.postgres * 1000, r.topicEvents)} µs`,
        x.report.tables.map((t) => `${t.table} ${fmtInt(t.rebuilt.rows)} rows ${t.match ? 'match' : 'DIFFER'}`).join(', '),
      ];
    }),
  );
  const lagTable = table(
    ['target commands/s', 'sent/s', 'answered (201) /s', 'errors', 'POST p50 / p99 ms', 'lag p50 ms', 'lag p99 ms', 'lag max ms', 'after the 201 p50 / p99 ms', 'not visible 60 s after the last 201', 'bar'],
    r.lag.map((lag) => {
      const barred = lag.targetRate === BARS.lagRate;
      const ok = lag.lag.p99 < BARS.lagP99Ms && lag.unseen === 0 && lag.errors === 0 && lag.acceptedRate >= 0.95 * lag.targetRate;
      return [
        fmtInt(lag.targetRate),
        fmtInt(lag.sendRate),
        fmtInt(lag.acceptedRate),
        String(lag.errors),
        `${fmtMs(lag.post.p50)} / ${fmtMs(lag.post.p99)}`,
        fmtMs(lag.lag.p50),
        fmtMs(lag.lag.p99),
        fmtMs(lag.lag.max),
        `${fmtMs(lag.afterAnswer.p50)} / ${fmtMs(lag.afterAnswer.p99)}`,
        String(lag.unseen),
        barred ? `p99 < ${BARS.lagP99Ms} ms at ${fmtInt(BARS.lagRate)}/s: ${pass(ok)}` : '—',
      ];
    }),
  );
  const lagCpu = table(
    ['target commands/s', 'ledger API + projector process', 'Postgres backends', 'Kafka', 'bench (generator + poller)', 'other', 'machine busy', 'API peak RSS so far'],
    r.lag.map((lag) => {
      const core = (ms: number): string => `${Math.round((ms / (lag.cpu.seconds * 1000)) * 100)} %`;
      return [
        fmtInt(lag.targetRate),
        core(lag.cpu.app),
        core(lag.cpu.postgres),
        core(lag.cpu.kafka),
        core(lag.cpu.loadGenerator),
        core(lag.cpu.other),
        `${Math.round(lag.cpu.machineBusy * 100)} %`,
        `${fmtInt(MiB(lag.appPeakRss))} MiB`,
      ];
    }),
  );
  const stages = table(
    ['target commands/s', 'committed, not sequenced', 'sequenced, not on Kafka', 'on Kafka, not projected (claims watermark)'],
    r.lag.map((lag) => {
      const cell = ({ mean, max }: { mean: number; max: number }): string => `${fmtInt(mean)} / ${fmtInt(max)}`;
      return [fmtInt(lag.targetRate), cell(lag.stages.sequencer), cell(lag.stages.publisher), cell(lag.stages.projector)];
    }),
  );
  const lag = r.lag[0];
  const q = r.queries;
  const queries = table(
    ['query kind', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'claims per page (mean)', 'empty', 'bar'],
    [
      ...q.kinds.map((k) => [k.kind, fmtInt(k.requests), fmtMs(k.p50), fmtMs(k.p99), fmtMs(k.max), k.meanItems.toFixed(1), String(k.empty), '—']),
      [
        '**all**',
        fmtInt(q.requests),
        fmtMs(q.overall.p50),
        fmtMs(q.overall.p99),
        fmtMs(q.overall.max),
        '',
        '',
        `p99 < ${BARS.queryP99Ms} ms: ${pass(q.overall.p99 < BARS.queryP99Ms && q.errors === 0)}`,
      ],
    ],
  );
  const c = r.claims;
  return [
    `Ledger: ${fmtInt(c.total)} claims, ${fmtInt(c.gaza)} from the Gaza list and ${fmtInt(c.vdc)} from the VDC list (every row${c.generated === 0 ? ', sampled evenly' : ''}) ` +
      `and ${fmtInt(c.generated)} generated from their name parts; ${c.refused} rows refused by the claim rules. ` +
      `Imported through \`PostgresEventStore\` in ${r.load.seconds.toFixed(1)} s (${fmtInt(r.load.events / r.load.seconds)} claims/s), ` +
      `put on the topic by the API's sequencer and publisher in ${r.publishSeconds.toFixed(1)} s: ${fmtInt(r.topicEvents)} events on the topic.`,
    '',
    '**Replay and projector catch-up**',
    '',
    main,
    '',
    `Where the replays' time went, and their memory as the rebuild went (peak RSS of the replay process from getrusage; of the projector from /proc VmHWM; ` +
      `the projector started ${r.projector.startupSeconds.toFixed(1)} s before its first batch, its \`incidents\` projection was done ${r.projector.incidentsDoneSeconds.toFixed(1)} s after spawn, ` +
      `and it cost ${perUnit(r.projector.cpu.app * 1000, r.projector.events)} µs of its own CPU and ${perUnit(r.projector.cpu.postgres * 1000, r.projector.events)} µs of Postgres per event):`,
    '',
    phases,
    '',
    `**Command → visible lag** (\`npm run start:stack\`: the API with its projector on a thread of its own): open loop, POST /claims (claims shaped like the lists') due at a fixed rate ` +
      `for ${lag.seconds} s after a warm-up, whatever the answers; lag from each command's scheduled send to the first poll at which the claims projection has applied its ClaimFiled ` +
      `(its seq at or below the watermark or in a range applied above it, which the projector writes with the rows; each claim's seq read once from \`ledger_log\`; ` +
      `a superuser poll, then a ${lag.pollEveryMs} ms sleep; a poll took ${r.lag.map((l) => fmtMs(l.pollMs)).join(' / ')} ms on average, ` +
      `so a lag is overstated by at most about the sum). "After the 201" is the part after the API answered: sequencer, publisher, Kafka and projector. ` +
      `"Answered /s" counts 201s from the first timed send to the last answer.`,
    '',
    lagTable,
    '',
    'Where commands waited after the API committed them: events at each stage, mean / max over the polls of the timed window:',
    '',
    stages,
    '',
    `After the lag runs: ${fmtInt(r.check.visible)} of the ${fmtInt(r.check.filed)} filed claims in \`claim_view\`, ` +
      (r.check.caughtUpSeconds === null ? 'the projector still behind after 180 s.' : `the claims watermark at the last seq ${r.check.caughtUpSeconds.toFixed(1)} s after the last lag run ended.`),
    '',
    'CPU during the lag runs (share of one core; warm-up and drain included):',
    '',
    lagCpu,
    '',
    `**GET /claims** on the ${fmtInt(c.total)} claims: ${fmtInt(q.requests)} requests from ${q.clients} keep-alive clients, timed client-side, after a warm-up; ` +
      `${fmtInt(q.rate)} requests/s, errors ${q.errors}${q.noNextPage ? `, ${q.noNextPage} next-page queries without a second page` : ''}; ` +
      `CPU meanwhile (share of one core): API ${share(r.queriesCpu.app, r.queriesCpu)}, Postgres ${share(r.queriesCpu.postgres, r.queriesCpu)}, ` +
      `bench ${share(r.queriesCpu.loadGenerator, r.queriesCpu)}, other processes ${share(r.queriesCpu.other, r.queriesCpu)}. Kinds: ` +
      Object.entries(QUERY_KIND_NOTES)
        .map(([kind, text]) => `${kind}: ${text}`)
        .join('; ') +
      '.',
    '',
    queries,
  ].join('\n');
}

export function exportTables(report: BenchReport): string {
  const r = report.export;
  if (!r) return 'not run';
  if (!r.measured) return `not measured: ${r.reason}`;
  const mib = (bytes: number | undefined): string => (bytes === undefined || !Number.isFinite(bytes) ? 'n/a' : `${fmtInt(MiB(bytes))} MiB`);
  const verdict = (ok: boolean, detail: string): string => (ok ? 'verified' : `FAILED: ${detail}`);
  const row = (label: string, x: ExportRound): string[] => [
    label,
    `${fmtInt(x.export.totalMs)} (API CPU ${fmtInt(x.export.apiCpuMs)})`,
    fmtInt(x.export.headersMs),
    `${(x.export.bytes / 2 ** 20).toFixed(2)} MiB`,
    fmtInt(x.export.lines),
    `${mib(x.export.rssBefore)} → ${mib(x.export.peakRss)}`,
    `${fmtInt(x.inProcess.ms)} (CPU ${fmtInt(x.inProcess.cpuMs)})`,
    `${fmtInt(x.standalone.ms)} (CPU ${fmtInt(x.standalone.cpuMs)})`,
    mib(x.standalone.peakRss),
    x.inProcess.ok && x.standalone.ok ? verdict(true, '') : verdict(false, x.inProcess.ok ? x.standalone.detail : x.inProcess.detail),
  ];
  const rounds = r.incident;
  const med = (pick: (x: ExportRound) => number): number => median(rounds.map(pick));
  const exportMed = med((x) => x.export.totalMs);
  const inMed = med((x) => x.inProcess.ms);
  const standMed = med((x) => x.standalone.ms);
  const allOk = rounds.every((x) => x.export.status === 200 && x.inProcess.ok && x.standalone.ok);
  const medianRow = [
    '**median**',
    `${fmtInt(exportMed)} (API CPU ${fmtInt(med((x) => x.export.apiCpuMs))})`,
    fmtInt(med((x) => x.export.headersMs)),
    `${(med((x) => x.export.bytes) / 2 ** 20).toFixed(2)} MiB`,
    fmtInt(med((x) => x.export.lines)),
    `→ ${mib(med((x) => x.export.peakRss))}`,
    `${fmtInt(inMed)} (CPU ${fmtInt(med((x) => x.inProcess.cpuMs))})`,
    `${fmtInt(standMed)} (CPU ${fmtInt(med((x) => x.standalone.cpuMs))})`,
    mib(med((x) => x.standalone.peakRss ?? Number.NaN)),
    allOk ? 'all verified' : 'FAILURES',
  ];
  const headers = ['export', 'export ms, request → last byte (API CPU ms)', 'headers ms', 'bundle', 'lines', 'API RSS before → peak', 'verify in process ms (CPU ms)', 'verify standalone ms, wall with Node start-up (CPU ms)', 'standalone peak RSS', 'result'];
  const main = table(headers, [...rounds.map((x, i) => row(`incident, ${fmtInt(r.claims.incident)} claims, #${i + 1}`, x)), medianRow]);
  const bars = table(
    ['bar', 'median', 'result'],
    [
      [`export of a ${fmtInt(r.claims.incident)}-claim incident < ${fmtInt(BARS.exportMs)} ms`, `${fmtInt(exportMed)} ms`, pass(allOk && exportMed < BARS.exportMs)],
      [`verify < ${fmtInt(BARS.verifyBundleMs)} ms, in process (\`verifyBundle\`)`, `${fmtInt(inMed)} ms`, pass(allOk && inMed < BARS.verifyBundleMs)],
      [`verify < ${fmtInt(BARS.verifyBundleMs)} ms, standalone verifier (wall)`, `${fmtInt(standMed)} ms`, pass(allOk && standMed < BARS.verifyBundleMs)],
    ],
  );
  const list = r.list ? table(headers, [row(`\`claims\` scope, ${fmtInt(r.claims.list)} claims (no bar)`, r.list)]) : `The \`claims\` export was not run: ${r.listSkipped ?? 'skipped'}.`;
  const events = rounds[0]?.inProcess.events ?? 0;
  const composition = (label: string, x: ExportRound | null | undefined): string[] | null => {
    const kinds = x?.export.kinds;
    if (!kinds || !x) return null;
    const order = ['bundle', 'checkpoint', 'consistency', 'event', 'source', 'disclosure', 'prov', 'summary', 'end'];
    const rank = (kind: string): number => (order.includes(kind) ? order.indexOf(kind) : order.length);
    const names = Object.keys(kinds).sort((a, b) => rank(a) - rank(b));
    return [
      label,
      ...names.map((k) => `${k}: ${fmtInt(kinds[k].lines)} lines, ${(kinds[k].bytes / 2 ** 20).toFixed(2)} MiB (${Math.round((kinds[k].bytes / x.export.bytes) * 100)} %)`),
    ];
  };
  const parts = [composition(`incident (${fmtInt(r.claims.incident)} claims)`, rounds[0]), composition(`claims (${fmtInt(r.claims.list)})`, r.list)].filter((p): p is string[] => p !== null);
  const compositionText = parts.length
    ? ['', 'What a bundle is made of (lines and bytes by kind, from the first file of each scope):', '', ...parts.map((p) => `- ${p[0]}: ${p.slice(1).join('; ')}`)].join('\n')
    : '';
  const c = r.cpu;
  const core = (ms: number): string => `${Math.round((ms / (c.seconds * 1000)) * 100)} %`;
  return [
    `Ledger: an incident recorded with POST /incidents, then ${fmtInt(r.claims.incident + r.claims.list)} claims (${r.claims.realNames ? 'victims from the real casualty lists' : 'generated victims'}; ` +
      `the incident's ${fmtInt(r.claims.incident)} spread among ${fmtInt(r.claims.list)} others) filed and verified through \`PostgresEventStore\` in ${r.load.seconds.toFixed(1)} s: ` +
      `${fmtInt(r.load.events)} events, ${r.load.eventsPerClaim.toFixed(1)} per claim; ${fmtInt(r.ledgerEvents)} events in the log; the claims projection held the incident's claims ${r.projectedSeconds.toFixed(1)} s after the load. ` +
      `An incident bundle holds ${fmtInt(events)} events. \`node verify-bundle.js --help\` alone (Node start-up and loading the verifier, env PATH only) took ${fmtInt(r.verifierStartMs)} ms.`,
    '',
    bars,
    '',
    main,
    '',
    list,
    compositionText,
    '',
    `CPU while exporting and verifying (share of one core): API ${core(c.app)}, Postgres ${core(c.postgres)}, Kafka ${core(c.kafka)}, bench (the client, the in-process verifier and the standalone verifier processes) ${core(c.loadGenerator)}, ` +
      `other processes ${core(c.other)}; machine busy ${Math.round(c.machineBusy * 100)} %.`,
  ].join('\n');
}

export function importTables(report: BenchReport): string {
  const r = report.import;
  if (!r) return 'not run';
  if (!r.measured) return `not measured: ${r.reason}`;
  const perClaim = (ms: number, claims: number): string => (claims > 0 ? (ms / claims).toFixed(3) : 'n/a');
  const main = table(
    ['file', 'rows', 'claims created', 'rejected', 'adds up', 'import s', 'claims/s', 'bar', 'wall s (process start → exit)', 'peak RSS', 'CPU ms/claim: CLI / Postgres', 're-run: s, created, already imported'],
    r.lists.map((x) => {
      const s = x.first.summary;
      const barred = x.format === 'gaza' && !x.list.includes('times over');
      return [
        `${x.list} (${(x.bytes / 2 ** 20).toFixed(1)} MiB)`,
        fmtInt(s.rowsRead),
        fmtInt(s.claimsCreated),
        fmtInt(s.rowsRejected),
        x.addsUp ? 'yes' : '**NO**',
        s.seconds.toFixed(1),
        fmtInt(s.claimsPerSecond),
        barred ? `≥ ${fmtInt(BARS.importRate)}/s: ${pass(x.addsUp && s.claimsPerSecond >= BARS.importRate)}` : '—',
        x.first.wallSeconds.toFixed(1),
        `${fmtInt(MiB(x.first.peakRss))} MiB`,
        `${perClaim(x.first.cliCpuMs, s.claimsCreated)} / ${perClaim(x.first.postgresCpuMs, s.claimsCreated)}`,
        `${x.rerun.summary.seconds.toFixed(1)} s, ${fmtInt(x.rerun.summary.claimsCreated)}, ${fmtInt(x.rerun.summary.alreadyImported)}`,
      ];
    }),
  );
  return [
    `\`npm run ledger -- import --format <gaza|vdc> --actor … --json <file>\` (the built CLI in its own process, with the Node options of \`npm run ledger\`) into a fresh scratch ledger per file, the app not running; ` +
      `batches of ${fmtInt(r.settings.batchSize)} claims (${fmtInt(2 * r.settings.batchSize)} events) per transaction, ${r.settings.concurrency} in flight. ` +
      'Every claim is two events (ClaimFiled, SourceAttached with the file\'s SHA-256). "Import s" and claims/s are the CLI\'s own timing (hashing the file, reading, mapping, filing); ' +
      'the wall time adds Node start-up and module loading. "Adds up": rows read = created + already imported + rejected, two claim events per claim, and the re-run created nothing. ' +
      'Peak RSS is the CLI\'s (VmHWM); CPU per claim is the CLI process and its Postgres backends.',
    '',
    main,
  ].join('\n');
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

/** One line that says where a section was measured, kept with the section when other runs rewrite the rest. */
function provenance(report: BenchReport, section: Section): string {
  const m = report.machine;
  const seconds = report.sectionSeconds[section];
  return (
    `_Measured on ${report.date} by \`${report.command}\`${seconds === undefined ? '' : ` (this section: ${Math.round(seconds)} s)`}; ` +
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.kernel}, Node.js ${m.node}, PostgreSQL ${m.postgres.split(' ')[0]}, Kafka ${m.kafka}; load at start ${m.loadAverage}._`
  );
}

function sectionBody(report: BenchReport, section: Section): string {
  const s = report.settings;
  switch (section) {
    case 'store':
      return [
        '### 1. Event store: appends/s, ours vs Emmett (in process, same Postgres)',
        '',
        provenance(report, section),
        '',
        `Levels (concurrency: timed appends): ${s.levels.map((l) => `${l.concurrency}: ${fmtInt(l.total)}`).join(', ')}, ` +
          `in ${s.rounds} interleaved round(s), each after its own warm-up of ${s.levels.map((l) => fmtInt(l.warmup)).join(' / ')} appends; ` +
          `pool ${s.pool} connections for every store; streams of ${s.streamLength} events.`,
        '',
        storeTables(report),
      ].join('\n');
    case 'http':
      return [
        '### 2. HTTP API: POST /claims (the API with its sequencer and publisher in a child process, and Kafka)',
        '',
        provenance(report, section),
        '',
        `${s.httpSeconds} s per level after a warm-up.`,
        '',
        httpTables(report),
      ].join('\n');
    case 'pipeline':
      return ['### 3. Sequencer + publisher: backlog drain, commit → Kafka ack', '', provenance(report, section), '', pipelineTable(report)].join('\n');
    case 'verify':
      return ['### 4. `ledger verify`', '', provenance(report, section), '', verifyTable(report)].join('\n');
    case 'read':
      return ['### 5. Read side: replay, projector catch-up, command → visible lag, GET /claims', '', provenance(report, section), '', readTables(report)].join('\n');
    case 'export':
      return ['### 6. Evidence export: POST /exports and bundle verification', '', provenance(report, section), '', exportTables(report)].join('\n');
    case 'import':
      return ['### 8. Bulk import: `ledger import` of the casualty lists', '', provenance(report, section), '', importTables(report)].join('\n');
    case 'duplicates':
      return ['### 7. Duplicate candidates: `ledger duplicates` over both lists, precision and recall on the Gaza list, GET /claims/{id}/possible-duplicates', '', provenance(report, section), '', duplicatesTables(report.duplicates)].join('\n');
  }
}

/** Each section this run measured, as the doc shows it: heading, where and when, tables, its run notes. */
export function sectionsMarkdown(report: BenchReport): Map<Section, string> {
  const out = new Map<Section, string>();
  for (const section of report.sections) {
    const notes = report.notes[section] ?? [];
    out.set(section, [sectionBody(report, section), ...(notes.length ? ['', 'Run notes:', '', ...notes.map((n) => `- ${n}`)] : [])].join('\n'));
  }
  return out;
}

/** The top of the results block: how to read it, and the machine of the latest run. */
export function headerMarkdown(report: BenchReport): string {
  return [
    'A run rewrites only the sections it measured (`BENCH_SECTIONS`) and keeps the last results of the others; each section says when and by which command it was measured.',
    '',
    `### Machine (latest run: ${report.date}, \`${report.command}\`, sections ${report.sections.join(', ')}, ${Math.round(report.totalSeconds)} s)`,
    '',
    machineTable(report),
  ].join('\n');
}

const START = '<!-- bench:results:start (generated by `npm run bench`; everything outside these markers is kept) -->';
const END = '<!-- bench:results:end -->';
const sectionStart = (section: Section): string => `<!-- bench:section ${section} -->`;
const sectionEnd = (section: Section): string => `<!-- bench:section-end ${section} -->`;

const SKELETON = `# Benchmarks

\`npm run bench\` builds the ledger, then measures on this machine, everything at once (Postgres,
Kafka, the app and the load generator share the cores). Source: \`bench/\`.

## Latest results

${START}
${END}
`;

/**
 * The sections a results block already holds. A block written before sections had their own
 * markers (one run, one header) is split at its numbered headings, and each part is given the
 * old header's date, command and machine, so nothing is lost when a later run replaces only some.
 */
export function existingSections(block: string): Map<Section, string> {
  const found = new Map<Section, string>();
  for (const section of SECTIONS) {
    const from = block.indexOf(sectionStart(section));
    const to = block.indexOf(sectionEnd(section));
    if (from >= 0 && to > from) found.set(section, block.slice(from + sectionStart(section).length, to).trim());
  }
  if (found.size > 0 || !/^### 1\. /m.test(block)) return found;
  const run = /Run on (\S+) with `([^`]+)`; the whole run took (\d+) s\./.exec(block);
  const cell = (name: string): string => new RegExp(`^\\| ${name}\\s*\\| (.*?)\\s*\\|$`, 'm').exec(block)?.[1] ?? 'unknown';
  const machine = `${cell('CPU')}, ${cell('memory')}, ${cell('kernel')}, Node.js ${cell('Node.js')}, PostgreSQL ${cell('PostgreSQL').split(' ')[0]}, Kafka ${cell('Kafka').split(' ')[0]}; load at start ${cell('load average at start \\(1/5/15 min\\)')}`;
  const provenanceLine = `_Measured on ${run?.[1] ?? 'an earlier date'} by \`${run?.[2] ?? 'npm run bench'}\` (the whole run: ${run?.[3] ?? '?'} s); ${machine}._`;
  const notes = /### Run notes\n\n([\s\S]*)$/.exec(block)?.[1].trim();
  const parts = block.split(/^(?=### )/m);
  const numbered: Array<[string, Section]> = [['### 1. ', 'store'], ['### 2. ', 'http'], ['### 3. ', 'pipeline'], ['### 4. ', 'verify'], ['### 5. ', 'read'], ['### 6. ', 'export']];
  for (const part of parts) {
    const section = numbered.find(([prefix]) => part.startsWith(prefix))?.[1];
    if (!section) continue;
    const [heading, ...rest] = part.trim().split('\n');
    // The old run notes were the whole run's (load averages after the store and HTTP sections).
    const extra = section === 'http' && notes ? ['', 'Run notes:', '', notes] : [];
    found.set(section, [heading, '', provenanceLine, ...rest, ...extra].join('\n'));
  }
  return found;
}

/**
 * Replaces only the generated block, so the hand-written analysis around it survives re-runs; inside
 * it, only the sections this run measured: the others keep their last results.
 */
export function writeBenchmarksDoc(path: string, header: string, measured: Map<Section, string>): void {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : SKELETON;
  const base = current.includes(START) && current.includes(END) ? current : `${current.trimEnd()}\n\n${SKELETON.slice(SKELETON.indexOf('## Latest'))}`;
  const before = base.slice(0, base.indexOf(START) + START.length);
  const after = base.slice(base.indexOf(END));
  const sections = existingSections(base.slice(base.indexOf(START) + START.length, base.indexOf(END)));
  for (const [section, text] of measured) sections.set(section, text);
  const blocks = SECTIONS.filter((s) => sections.has(s)).map((s) => `${sectionStart(s)}\n\n${sections.get(s) as string}\n\n${sectionEnd(s)}`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${before}\n\n${header}\n\n${blocks.join('\n\n')}\n\n${after}`);
}
