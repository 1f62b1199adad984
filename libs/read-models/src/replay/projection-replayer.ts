import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { LedgerConfig } from '@ledger/config';
import type { ProjectionReplayed, ReplayedTable } from '@ledger/domain';
import { Doorbell } from '@ledger/event-store';
import { createKafka, LEDGER_LOG_TOPIC, type FeedMessage } from '@ledger/messaging';
import { DataSource, type EntityManager } from 'typeorm';
import { SHADOW_SCHEMA } from '../migrations/1764144000000-read-side.js';
import { PROJECTIONS, type Projection } from '../projection.js';
import { ProjectionRunner } from '../projection-runner.js';
import { feedEvents } from '../projector.service.js';
import { KafkaReplayFeed, LogReplayFeed, type ReplayProgress, type ReplaySource } from './replay-feeds.js';

export interface ReplayOptions {
  /** Given by a caller that announced the replay before it ran (the HTTP route). */
  replayId?: string;
  /** Replace the live tables with the rebuilt ones (only once both reflect the same events). */
  swap: boolean;
  /** How long to wait for the live projection and the rebuild to reach the same point. */
  settleTimeoutMs?: number;
  onProgress?: (progress: ReplayProgress) => void;
}

/** What the ledger records of a replay (ProjectionReplayed, without who asked), and its rate. */
export type ReplayReport = Omit<ProjectionReplayed['data'], 'requestedBy'> & { eventsPerSecond: number };

export class UnknownProjectionError extends Error {
  readonly code = 'PROJECTION.NOT_FOUND';
  readonly status = 404;
}

export class ReplayBusyError extends Error {
  readonly code = 'PROJECTION.REPLAY_RUNNING';
  readonly status = 409;
}

export class ReplayUnsettledError extends Error {
  readonly code = 'PROJECTION.REPLAY_UNSETTLED';
  readonly status = 503;
}

/** Replays of one projection never overlap: they share its shadow tables. */
const REPLAY_LOCK_SPACE = 7_351_001;

/**
 * Rebuilds a projection from the start of the Kafka topic into the shadow schema while the live
 * one keeps serving, then compares the two table by table (row count and SHA-256 over the rows)
 * at a moment both reflect exactly the same events, and swaps them only when asked.
 */
@Injectable()
export class ProjectionReplayer {
  private readonly logger = new Logger(ProjectionReplayer.name);
  /** Replays running in this process: the advisory lock guards across processes (embedded PGlite, one session, grants it always). */
  private readonly running = new Set<string>();

  constructor(
    private readonly config: LedgerConfig,
    private readonly dataSource: DataSource,
    private readonly runner: ProjectionRunner,
    @Inject(PROJECTIONS) private readonly projections: Projection[],
  ) {}

  get names(): string[] {
    return this.projections.map((p) => p.name);
  }

