// The envelope module, not the event store's index (the publisher's thread imports this).
import { servedEnvelope } from '../../event-store/src/envelope.js';
import type { DataSource } from 'typeorm';
import type { FeedMessage } from './ledger-feed.consumer.js';

/** The sequenced log from `after` on, in seq order, each event as the feed carries it. */
export async function readSequencedLog(dataSource: DataSource, after: number, limit: number): Promise<FeedMessage[]> {
  const rows = (await dataSource.query(
    `SELECT l.seq, e.stream_id, e.type, e.canonical, e.hash
     FROM ledger_log l JOIN ledger_events e ON e.event_id = l.event_id
     WHERE l.seq > $1 ORDER BY l.seq LIMIT $2`,
    [after, limit],
  )) as Array<{ seq: string; stream_id: string; type: string; canonical: string; hash: string }>;
  return rows.map((row) => ({
    seq: Number(row.seq),
    type: row.type,
    streamId: row.stream_id,
    value: servedEnvelope({ canonical: row.canonical, hash: row.hash, seq: Number(row.seq) }),
  }));
}
