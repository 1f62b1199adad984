import { startApp } from './app-process.js';
import { benchClaims, dataDirectory, readCasualtyLists, syntheticClaims } from './casualty-data.js';
import { importClaims } from './claim-import.js';
import { queryMix, runQueries, type QueryResult } from './claim-queries.js';
import { cpuSplitMeter, type CpuSplit } from './cpu.js';
import { describeInterference, watchInterference } from './interference.js';
import { cleanUpKafka, prepareLedger } from './ledger.js';
import { kafkaPid } from './machine.js';
import { memoryOf } from './memory.js';
import { LedgerProbe } from './pipeline.js';
import { checkReadModel, projectorBacklog, type ProjectorBacklogRun, type ReadModelCheck } from './projector-backlog.js';
import { runReplay, type ReplayRun } from './replay-run.js';
import { say } from './say.js';
import { analyzeIfNoAutovacuum, drop } from './scratch.js';
import { fmtInt, fmtMs } from './stats.js';
import { visibilityLag, type LagResult } from './visibility-lag.js';

export interface ReadSettings {
  claims: number;
  /** Claims per import command, and import commands in flight. */
  perCommand: number;
  importConcurrency: number;
  queries: number;
  queryWarmup: number;
  queryClients: number;
  /** Open-loop rates, the bar's first; a lower one shows the lag when the API is not the queue. */
  lagRates: number[];
  lagWarmupSeconds: number;
  lagSeconds: number;
  pollEveryMs: number;
}

export interface ReadRun {
  measured: true;
  claims: { total: number; gaza: number; vdc: number; generated: number; refused: number };
  load: { events: number; seconds: number };
  /** Sequencer and publisher putting the whole import on the topic (the API without the projector). */
  publishSeconds: number;
  /** Events on the topic: the imported claims and what migrations recorded (the perpetrator list). */
  topicEvents: number;
  projector: ProjectorBacklogRun;
  replays: ReplayRun[];
  queries: QueryResult;
  /** Who used the CPU while the queries ran. */
  queriesCpu: CpuSplit;
  lag: LagRun[];
  /** Every filed claim in claim_view once the projector caught up after the lag runs. */
  check: ReadModelCheck;
  notes: string[];
}

export interface LagRun extends LagResult {
  cpu: CpuSplit;
  /** Peak resident set of the API process (with its projector) so far, bytes. */
  appPeakRss: number;
}

export type ReadResult = { measured: false; reason: string } | ReadRun;

/**
 * The read side on a ledger of real casualty claims, in the order a deployment meets it: an import
 * put on the topic, the projector catching up on it in its own process, replays rebuilding each
 * projection from the start of the topic, then `npm run start:stack` (the API with its projector on a thread of its own)
 * answering GET /claims on that ledger, and last the lag from a command to its visible claim at
 * steady open-loop rates (which adds claims, so it runs after the searches). Ends by checking that
 * every filed claim reached claim_view.
 */
