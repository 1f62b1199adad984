/**
 * One event store at one concurrency, in a process of its own: `node dist/bench/store-bench.js '<job json>'`.
 * A process per run keeps the stores apart (Emmett's driver sets process-wide pg type parsers)
 * and gives each the same cold start. Prints `BENCH_TIMED_START`, then `BENCH_RESULT {...}`, then
 * waits for stdin to close (the parent meters the CPU in between) before it closes its pool.
 */
import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@ledger/config';
import { dataSourceOptions } from '@ledger/database';
import { PostgresEventStore, RandomIds, SystemClock } from '@ledger/event-store';
import type { Event } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { assertScratch } from './scratch.js';
import { reportToParent } from './proc.js';
import {
  claimPayload,
  drive,
  EVENT_TYPE_FIRST,
  EVENT_TYPE_NEXT,
  STREAM_TYPE,
  type AppendOne,
  type ClaimPayload,
} from './workload.js';

export type StoreKind = 'ours' | 'emmett' | 'emmett-read';

export interface StoreJob {
  store: StoreKind;
  url: string;
  concurrency: number;
  total: number;
  warmup: number;
  pool: number;
  streamLength: number;
}

interface StoreUnderTest {
  appendOne: AppendOne;
  close(): Promise<void>;
}

type BenchEvent = Event<typeof EVENT_TYPE_FIRST | typeof EVENT_TYPE_NEXT, ClaimPayload>;

async function ours(job: StoreJob): Promise<StoreUnderTest> {
  const config = loadConfig({
    DATABASE_URL: job.url,
    KAFKA_BROKERS: '127.0.0.1:9092',
    LEDGER_JWT_SECRET: randomUUID() + randomUUID(),
    LOG_LEVEL: 'warn',
  });
  const dataSource = new DataSource(dataSourceOptions(config, job.pool));
  await dataSource.initialize();
  const store = new PostgresEventStore(dataSource, new SystemClock(), new RandomIds());
  const actor = { id: 'u-bench-documenter', role: 'documenter' } as const;
  return {
    appendOne: async (streams, n) => {
      const { streamId, expectedVersion } = streams.next();
      const commandId = randomUUID();
      const payload = claimPayload(streamId, n);
      const body = JSON.stringify(payload);
      const outcome = await store.execute({
        context: { commandId, correlationId: commandId, causationId: commandId, actor, issuedAt: new Date() },
        // What the HTTP edge computes: a fingerprint of the request, so a retried command id must match.
        requestHash: createHash('sha256').update(body).digest('hex'),
        status: expectedVersion === 0 ? 201 : 200,
        streamIds: [streamId],
        decide: async (tx) => {
          await tx.readStream(streamId);
          const type = expectedVersion === 0 ? EVENT_TYPE_FIRST : EVENT_TYPE_NEXT;
          // The worker's expected version, checked against the locked head (If-Match semantics).
          const appended = tx.append(streamId, STREAM_TYPE, expectedVersion, [{ type, schemaVersion: 1, data: payload }]);
          return { id: streamId, version: appended.version, eventIds: appended.eventIds };
        },
      });
      streams.appended(outcome.response.version);
    },
    close: () => dataSource.destroy(),
  };
}

async function emmett(job: StoreJob, readFirst: boolean): Promise<StoreUnderTest> {
  const pool = new pg.Pool({ connectionString: job.url, max: job.pool });
  const store = getPostgreSQLEventStore(job.url, { connectionOptions: { pool } });
  await store.schema.migrate();
  return {
    appendOne: async (streams, n) => {
      const { streamId, expectedVersion } = streams.next();
      if (readFirst) {
        // Emmett's CommandHandler pattern: read (aggregate) the stream, then append at its version.
        const read = await store.readStream<BenchEvent>(streamId);
        if (read.currentStreamVersion !== BigInt(expectedVersion)) {
          throw new Error(`stream ${streamId} is at ${read.currentStreamVersion}, expected ${expectedVersion}`);
        }
      }
      const event: BenchEvent = { type: expectedVersion === 0 ? EVENT_TYPE_FIRST : EVENT_TYPE_NEXT, data: claimPayload(streamId, n) };
      const result = await store.appendToStream<BenchEvent>(streamId, [event], {
        expectedStreamVersion: BigInt(expectedVersion),
      });
      streams.appended(Number(result.nextExpectedStreamVersion));
    },
    close: async () => {
      await store.close();
      await pool.end();
    },
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as StoreJob;
  assertScratch(job.url);
  Logger.overrideLogger(['error', 'warn']);
  const subject = job.store === 'ours' ? await ours(job) : await emmett(job, job.store === 'emmett-read');
  try {
    // Warm-up: opens the pool's connections, JIT-compiles both clients, fills Postgres' caches.
    await drive(job.concurrency, job.warmup, job.streamLength, subject.appendOne);
    // The parent meters every process's CPU between these two lines, and only then lets us close
    // the pool: a Postgres backend's CPU time disappears from /proc with its connection.
    process.stdout.write('BENCH_TIMED_START\n');
    const result = await drive(job.concurrency, job.total, job.streamLength, subject.appendOne);
    await reportToParent(result);
  } finally {
    await subject.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`store bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
