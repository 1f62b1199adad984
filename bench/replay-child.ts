/**
 * One projection replay in a process of its own: `node dist/bench/replay-child.js '<job json>'`
 * with the ledger's environment. It builds ProjectionReplayer exactly as `ledger replay` does (the
 * CLI adds only the ReplayRecorded event) and prints `BENCH_RESULT {...}`: the replayer's report,
 * when the rebuild applied its first and its last event, and the process's resident memory as the
 * rebuild went, so the parent can tell the replay's cost from the group join and the comparison;
 * then it waits for stdin to close (the parent meters the CPU in between) before it closes its pool.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@ledger/config';
import { dataSourceOptions } from '@ledger/database';
import { projectionsWith, ProjectionReplayer, ProjectionRunner, type ReplayReport } from '@ledger/read-models';
import { DataKeyVault } from '@ledger/protection';
import { DataSource } from 'typeorm';
import { reportToParent } from './proc.js';

export interface ReplayJob {
  projection: string;
  /** Messages on the topic, to sample memory at fixed fractions of the rebuild. */
  messages: number;
}

export interface ReplayChildResult {
  report: ReplayReport;
  /** ms from the replay call to the first batch applied (group join, first fetch). */
  firstBatchMs: number;
  /** ms from the first batch applied to the last message of the topic applied. */
  applyMs: number;
  /** Messages read once the first batch was applied (subtracted from the apply-window rate). */
  firstBatchMessages: number;
  /** ms from the last message applied to the report (settle with the live projection, compare). */
  compareMs: number;
  /** [share of the messages applied, resident bytes] as the rebuild went. */
  rssAt: Array<[number, number]>;
  /** Peak resident set of this process (getrusage ru_maxrss), bytes. */
  peakRss: number;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const job = JSON.parse(process.argv[2] ?? '{}') as ReplayJob;
  const config = loadConfig();
  // The CLI's pool size, so the replay runs as `npm run ledger -- replay` does.
  const dataSource = new DataSource(dataSourceOptions(config, 4));
  await dataSource.initialize();
  try {
    const replayer = new ProjectionReplayer(config, dataSource, new ProjectionRunner(dataSource), projectionsWith(new DataKeyVault(dataSource, config)));
    const started = performance.now();
    let first: { ms: number; messages: number } | null = null;
    let caughtUp: number | null = null;
    const marks = [0.25, 0.5, 0.75, 1];
    const rssAt: Array<[number, number]> = [];
    const report = await replayer.replay(job.projection, {
      swap: false,
      onProgress: ({ events, partitionsDone, partitions }) => {
        const now = performance.now();
        if (events > 0 && first === null) first = { ms: now - started, messages: events };
        while (marks.length > 0 && events >= marks[0] * job.messages) rssAt.push([marks.shift() as number, process.memoryUsage().rss]);
        if (partitionsDone === partitions && caughtUp === null) caughtUp = now - started;
      },
    });
    const total = performance.now() - started;
    const f = first ?? { ms: Number.NaN, messages: 0 };
    const done = caughtUp ?? total;
    const result: ReplayChildResult = {
      report,
      firstBatchMs: f.ms,
      applyMs: done - f.ms,
      firstBatchMessages: f.messages,
      compareMs: total - done,
      rssAt,
      peakRss: process.resourceUsage().maxRSS * 1024,
    };
    await reportToParent(result);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`replay failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
