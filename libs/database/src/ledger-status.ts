import type { EntityManager } from 'typeorm';

/** Unsequenced events are counted up to this many: enough to alarm, cheap to count. */
export const UNSEQUENCED_COUNT_CAP = 100000;

/** Where the ledger stands, as its tables say, in one consistent read. */
export interface LedgerStatus {
  /** The last sequenced seq: the Merkle tree's size. */
  headSeq: number;
  /** Committed events the sequencer has not given a seq yet (at most UNSEQUENCED_COUNT_CAP). */
  unsequenced: number;
  /** Age of the oldest of them, 0 when there is none. */
  unsequencedAgeSeconds: number;
  /** Sequencing stopped on an event out of order (SEQUENCER.md: an alarm, never skipped). */
  halted: boolean;
  /** The newest signed checkpoint, null before the first. */
  checkpoint: { size: number; ageSeconds: number } | null;
  /** Each projection's watermark: every seq up to it is applied (0 before its first batch). */
  watermarks: Record<string, number>;
  /** How far the Kafka publisher got on `topic`, null when it never published there. */
  publishedSeq: number | null;
}

interface StatusRow {
  head: string;
  halted: boolean;
  unsequenced: number;
  unsequenced_age: number | null;
  checkpoint_size: string | null;
  checkpoint_age: number | null;
  published: string | null;
  watermarks: Record<string, string | number> | string;
}

/**
 * One statement: sequencer state, the unsequenced backlog (the gap SEQUENCER.md "Things that
 * bite" asks to watch), the newest checkpoint, projection watermarks, the publisher's position.
 * Every part is an index lookup or a bounded index scan.
 */
export async function readLedgerStatus(manager: Pick<EntityManager, 'query'>, topic: string): Promise<LedgerStatus> {
  const rows = (await manager.query(
    `SELECT s.last_seq::text AS head,
            s.halted_reason IS NOT NULL AS halted,
            (SELECT count(*)::int FROM (
               SELECT 1 FROM ledger_events e WHERE (e.tx_id, e.id) > (s.last_tx_id, s.last_event_row) LIMIT $2) pending) AS unsequenced,
            (SELECT extract(epoch FROM now() - e.recorded_at)::float8 FROM ledger_events e
               WHERE (e.tx_id, e.id) > (s.last_tx_id, s.last_event_row) ORDER BY e.tx_id, e.id LIMIT 1) AS unsequenced_age,
            c.size::text AS checkpoint_size,
            extract(epoch FROM now() - c.issued_at)::float8 AS checkpoint_age,
            (SELECT p.last_published_seq::text FROM publisher_state p WHERE p.topic = $1) AS published,
            (SELECT coalesce(jsonb_object_agg(g.projection, g.watermark), '{}'::jsonb) FROM projection_progress g) AS watermarks
     FROM sequencer_state s
     LEFT JOIN LATERAL (SELECT size, issued_at FROM ledger_checkpoints ORDER BY size DESC LIMIT 1) c ON true
     WHERE s.id = 1`,
    [topic, UNSEQUENCED_COUNT_CAP],
  )) as StatusRow[];
  const row = rows[0];
  if (!row) throw new Error('sequencer_state has no row: the ledger is not migrated');
  const watermarks = typeof row.watermarks === 'string' ? (JSON.parse(row.watermarks) as Record<string, string | number>) : row.watermarks;
  return {
    headSeq: Number(row.head),
    unsequenced: Number(row.unsequenced),
    unsequencedAgeSeconds: Math.max(0, Number(row.unsequenced_age ?? 0)),
    halted: row.halted,
    checkpoint: row.checkpoint_size === null ? null : { size: Number(row.checkpoint_size), ageSeconds: Math.max(0, Number(row.checkpoint_age)) },
    watermarks: Object.fromEntries(Object.entries(watermarks).map(([name, seq]) => [name, Number(seq)])),
    publishedSeq: row.published === null ? null : Number(row.published),
  };
}