  async replay(name: string, options: ReplayOptions): Promise<ReplayReport> {
    const projection = this.projections.find((p) => p.name === name);
    if (!projection) throw new UnknownProjectionError(`no projection is called "${name}"; there are ${this.names.join(', ')}`);
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      const [{ locked }] = (await lock.query(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked`, [REPLAY_LOCK_SPACE, name])) as Array<{ locked: boolean }>;
      if (!locked || this.running.has(name)) throw new ReplayBusyError(`a replay of ${name} is already running`);
      this.running.add(name);
      try {
        return await this.replayLocked(projection, options, options.replayId ?? randomUUID());
      } finally {
        this.running.delete(name);
        await lock.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [REPLAY_LOCK_SPACE, name]);
      }
    } finally {
      await lock.release();
    }
  }

  private async replayLocked(projection: Projection, options: ReplayOptions, replayId: string): Promise<ReplayReport> {
    const startedAt = new Date();
    const topic = this.config.KAFKA_TOPIC;
    await this.resetShadow(projection);
    const feedTopic = this.config.usesKafka ? topic : LEDGER_LOG_TOPIC;
    const apply = (partition: number, messages: FeedMessage[]): Promise<number> =>
      this.runner.applyBatch(projection, { topic: feedTopic, partition }, feedEvents(projection, messages), 'shadow');
    const feed: ReplaySource = this.config.usesKafka
      ? new KafkaReplayFeed(createKafka(this.config, `ledger-replay.${projection.name}`), topic, this.config.LEDGER_ORIGIN, `ledger-replay.${projection.name}.${replayId}`, apply)
      : new LogReplayFeed(this.dataSource, projection.name, apply);
    try {
      const ends = await feed.start();
      this.logger.log(`replay ${replayId} of ${projection.name}: rebuilding from ${feedTopic} (${[...ends.values()].reduce((a, b) => a + b, 0)} events)`);
      await feed.caughtUpTo(ends, options.onProgress);
      const settled = await this.settle(projection, feed, options.settleTimeoutMs ?? 30_000);
      let swapped = false;
      if (options.swap) swapped = await this.swap(projection, settled.checkpoints);
      const finishedAt = new Date();
      const seconds = Math.max((finishedAt.getTime() - startedAt.getTime()) / 1000, 1e-3);
      return {
        replayId,
        projection: projection.name,
        ...settled,
        events: feed.applied,
        matched: settled.tables.every((t) => t.match),
        swapped,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        eventsPerSecond: Math.round(feed.messages / seconds),
      };
    } finally {
      await feed.stop();
    }
  }

  private async resetShadow(projection: Projection): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Emptied to the last page: a rebuild appends to empty unlogged tables.
      await manager.query(`TRUNCATE ${projection.tables.map((table) => `${SHADOW_SCHEMA}.${table}`).join(', ')}`);
      await manager.query(`DELETE FROM ${SHADOW_SCHEMA}.projection_checkpoints WHERE projection = $1`, [projection.name]);
      await manager.query(`DELETE FROM ${SHADOW_SCHEMA}.projection_progress WHERE projection = $1`, [projection.name]);
    });
  }

  /**
   * Brings the rebuild and the live projection to the same checkpoints (the feed keeps moving),
   * then compares them in one snapshot. The rebuild pauses while it is level with the live one.
   */
  private async settle(projection: Projection, feed: ReplaySource, timeoutMs: number): Promise<Pick<ReplayReport, 'checkpoints' | 'watermark' | 'tables'>> {
    const doorbell = new Doorbell();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      feed.assertHealthy();
      const outcome = await this.dataSource.transaction('REPEATABLE READ', async (manager) => {
        const live = await checkpoints(manager, 'public', projection.name);
        const rebuilt = await checkpoints(manager, SHADOW_SCHEMA, projection.name);
        if (sameCheckpoints(live, rebuilt)) {
          return { checkpoints: live, watermark: await watermark(manager, 'public', projection.name), tables: await compareTables(manager, projection, this.dataSource) };
        }
        // The rebuild runs while it is behind the live projection anywhere, and waits while ahead.
        const behind = [...live].some(([partition, seq]) => (rebuilt.get(partition) ?? 0) < seq);
        if (behind) feed.resume();
        else feed.pause();
        return null;
      });
      if (outcome) {
        feed.pause();
        return { ...outcome, checkpoints: [...outcome.checkpoints].map(([partition, seq]) => ({ partition, seq })).sort((a, b) => a.partition - b.partition) };
      }
      if (Date.now() > deadline) {
        throw new ReplayUnsettledError(`the live ${projection.name} projection and its rebuild did not reach the same point within ${timeoutMs} ms (is the projector running?)`);
      }
      await doorbell.wait(50);
    }
  }

  /** Replaces the live rows with the rebuilt ones while the live projection is held still. */
  private async swap(projection: Projection, expected: Array<{ partition: number; seq: number }>): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT 1 FROM projection_checkpoints WHERE projection = $1 FOR UPDATE`, [projection.name]);
      await manager.query(`SELECT 1 FROM projection_progress WHERE projection = $1 FOR UPDATE`, [projection.name]);
      const live = await checkpoints(manager, 'public', projection.name);
      const still = expected.every(({ partition, seq }) => live.get(partition) === seq) && live.size === expected.length;
      if (!still) throw new ReplayUnsettledError(`the live ${projection.name} projection moved on before the swap; replay again`);
      for (const table of projection.tables) {
        await manager.query(`DELETE FROM public.${table}`);
        await manager.query(`INSERT INTO public.${table} SELECT * FROM ${SHADOW_SCHEMA}.${table}`);
      }
      await manager.query(
        `UPDATE public.projection_progress p SET watermark = s.watermark, pending = s.pending
         FROM ${SHADOW_SCHEMA}.projection_progress s WHERE p.projection = $1 AND s.projection = $1`,
        [projection.name],
      );
      this.logger.log(`swapped the rebuilt ${projection.name} tables in`);
      return true;
    });
  }
}

