import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { appendLeaves, eventLeafHash, rootFromFrontier, signCheckpoint, subtreeNodes, nodeKey, type MerkleNode } from '@ledger/proof';
import { DataSource, type QueryRunner } from 'typeorm';
import { LEDGER_LOCK_SPACE, LeaderLease, SEQUENCER_BATCH_LOCK } from './leader-lease.js';
import { Doorbell } from './doorbell.js';
import { LedgerIdentity } from './ledger-identity.js';

/** Events per sequencing transaction at most (several checkpoints' worth). */
export const SEQUENCE_BATCH = 5000;
/** A checkpoint at least every this many events... */
export const CHECKPOINT_EVERY_EVENTS = 1000;
/** ...or this often while the tree grows. */
export const CHECKPOINT_EVERY_MS = 5000;
const IDLE_POLL_MS = 50;

interface PendingEvent {
  id: string;
  tx_id: string;
  event_id: string;
  stream_id: string;
  version: number;
  hash: string;
}

interface SequencerRow {
  fenced: boolean;
  last_tx_id: string;
  last_event_row: string;
  last_seq: string;
  last_checkpoint_at: Date;
  halted_reason: string | null;
  orphans_checked_at: Date | null;
}

type Listener = (lastSeq: number) => void;

/**
 * Gives committed events their gapless global `seq` in an order that never changes afterwards
 * (SEQUENCER.md), extends the RFC 6962 tree and signs checkpoints. One active instance: a lease
 * elects it, and every batch is fenced by a transaction-level lock plus a compare-and-set.
 */
