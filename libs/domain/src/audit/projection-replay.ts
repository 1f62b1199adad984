import type { Actor } from '../shared/actor.js';

/** One read-model table compared after a replay: the live one against the one rebuilt from the feed. */
export interface ReplayedTable {
  table: string;
  live: { rows: number; sha256: string };
  rebuilt: { rows: number; sha256: string };
  match: boolean;
}

/**
 * An auditor rebuilt a projection from the start of the feed and compared it with the live one.
 * Recorded in the ledger like any command: who, which projection, up to which seq, what matched,
 * and whether the rebuilt tables replaced the live ones.
 */
export interface ProjectionReplayed {
  type: 'ProjectionReplayed';
  schemaVersion: 1;
  data: {
    replayId: string;
    projection: string;
    requestedBy: Actor;
    /** Both the live and the rebuilt tables reflected exactly the feed up to here, per partition. */
    checkpoints: Array<{ partition: number; seq: number }>;
    watermark: number;
    events: number;
    tables: ReplayedTable[];
    matched: boolean;
    swapped: boolean;
    startedAt: string;
    finishedAt: string;
  };
}

export const REPLAY_STREAM_TYPE = 'replay';
export const replayStreamId = (replayId: string): string => `replay-${replayId}`;