export async function readSection(stamp: string, settings: ReadSettings): Promise<ReadResult> {
  const data = dataDirectory();
  if ('missing' in data) {
    say(`read side: not measured: ${data.missing}`);
    return { measured: false, reason: data.missing };
  }
  const real = readCasualtyLists(data.dir);
  const claims = benchClaims(real, settings.claims);
  // Every real row, or an even sample of both lists when fewer claims are wanted (a quick run).
  const realCount = real.gaza.length + real.vdc.length;
  const sampled = Math.min(claims.length, realCount);
  const gaza = Math.round((sampled * real.gaza.length) / realCount);
  const counts = { total: claims.length, gaza, vdc: sampled - gaza, generated: claims.length - sampled, refused: real.refused };
  say(
    `read side: ${fmtInt(counts.total)} claims (${fmtInt(counts.gaza)} Gaza + ${fmtInt(counts.vdc)} VDC rows, ${fmtInt(counts.generated)} generated; ` +
      `${real.refused} rows refused by the claim rules) from ${data.dir}`,
  );
  const notes: string[] = [];
  // CPU of processes that are none of ours (another user's builds and tests on the same cores).
  const contended = (what: string, cpu: CpuSplit): void => {
    const share = cpu.other / (cpu.seconds * 1000);
    if (share < 0.5) return;
    const text = `${what}: processes outside the bench (neither the ledger, its Postgres backends, Kafka nor the load generator) used ${Math.round(share * 100)} % of a core; its numbers are a shared machine's.`;
    notes.push(text);
    say(`  ${text}`);
  };
  const ledger = await prepareLedger(stamp, 'read');
  try {
    const load = await importClaims(ledger.db, claims, settings.perCommand, settings.importConcurrency);
    say(`  imported ${fmtInt(load.events)} ClaimFiled events in ${load.seconds.toFixed(1)} s; the API (sequencer + publisher) puts them on the topic`);

    const probe = await LedgerProbe.open(ledger.db, ledger.topic);
    let topicEvents: number;
    let publishSeconds: number;
    try {
      const api = await startApp(ledger.appEnv, undefined, { appArgs: [] });
      try {
        publishSeconds = (await probe.waitUntilPublished(600000)).ms / 1000;
      } finally {
        await api.stop();
      }
      topicEvents = (await probe.counters(false)).sequenced;
    } finally {
      await probe.close();
    }
    say(`  ${fmtInt(topicEvents)} events on the topic after ${publishSeconds.toFixed(1)} s; starting the projector app on that backlog`);

    const watch = await watchInterference();
    const projector = await projectorBacklog(ledger, topicEvents);
    say(
      `  projector app: ${fmtInt(projector.rate)} events/s (${fmtInt(projector.events)} in ${projector.applySeconds.toFixed(1)} s after ${projector.startupSeconds.toFixed(1)} s of start-up), ` +
        `peak RSS ${fmtInt(projector.peakRss / 2 ** 20)} MiB`,
    );
    contended('projector catch-up', projector.cpu);

    if (await analyzeIfNoAutovacuum(ledger.db, ['claim_view', 'claim_facts', 'incident_view'])) {
      const text = 'autovacuum is off on this server: the bench ran VACUUM (ANALYZE) on claim_view, claim_facts and incident_view once the projector had caught up, as autovacuum would have by then.';
      notes.push(text);
      say(`  ${text}`);
    }

    const replays: ReplayRun[] = [];
    for (const projection of ['claims', 'incidents']) {
      const run = await runReplay(ledger.appEnv, { projection, messages: topicEvents });
      replays.push(run);
      say(
        `  replay ${projection}: ${fmtInt(run.report.eventsPerSecond)} events/s (replayer's report: ${fmtInt(topicEvents)} messages, ${fmtInt(run.report.events)} applied, ` +
          `${run.report.matched ? 'matched' : 'DIFFERENT'}), peak RSS ${fmtInt(run.peakRss / 2 ** 20)} MiB`,
      );
      contended(`replay of ${projection}`, run.cpu);
    }
    const interference = describeInterference('read side, projector and replays', await watch.stop());
    if (interference) notes.push(interference);

    say('  starting the API with its projector (npm run start:stack) for GET /claims and the lag');
    const app = await startApp(ledger.appEnv);
    try {
      await runQueries(app.url, ledger.token, queryMix(claims, settings.queryWarmup, 1), settings.queryClients);
      const queryMeter = cpuSplitMeter(app.pid, kafkaPid());
      const queries = await runQueries(app.url, ledger.token, queryMix(claims, settings.queries, 2), settings.queryClients);
      const queriesCpu = queryMeter();
      contended('GET /claims', queriesCpu);
      say(
        `  GET /claims: ${fmtInt(queries.requests)} requests from ${queries.clients} clients, p50 ${fmtMs(queries.overall.p50)} ms, p99 ${fmtMs(queries.overall.p99)} ms, ` +
          `errors ${queries.errors}${queries.firstError ? ` (${queries.firstError})` : ''}`,
      );
      for (const k of queries.kinds) say(`    ${k.kind.padEnd(18)} ${String(k.requests).padStart(5)}  p50 ${fmtMs(k.p50)} ms  p99 ${fmtMs(k.p99)} ms  max ${fmtMs(k.max)} ms`);
      for (const s of queries.slowest) say(`    slow: ${fmtMs(s.ms)} ms ${s.kind} ${new URLSearchParams(s.params).toString()} (${s.items} claims)`);

      const lags: LagRun[] = [];
      for (const [i, rate] of settings.lagRates.entries()) {
        const watchLag = await watchInterference();
        const meter = cpuSplitMeter(app.pid, kafkaPid());
        const lag = await visibilityLag(app.url, ledger.token, ledger.db.adminUrl, syntheticClaims(real, 5000, 3 + i), {
          rate,
          warmupMs: settings.lagWarmupSeconds * 1000,
          measureMs: settings.lagSeconds * 1000,
          pollEveryMs: settings.pollEveryMs,
          topic: ledger.topic,
        });
        const cpu = meter();
        lags.push({ ...lag, cpu, appPeakRss: memoryOf(app.pid)?.peak ?? Number.NaN });
        contended(`command → visible lag at ${rate}/s`, cpu);
        const lagInterference = describeInterference(`read side, command → visible lag at ${rate}/s`, await watchLag.stop());
        if (lagInterference) notes.push(lagInterference);
        say(
          `  lag at ${fmtInt(rate)}/s: ${fmtInt(lag.acceptedRate)} commands/s answered, lag p50 ${fmtMs(lag.lag.p50)} ms, p99 ${fmtMs(lag.lag.p99)} ms, max ${fmtMs(lag.lag.max)} ms ` +
            `(after the 201: p50 ${fmtMs(lag.afterAnswer.p50)}, p99 ${fmtMs(lag.afterAnswer.p99)} ms); POST p99 ${fmtMs(lag.post.p99)} ms; ` +
            `errors ${lag.errors}${lag.firstError ? ` (${lag.firstError})` : ''}, never visible ${lag.unseen}`,
        );
      }
      const check = await checkReadModel(ledger, 180000);
      say(
        `  read model after the runs: ${fmtInt(check.visible)} of ${fmtInt(check.filed)} filed claims in claim_view` +
          (check.caughtUpSeconds === null ? ', the projector still behind after 180 s' : `, caught up ${check.caughtUpSeconds.toFixed(1)} s after the last lag run`),
      );
      return { measured: true, claims: counts, load, publishSeconds, topicEvents, projector, replays, queries, queriesCpu, lag: lags, check, notes };
    } finally {
      await app.stop();
    }
  } finally {
    if (process.env.BENCH_KEEP !== '1') {
      await cleanUpKafka(ledger.topic).catch((error: unknown) => say(`could not delete topic ${ledger.topic}: ${String(error)}`));
      await drop(ledger.db);
    }
  }
}
