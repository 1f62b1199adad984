/**
 * Where does the ledger API spend its CPU under load? Starts the real app (child process, with
 * `--cpu-prof`) on a scratch ledger, drives POST /claims, stops it and summarises the profile by
 * package and by function (self time). Not part of `npm run bench`; for investigating a gap:
 *   node --env-file=config/local.env --env-file=.local/secrets.env dist/bench/profile-http.js '{"concurrency":64,"seconds":15}'
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@ledger/config';
import { migrate } from '@ledger/database';
import { TokenVerifier } from '@ledger/http';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { startApp } from './app-process.js';
import { cpuSplitMeter, type CpuSplit } from './cpu.js';
import { httpLoad } from './http-load.js';
import { kafkaPid } from './machine.js';
import { drainRates, LedgerProbe, loadBacklog, sampleProgress } from './pipeline.js';
import { drop, recreate, scratchDatabase } from './scratch.js';
import { fmtInt, fmtMs, table } from './stats.js';

interface ProfileJob {
  /** `http` (default): drive POST /claims; `drain`: load a backlog with the app stopped, then time its drain. */
  mode?: 'http' | 'drain';
  events?: number;
  concurrency?: number;
  seconds?: number;
  withProjector?: boolean;
  top?: number;
  /**
   * Log every statement of the scratch database (ALTER DATABASE ... SET log_statement) and count
   * them per command from the server log: how many round trips each part of the app makes.
   */
  countStatements?: string;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

function category(url: string): string {
  if (url === '') return '(native / GC / idle)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = /\/dist\/(apps|libs)\/([^/]+)\//.exec(url);
  if (dist) return `ours: ${dist[1]}/${dist[2]}`;
  return url;
}

