import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { FeedEvent } from './feed-event.js';
import { PROJECTIONS, type Projection } from './projection.js';

export interface FeedPosition {
  topic: string;
  partition: number;
}

/**
 * Applies feed events to every projection in one transaction per batch, together with each
 * projection's checkpoint; anything at or below a checkpoint is a redelivery and is skipped.
 */
@Injectable()
export class ProjectionRunner {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PROJECTIONS) private readonly projections: Projection[],
  ) {}

  /** Returns how many (projection, event) pairs were applied, skipping redeliveries. */
  async applyBatch(position: FeedPosition, events: FeedEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return this.dataSource.transaction(async (manager) => {
      let applied = 0;
      for (const projection of this.projections) {
        const rows: Array<{ last_seq: string }> = await manager.query(
          `SELECT last_seq FROM projection_checkpoints
           WHERE projection = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
          [projection.name, position.topic, position.partition],
        );
        let last = rows.length > 0 ? Number(rows[0].last_seq) : 0;
        const start = last;
        for (const event of events) {
          if (event.seq <= last) continue;
          if (projection.canHandle(event.type)) {
            await projection.apply(manager, event);
            applied += 1;
          }
          last = event.seq;
        }
        if (last === start) continue;
        await manager.query(
          `INSERT INTO projection_checkpoints (projection, topic, partition, last_seq, updated_at)
           VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (projection, topic, partition) DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now()`,
          [projection.name, position.topic, position.partition, last],
        );
      }
      return applied;
    });
  }
}
