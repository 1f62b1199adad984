import type { HashedEnvelope } from '@ledger/event-store';

/** An envelope as it arrives on the feed: sequenced. */
export interface FeedEvent extends HashedEnvelope {
  seq: number;
  hash: string;
}