function summarise(profile: CpuProfile, top: number): string {
  const totalSamples = profile.samples.length;
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, totalSamples);
  const byNode = new Map<number, number>();
  for (const id of profile.samples) byNode.set(id, (byNode.get(id) ?? 0) + 1);
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = byNode.get(node.id) ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') {
      byCategory.set(functionName, (byCategory.get(functionName) ?? 0) + hits);
      byFunction.set(functionName, (byFunction.get(functionName) ?? 0) + hits);
      continue;
    }
    const cat = category(url);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + hits);
    const key = `${functionName || '(anonymous)'} ${cat}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  }
  const busy = totalSamples - (byCategory.get('(idle)') ?? 0);
  const rows = (map: Map<string, number>): string[][] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => [name, fmtInt(hits * msPerSample), `${((hits / Math.max(1, busy)) * 100).toFixed(1)} %`]);
  return [
    `profile: ${fmtInt(totalSamples)} samples of ${fmtMs(msPerSample)} ms; busy (not idle) ${fmtInt(busy * msPerSample)} ms`,
    '',
    table(['self time by package', 'ms', 'share of busy'], rows(byCategory)),
    '',
    table(['self time by function', 'ms', 'share of busy'], rows(byFunction)),
  ].join('\n');
}

/** Statements the scratch database logged since `from`, grouped by their first words, per command. */
function countStatements(logPath: string, from: number, database: string, commands: number): string {
  const size = statSync(logPath).size;
  const buffer = Buffer.alloc(size - from);
  const fd = openSync(logPath, 'r');
  readSync(fd, buffer, 0, buffer.length, from);
  const counts = new Map<string, number>();
  const marker = new RegExp(`@${database} LOG:  (?:statement|execute [^:]*): (.*)$`);
  for (const line of buffer.toString('utf8').split('\n')) {
    const match = marker.exec(line);
    if (!match) continue;
    const key = match[1].replace(/E?'(?:[^']|'')*'/g, "'?'").replace(/\s+/g, ' ').replace(/\$\d+/g, '?').slice(0, 90);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const rows = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 40)
    .map(([statement, n]) => [statement, fmtInt(n), (n / Math.max(1, commands)).toFixed(2)]);
  return `${fmtInt(total)} statements for ${fmtInt(commands)} commands (start-up included): ${(total / Math.max(1, commands)).toFixed(1)} per command\n\n${table(['statement', 'count', 'per command'], rows)}`;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const job = JSON.parse(process.argv[2] ?? '{}') as ProfileJob;
  const concurrency = job.concurrency ?? 64;
  const seconds = job.seconds ?? 15;
  const db = scratchDatabase('profile');
  await recreate(db);
  const stamp = Date.now().toString(36);
  const topic = `ledger.bench.profile.${stamp}`;
  const secret = randomBytes(32).toString('hex');
  const env: Record<string, string> = {
    DATABASE_URL: db.appUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    KAFKA_TOPIC: topic,
    LEDGER_ORIGIN: `bench.ledger/profile-${stamp}`,
    LEDGER_JWT_SECRET: secret,
    LEDGER_JWKS_URL: '',
    LEDGER_RATE_LIMIT: '100000000',
    LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env);
  await migrate(config);
  const logFrom = job.countStatements ? statSync(job.countStatements).size : 0;
  if (job.countStatements) {
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${db.name} SET log_statement = 'all'`);
    await admin.end();
  }
  const token = new TokenVerifier(config).mint({ sub: 'u-bench-documenter', roles: ['documenter'] }, 3600);
  const dir = mkdtempSync(join(tmpdir(), 'ledger-prof-'));
  let meter: (() => CpuSplit) | undefined;
  let commands = 0;
  const probe = await LedgerProbe.open(db, topic);
  const target = job.events ?? 50000;
  if (job.mode === 'drain') {
    const loaded = await loadBacklog(db, target, 25, 8);
    process.stdout.write(`backlog: ${fmtInt(loaded.events)} events in ${loaded.seconds.toFixed(1)} s\n`);
  }
  const sampler = job.mode === 'drain' ? sampleProgress(probe, 20) : null;
  const app = await startApp(
    env,
    (pid) => {
      if (job.mode === 'drain') meter = cpuSplitMeter(pid, kafkaPid());
    },
    { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], appArgs: job.withProjector === false ? [] : ['--with-projector'] },
  );
  try {
    if (sampler && meter) {
      while ((await probe.counters(false)).published < target) await new Promise((resolve) => setTimeout(resolve, 50));
      const cpu = (meter as () => CpuSplit)();
      const drain = drainRates(await sampler.stop(), 0, target);
      process.stdout.write(
        `drain: sequencer ${fmtInt(drain.sequencerRate)} events/s, publisher ${fmtInt(drain.publisherRate)} events/s, ` +
          `end to end ${fmtInt(drain.endToEndRate)} events/s; CPU ms per event: app ${fmtMs(cpu.app / target)}, ` +
          `Postgres ${fmtMs(cpu.postgres / target)}, Kafka ${fmtMs(cpu.kafka / target)}, other ${fmtMs(cpu.other / target)}\n\n`,
      );
    } else {
      await httpLoad(app.url, token, concurrency, 3000);
      meter = cpuSplitMeter(app.pid, kafkaPid());
      const result = await httpLoad(app.url, token, concurrency, seconds * 1000);
      const cpu = meter();
      // Every command the app took (warm-up too), as the statement log covers them all.
      await probe.waitUntilPublished(60000);
      commands = (await probe.counters()).events;
      process.stdout.write(
        `c${concurrency}: ${fmtInt(result.rate)} commands/s, p50 ${fmtMs(result.p50)} ms, p99 ${fmtMs(result.p99)} ms, errors ${result.errors}` +
          `${result.firstError ? ` (${result.firstError})` : ''}\n` +
          `CPU ms per command: app ${fmtMs(cpu.app / result.commands)}, Postgres ${fmtMs(cpu.postgres / result.commands)}, ` +
          `Kafka ${fmtMs(cpu.kafka / result.commands)}, load generator ${fmtMs(cpu.loadGenerator / result.commands)}, ` +
          `other ${fmtMs(cpu.other / result.commands)}; machine busy ${Math.round(cpu.machineBusy * 100)} %\n\n`,
      );
    }
  } finally {
    await app.stop();
    await probe.close();
    const kafka = new Kafka({ clientId: 'ledger-bench', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await drop(db);
  }
  if (job.countStatements) process.stdout.write(`${countStatements(job.countStatements, logFrom, db.name, commands)}\n\n`);
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile was written to ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  process.stdout.write(`${summarise(profile, job.top ?? 30)}\n\nprofile: ${join(dir, file)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