async function checkpoints(manager: EntityManager, schema: string, projection: string): Promise<Map<number, number>> {
  const rows: Array<{ partition: number; last_seq: string }> = await manager.query(
    `SELECT partition, last_seq FROM ${schema}.projection_checkpoints WHERE projection = $1`,
    [projection],
  );
  return new Map(rows.map((row) => [row.partition, Number(row.last_seq)]));
}

function sameCheckpoints(a: Map<number, number>, b: Map<number, number>): boolean {
  return a.size === b.size && [...a].every(([partition, seq]) => b.get(partition) === seq);
}

async function watermark(manager: EntityManager, schema: string, projection: string): Promise<number> {
  const rows: Array<{ watermark: string }> = await manager.query(`SELECT watermark FROM ${schema}.projection_progress WHERE projection = $1`, [projection]);
  return rows.length > 0 ? Number(rows[0].watermark) : 0;
}

/**
 * Row count and SHA-256 over the rows' text, in a fixed order: equal tables give equal digests.
 * Each digest is one backend's CPU (about 0.6 s for 100,000 claims), so on PostgreSQL a second
 * connection shares the work in the same snapshot (exported by the caller's REPEATABLE READ
 * transaction); embedded PGlite is one session and computes them in turn.
 */
async function compareTables(manager: EntityManager, projection: Projection, dataSource: DataSource): Promise<ReplayedTable[]> {
  type Digest = { rows: number; sha256: string };
  const digest = async (on: Pick<EntityManager, 'query'>, schema: string, table: string): Promise<Digest> => {
    const [row]: Array<{ rows: string; sha256: string }> = await on.query(
      `SELECT count(*) AS rows,
              encode(sha256(convert_to(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), ''), 'UTF8')), 'hex') AS sha256
       FROM ${schema}.${table} t`,
    );
    return { rows: Number(row.rows), sha256: row.sha256 };
  };
  const jobs = projection.tables.flatMap((table) => ['public', SHADOW_SCHEMA].map((schema) => ({ schema, table })));
  const results = new Map<string, Digest>();
  const work = async (on: Pick<EntityManager, 'query'>): Promise<void> => {
    for (let job = jobs.shift(); job; job = jobs.shift()) results.set(`${job.schema}.${job.table}`, await digest(on, job.schema, job.table));
  };
  const [{ version }]: Array<{ version: string }> = await manager.query(`SELECT version()`);
  if (version.includes('PGlite') || jobs.length < 2) {
    await work(manager);
  } else {
    const [{ id }]: Array<{ id: string }> = await manager.query(`SELECT pg_export_snapshot() AS id`);
    const helper = dataSource.createQueryRunner();
    await helper.connect();
    try {
      await helper.query(`START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
      await helper.query(`SET TRANSACTION SNAPSHOT '${id.replace(/'/g, "''")}'`);
      await Promise.all([work(manager), work(helper)]);
    } finally {
      await helper.query(`ROLLBACK`).catch(() => undefined);
      await helper.release();
    }
  }
  return projection.tables.map((table) => {
    const live = results.get(`public.${table}`) as Digest;
    const rebuilt = results.get(`${SHADOW_SCHEMA}.${table}`) as Digest;
    return { table, live, rebuilt, match: live.rows === rebuilt.rows && live.sha256 === rebuilt.sha256 };
  });
}
