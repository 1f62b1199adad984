import { FeedStoppedError } from '@ledger/messaging';
import type { EntityManager } from 'typeorm';
import type { FeedEvent } from './feed-event.js';

/** One read model: the event types it cares about, how a batch of them changes its rows, and its tables. */
export interface Projection {
  readonly name: string;
  /** Raised when its tables are rebuilt from scratch by a migration: a new consumer group then reads the topic from the start. */
  readonly version: number;
  /** The tables it alone writes: a replay rebuilds and compares exactly these. */
  readonly tables: readonly string[];
  canHandle(type: string): boolean;
  /** Runs inside the runner's transaction, together with the checkpoint update; events in feed order. */
  applyBatch(manager: EntityManager, events: FeedEvent[]): Promise<void>;
}

export const PROJECTIONS = Symbol('PROJECTIONS');

/**
 * An event a projection cannot apply: a bug or a foreign event, never something to skip. The
 * projection stops there, and /health and the log name the seq until someone fixes it.
 */
export class UnappliableEventError extends FeedStoppedError {
  override readonly name = 'UnappliableEventError';
  readonly seq: number;

  constructor(projection: string, event: Pick<FeedEvent, 'seq' | 'type' | 'streamId' | 'version'>, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`projection ${projection} cannot apply seq ${event.seq} (${event.type}, ${event.streamId} version ${event.version}): ${why}`);
    this.seq = event.seq;
  }
}
