import type { EntityManager } from 'typeorm';
import type { FeedEvent } from './feed-event.js';

/** One read model: the event types it cares about and how each changes its rows. */
export interface Projection {
  readonly name: string;
  canHandle(type: string): boolean;
  /** Runs inside the runner's transaction, together with the checkpoint update. */
  apply(manager: EntityManager, event: FeedEvent): Promise<void>;
}

export const PROJECTIONS = Symbol('PROJECTIONS');
