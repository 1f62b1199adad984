import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { FeedEvent } from './feed-event.js';
import { SHADOW_SCHEMA } from './migrations/1764144000000-read-side.js';
import { advanceWatermark, type Watermark } from './progress/watermark.js';
import type { Projection } from './projection.js';

export interface FeedPosition {
  topic: string;
  partition: number;
}

/** Where a projection's tables live: the live ones, or the shadow copies a replay builds. */
export type ProjectionTarget = 'live' | 'shadow';

/**
 * Applies one partition's batch to one projection in one transaction, together with its
 * checkpoint for that partition and its watermark; anything at or below the checkpoint is a
 * redelivery and is skipped, so a restart or a rebalance changes nothing twice.
 */
@Injectable()
export class ProjectionRunner {
  constructor(private readonly dataSource: DataSource) {}

  /** Returns how many events the projection applied (redeliveries and other types not counted). */
  async applyBatch(projection: Projection, position: FeedPosition, events: FeedEvent[], target: ProjectionTarget = 'live'): Promise<number> {
    if (events.length === 0) return 0;
    return this.dataSource.transaction(async (manager) => {
      // A rebuild can always be run again: it need not wait for its commits to reach the disk.
      if (target === 'shadow') await manager.query(`SET LOCAL search_path TO ${SHADOW_SCHEMA}, public; SET LOCAL synchronous_commit TO off`);
      const rows: Array<{ last_seq: string }> = await manager.query(
        `SELECT last_seq FROM projection_checkpoints
         WHERE projection = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
        [projection.name, position.topic, position.partition],
      );
      const last = rows.length > 0 ? Number(rows[0].last_seq) : 0;
      const fresh = events.filter((event) => event.seq > last);
      if (fresh.length === 0) return 0;
      const handled = fresh.filter((event) => projection.canHandle(event.type));
      if (handled.length > 0) await projection.applyBatch(manager, handled);
      await this.advance(manager, projection.name, position, fresh.map((event) => event.seq));
      return handled.length;
    });
  }

  /**
   * Records the partition's checkpoint and moves the projection's watermark, in two statements
   * (a live batch of one event is otherwise mostly bookkeeping): the checkpoint's upsert rides
   * along with a no-op upsert of the progress row that locks it (two partitions' batches commit
   * concurrently) and returns it as the last commit left it; then the new watermark is written.
   */
  private async advance(manager: EntityManager, projection: string, position: FeedPosition, seqs: number[]): Promise<void> {
    const rows: Array<{ watermark: string; pending: Watermark['pending'] }> = await manager.query(
      `WITH checkpoint AS (
         INSERT INTO projection_checkpoints (projection, topic, partition, last_seq, updated_at)
         VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (projection, topic, partition) DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now()
       )
       INSERT INTO projection_progress (projection, watermark, pending) VALUES ($1, 0, '[]')
       ON CONFLICT (projection) DO UPDATE SET projection = EXCLUDED.projection
       RETURNING watermark, pending`,
      [projection, position.topic, position.partition, seqs[seqs.length - 1]],
    );
    const next = advanceWatermark({ seq: Number(rows[0].watermark), pending: rows[0].pending }, seqs);
    await manager.query(`UPDATE projection_progress SET watermark = $2, pending = $3::jsonb WHERE projection = $1`, [projection, next.seq, JSON.stringify(next.pending)]);
  }
}

/** The seq up to which a projection reflects the whole ledger (0 before it applied anything). */
export async function projectionWatermark(manager: Pick<EntityManager, 'query'>, projection: string): Promise<number> {
  const rows: Array<{ watermark: string }> = await manager.query(`SELECT watermark FROM projection_progress WHERE projection = $1`, [projection]);
  return rows.length > 0 ? Number(rows[0].watermark) : 0;
}