@Injectable()
export class LedgerSequencer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerSequencer.name);
  private readonly lease: LeaderLease;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly doorbell = new Doorbell();
  /** A standby waits on this one: news of commits (rung for the active sequencer) must not make it poll the lease. */
  private readonly stopping = new Doorbell();
  private frontier: Uint8Array[] = [];
  private size = -1;
  private lastCheckpointSize = -1;
  private readonly listeners: Listener[] = [];
  private alarm: string | null = null;
  /** Set after a duplicate log row: look for events that already have a seq until a batch has none. */
  private passOverSequenced = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly identity: LedgerIdentity,
  ) {
    this.lease = new LeaderLease(dataSource, 'sequencer');
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.doorbell.ring();
    this.stopping.ring();
    await this.loop;
    await this.lease.release();
  }

  /** Appenders call this after a commit so sequencing does not wait for the next poll. */
  notify(): void {
    this.doorbell.ring();
  }

  onSequenced(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Null while healthy; otherwise why sequencing stopped (a bug, never something to skip). */
  get problem(): string | null {
    return this.alarm;
  }

  /** Runs one batch now; returns how many events got a seq. Used by the loop and by tests. */
  async sequenceOnce(batchLimit = SEQUENCE_BATCH): Promise<number> {
    try {
      return await this.sequenceInTransaction(batchLimit);
    } catch (error) {
      if (!isDuplicateLogEntry(error) || this.passOverSequenced) throw error;
      // Only a log written while batches were sorted by the text of their xid gets here: events
      // past the position already have a seq. Look for them in this batch and the next ones.
      this.passOverSequenced = true;
      return this.sequenceInTransaction(batchLimit);
    }
  }

  private async sequenceInTransaction(batchLimit: number): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const count = await this.sequenceBatch(runner, batchLimit);
      await runner.commitTransaction();
      if (count > 0) for (const listener of this.listeners) listener(this.size);
      return count;
    } catch (error) {
      this.size = -1;
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      try {
        if (!(await this.lease.hold())) {
          this.size = -1;
          await this.stopping.wait(1000);
          continue;
        }
        const count = await this.sequenceOnce();
        backoff = 100;
        if (count === 0) await this.doorbell.wait(IDLE_POLL_MS);
      } catch (error) {
        this.logger.error(`sequencing failed, retrying in ${backoff} ms: ${describe(error)}`);
        await this.doorbell.wait(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private async sequenceBatch(runner: QueryRunner, batchLimit: number): Promise<number> {
    // Taking an advisory lock assigns no xid, so this transaction does not hold xmin back itself.
    const [state] = (await runner.query(
      `SELECT pg_try_advisory_xact_lock($1, $2) AS fenced, last_tx_id::text, last_event_row, last_seq, last_checkpoint_at, halted_reason, orphans_checked_at
       FROM sequencer_state WHERE id = 1`,
      [LEDGER_LOCK_SPACE, SEQUENCER_BATCH_LOCK],
    )) as SequencerRow[];
    if (!state.fenced) return 0;
    // Halted until an operator clears the reason; then healthy again without a restart.
    this.alarm = state.halted_reason;
    if (state.halted_reason) return 0;
    const lastSeq = Number(state.last_seq);
    if (this.size !== lastSeq) await this.loadTree(runner, lastSeq);
    const timeDue = Date.now() - new Date(state.last_checkpoint_at).getTime() >= CHECKPOINT_EVERY_MS;
    if (state.orphans_checked_at === null) {
      const repaired = await this.sequenceOrphans(runner, state, batchLimit, timeDue);
      if (repaired !== null) return repaired;
    }
    let events = (await runner.query(
      // Qualified on purpose: a bare `ORDER BY tx_id` would sort by the text output column of the
      // same name, putting xid 10000 before 9999 whenever a batch spans a power of ten.
      `SELECT e.id, e.tx_id::text AS tx_id, e.event_id, e.stream_id, e.version, e.hash FROM ledger_events e
       WHERE (e.tx_id, e.id) > ($1::xid8, $2::bigint)
         AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY e.tx_id, e.id
       LIMIT $3`,
      [state.last_tx_id, state.last_event_row, Math.max(1, batchLimit)],
    )) as PendingEvent[];
    if (events.length === 0) {
      if (!(timeDue && lastSeq > this.lastCheckpointSize)) return 0;
      await this.checkpoint(runner, lastSeq, this.frontier);
      await runner.query(`UPDATE sequencer_state SET last_checkpoint_at = now() WHERE id = 1 AND last_seq = $1`, [
        lastSeq,
      ]);
      return 0;
    }
    const { broken, sequenced } = await this.inspect(runner, events);
    if (broken) return this.halt(runner, broken);
    const last = events[events.length - 1];
    if (this.passOverSequenced) {
      if (sequenced.size === 0) this.passOverSequenced = false;
      else {
        this.logger.warn(`${sequenced.size} events past the sequencer's position already have a seq; passing over them`);
        events = events.filter((event) => !sequenced.has(event.event_id));
      }
      if (events.length === 0) {
        await this.advance(runner, last, lastSeq, lastSeq, false);
        return sequenced.size;
      }
    }
    await this.appendToLog(runner, events, lastSeq, timeDue, last);
    return events.length;
  }

  /**
   * Once per ledger: events at or before the sequencer's position that have no seq. Batches sorted
   * by the text of their xid (before 2026-12-07) could move the position past events they never
   * took; they are sequenced now, at the end of the log, the position staying where it is. Null
   * when there are none (and the check is recorded as done).
   */
  private async sequenceOrphans(runner: QueryRunner, state: SequencerRow, batchLimit: number, timeDue: boolean): Promise<number | null> {
    const orphans = (await runner.query(
      `SELECT e.id, e.tx_id::text AS tx_id, e.event_id, e.stream_id, e.version, e.hash FROM ledger_events e
       WHERE (e.tx_id, e.id) <= ($1::xid8, $2::bigint)
         AND NOT EXISTS (SELECT 1 FROM ledger_log l WHERE l.event_id = e.event_id)
       ORDER BY e.tx_id, e.id
       LIMIT $3`,
      [state.last_tx_id, state.last_event_row, Math.max(1, batchLimit)],
    )) as PendingEvent[];
    if (orphans.length === 0) {
      await runner.query(`UPDATE sequencer_state SET orphans_checked_at = now() WHERE id = 1`);
      return null;
    }
    this.logger.warn(`${orphans.length} events at or before the sequencer's position have no seq; sequencing them now`);
    const { broken } = await this.inspect(runner, orphans);
    if (broken) return this.halt(runner, broken);
    const position: PendingEvent = { ...orphans[0], tx_id: state.last_tx_id, id: state.last_event_row };
    await this.appendToLog(runner, orphans, Number(state.last_seq), timeDue, position);
    return orphans.length;
  }

  private async halt(runner: QueryRunner, reason: string): Promise<number> {
    this.alarm = reason;
    this.logger.error(`sequencing halted: ${reason}`);
    await runner.query(`UPDATE sequencer_state SET halted_reason = $1 WHERE id = 1`, [reason]);
    return 0;
  }

  /** Gives `events` the seqs after `lastSeq`: log rows, tree nodes, checkpoints; the position moves to `position`. */
  private async appendToLog(runner: QueryRunner, events: PendingEvent[], lastSeq: number, timeDue: boolean, position: PendingEvent): Promise<void> {
    const grown = this.grow(events, lastSeq, timeDue);
    if (grown.checkpoints.length > 0) {
      const key = await this.identity.privateKey();
      const notes = grown.checkpoints.map((c) => signCheckpoint(this.identity.origin, c.size, c.root, key));
      // An exporter may have signed one of these sizes already (on demand): same size, same root, same note.
      await runner.query(
        `INSERT INTO ledger_checkpoints (size, root, note)
         SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[]) ON CONFLICT (size) DO NOTHING`,
        [grown.checkpoints.map((c) => c.size), grown.checkpoints.map((c) => Buffer.from(c.root)), notes],
      );
    }
    // One round trip: the log rows, the tree's new nodes and the position, fenced by the seq the
    // batch started from (a live batch is often one event: three statements were most of its cost).
    // Hashes travel as one binary parameter each; the log's other columns come from the events.
    const updated = (await runner.query(
      `WITH log AS (
         INSERT INTO ledger_log (seq, event_id, stream_id, version, leaf_hash)
         SELECT $1::bigint + b.n, e.event_id, e.stream_id, e.version, substring($3::bytea FROM (b.n::int - 1) * 32 + 1 FOR 32)
         FROM unnest($2::bigint[]) WITH ORDINALITY AS b(id, n) JOIN ledger_events e ON e.id = b.id
         ORDER BY b.n
       ), nodes AS (
         INSERT INTO merkle_nodes (level, index, hash)
         SELECT t.level, t.index, substring($6::bytea FROM (t.n::int - 1) * 32 + 1 FOR 32)
         FROM unnest($4::smallint[], $5::bigint[]) WITH ORDINALITY AS t(level, index, n)
       )
       UPDATE sequencer_state
       SET last_tx_id = $7::xid8, last_event_row = $8, last_seq = $9,
           last_checkpoint_at = CASE WHEN $10 THEN now() ELSE last_checkpoint_at END
       WHERE id = 1 AND last_seq = $1`,
      [
        lastSeq,
        events.map((event) => Number(event.id)),
        Buffer.concat(grown.leaves),
        grown.nodes.map((n) => n.level),
        grown.nodes.map((n) => n.index),
        Buffer.concat(grown.nodes.map((n) => n.hash)),
        position.tx_id,
        position.id,
        grown.size,
        grown.checkpoints.length > 0,
      ],
    )) as [unknown, number];
    assertFenced(updated);
    this.frontier = grown.frontier;
    this.size = grown.size;
    if (grown.checkpoints.length > 0) this.lastCheckpointSize = grown.checkpoints[grown.checkpoints.length - 1].size;
  }

  /**
   * Extends the tree by the batch's leaves, with a checkpoint every CHECKPOINT_EVERY_EVENTS
   * leaves after the last one (so they fall on multiples of 1,000 while the log grows fast), and
   * one at the end when the last is older than CHECKPOINT_EVERY_MS.
   */
  private grow(events: PendingEvent[], size: number, timeDue: boolean) {
    const leaves = events.map((event) => eventLeafHash(event.hash));
    const nodes: MerkleNode[] = [];
    const checkpoints: Array<{ size: number; root: Uint8Array }> = [];
    let frontier = this.frontier;
    let checkpointed = Math.max(this.lastCheckpointSize, 0);
    let at = 0;
    while (at < leaves.length) {
      const take = Math.max(1, Math.min(leaves.length - at, checkpointed + CHECKPOINT_EVERY_EVENTS - size));
      const step = appendLeaves(frontier, size, leaves.slice(at, at + take));
      nodes.push(...step.nodes);
      frontier = step.frontier;
      size = step.size;
      at += take;
      if (size - checkpointed >= CHECKPOINT_EVERY_EVENTS || (at === leaves.length && timeDue)) {
        checkpoints.push({ size, root: rootFromFrontier(frontier, size) });
        checkpointed = size;
      }
    }
    return { leaves, nodes, checkpoints, frontier, size };
  }

  /** Moves the sequencer's position to `last` (fenced by the seq it started from). */
  private async advance(runner: QueryRunner, last: PendingEvent, fromSeq: number, toSeq: number, checkpointed: boolean): Promise<void> {
    const updated = (await runner.query(
      `UPDATE sequencer_state
       SET last_tx_id = $1::xid8, last_event_row = $2, last_seq = $3,
           last_checkpoint_at = CASE WHEN $5 THEN now() ELSE last_checkpoint_at END
       WHERE id = 1 AND last_seq = $4`,
      [last.tx_id, last.id, toSeq, fromSeq, checkpointed],
    )) as [unknown, number];
    assertFenced(updated);
  }

  /**
   * Each event must be its stream's next version: the last sequenced one or one earlier in the
   * batch. While passing over already sequenced events, also names those.
   */
  private async inspect(runner: QueryRunner, events: PendingEvent[]): Promise<{ broken: string | null; sequenced: Set<string> }> {
    const key = (streamId: string, version: number): string => `${streamId}\u0000${version}`;
    const inBatch = new Set(events.map((event) => key(event.stream_id, event.version)));
    const streams: string[] = [];
    const versions: number[] = [];
    for (const event of events) {
      if (this.passOverSequenced) {
        streams.push(event.stream_id);
        versions.push(event.version);
      }
      if (event.version > 1 && !inBatch.has(key(event.stream_id, event.version - 1))) {
        streams.push(event.stream_id);
        versions.push(event.version - 1);
      }
    }
    const rows =
      streams.length === 0
        ? []
        : ((await runner.query(
            `SELECT l.stream_id, l.version, l.event_id FROM ledger_log l
             JOIN unnest($1::text[], $2::int[]) AS want(stream_id, version)
               ON l.stream_id = want.stream_id AND l.version = want.version`,
            [streams, versions],
          )) as Array<{ stream_id: string; version: number; event_id: string }>);
    const present = new Set(rows.map((row) => key(row.stream_id, row.version)));
    const logged = new Set(rows.map((row) => row.event_id));
    const sequenced = new Set<string>();
    for (const event of events) {
      if (logged.has(event.event_id)) {
        sequenced.add(event.event_id);
        continue;
      }
      if (event.version > 1 && !present.has(key(event.stream_id, event.version - 1))) {
        return {
          broken: `event ${event.event_id} is version ${event.version} of ${event.stream_id}, but version ${event.version - 1} is not sequenced before it`,
          sequenced,
        };
      }
      present.add(key(event.stream_id, event.version));
    }
    return { broken: null, sequenced };
  }

  private async loadTree(runner: QueryRunner, size: number): Promise<void> {
    const addresses = size === 0 ? [] : subtreeNodes(0, size);
    const rows = (await runner.query(
      `SELECT n.level, n.index, n.hash FROM merkle_nodes n
       JOIN unnest($1::smallint[], $2::bigint[]) AS want(level, index) ON n.level = want.level AND n.index = want.index`,
      [addresses.map((a) => a.level), addresses.map((a) => a.index)],
    )) as Array<{ level: number; index: string; hash: Buffer }>;
    const byKey = new Map(rows.map((r) => [nodeKey(r.level, Number(r.index)), new Uint8Array(r.hash)]));
    this.frontier = addresses.map((a) => {
      const hash = byKey.get(nodeKey(a.level, a.index));
      if (!hash) throw new Error(`merkle node (${a.level}, ${a.index}) is missing for tree size ${size}`);
      return hash;
    });
    const [{ size: checkpointed }] = (await runner.query(
      `SELECT coalesce(max(size), -1) AS size FROM ledger_checkpoints`,
    )) as Array<{ size: string }>;
    this.lastCheckpointSize = Number(checkpointed);
    this.size = size;
  }

  private async checkpoint(runner: QueryRunner, size: number, frontier: Uint8Array[]): Promise<void> {
    const root = rootFromFrontier(frontier, size);
    const note = signCheckpoint(this.identity.origin, size, root, await this.identity.privateKey());
    // An exporter may have signed this size already (on demand): same size, same root, same note.
    await runner.query(`INSERT INTO ledger_checkpoints (size, root, note) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING`, [
      size,
      Buffer.from(root),
      note,
    ]);
    this.lastCheckpointSize = size;
  }

}

function isDuplicateLogEntry(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' && (constraint === 'ledger_log_event_id_key' || constraint === 'ledger_log_stream_id_version_key');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An UPDATE of sequencer_state fenced by the seq a batch started from changed no row: another sequencer moved it. */
function assertFenced([, changed]: [unknown, number]): void {
  if (changed !== 1) throw new Error('sequencer_state moved under this sequencer: another one is active');
}
