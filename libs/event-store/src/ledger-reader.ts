import { Injectable } from '@nestjs/common';
import { consistencyProofPlan, inclusionProofPlan, nodeKey, rootPlan, toHex, type MerklePlan, type NodeAddress } from '@ledger/proof';
import { DataSource } from 'typeorm';
import { parseEnvelope, servedEnvelope } from './envelope.js';
import type { StreamRead } from './event-store.port.js';

export interface EventsPage {
  /** Served envelopes, each exactly as hashed plus `seq` and `hash`. */
  envelopes: string[];
  /** The last seq returned, or null when this page reaches the end of the log as it is now. */
  next: number | null;
}

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
}

export interface ConsistencyProof {
  fromSize: number;
  toSize: number;
  proof: string[];
}

export class LedgerRangeError extends Error {
  readonly code = 'LEDGER.OUT_OF_RANGE';
  readonly status = 400;
}

export class CheckpointNotFoundError extends Error {
  readonly code = 'LEDGER.CHECKPOINT_NOT_FOUND';
  readonly status = 404;
}

/** What the ledger serves to auditors and verifiers: events, checkpoints and RFC 9162 proofs. */
@Injectable()
export class LedgerReader {
  constructor(private readonly dataSource: DataSource) {}

  /** The size of the Merkle log: how many events have a seq. */
  async treeSize(): Promise<number> {
    const [{ last_seq: size }] = (await this.dataSource.query(`SELECT last_seq FROM sequencer_state WHERE id = 1`)) as Array<{ last_seq: string }>;
    return Number(size);
  }

  async events(after: number, limit: number): Promise<EventsPage> {
    const rows = (await this.dataSource.query(
      `SELECT l.seq, e.canonical, e.hash FROM ledger_log l JOIN ledger_events e ON e.event_id = l.event_id
       WHERE l.seq > $1 ORDER BY l.seq LIMIT $2`,
      [after, limit + 1],
    )) as Array<{ seq: string; canonical: string; hash: string }>;
    const page = rows.slice(0, limit);
    const envelopes = page.map((row) => servedEnvelope({ canonical: row.canonical, hash: row.hash, seq: Number(row.seq) }));
    return { envelopes, next: rows.length > limit ? Number(page[page.length - 1].seq) : null };
  }

  /** A stream's events in version order; those not sequenced yet have no `seq`. */
  async stream(streamId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT l.seq, e.canonical, e.hash FROM ledger_events e LEFT JOIN ledger_log l ON l.event_id = e.event_id
       WHERE e.stream_id = $1 ORDER BY e.version`,
      [streamId],
    )) as Array<{ seq: string | null; canonical: string; hash: string }>;
    return rows.map((row) => servedEnvelope({ canonical: row.canonical, hash: row.hash, seq: row.seq === null ? undefined : Number(row.seq) }));
  }

  /** A stream's events, parsed: for reference data read outside a command. */
  async streamRead(streamId: string): Promise<StreamRead> {
    const rows = (await this.dataSource.query(`SELECT canonical, version FROM ledger_events WHERE stream_id = $1 ORDER BY version`, [streamId])) as Array<{
      canonical: string;
      version: number;
    }>;
    return { streamId, version: rows.at(-1)?.version ?? 0, events: rows.map((row) => parseEnvelope(row.canonical)) };
  }

  async latestCheckpoint(): Promise<string> {
    const rows = (await this.dataSource.query(`SELECT note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`)) as Array<{ note: string }>;
    if (rows.length === 0) throw new CheckpointNotFoundError('the ledger has not signed a checkpoint yet');
    return rows[0].note;
  }

  async checkpointAt(size: number): Promise<string> {
    const rows = (await this.dataSource.query(`SELECT note FROM ledger_checkpoints WHERE size = $1`, [size])) as Array<{ note: string }>;
    if (rows.length === 0) throw new CheckpointNotFoundError(`no checkpoint was issued at tree size ${size}`);
    return rows[0].note;
  }

  async inclusion(seq: number, size: number): Promise<InclusionProof> {
    const current = await this.treeSize();
    if (size > current) throw new LedgerRangeError(`the tree has ${current} leaves, not ${size}`);
    if (seq < 1 || seq > size) throw new LedgerRangeError(`seq ${seq} is not in a tree of size ${size}`);
    const proof = await this.fetch(inclusionProofPlan(seq - 1, size));
    const [leaf] = (await this.dataSource.query(`SELECT leaf_hash FROM ledger_log WHERE seq = $1`, [seq])) as Array<{ leaf_hash: Buffer }>;
    return { leafIndex: seq - 1, treeSize: size, leafHash: toHex(leaf.leaf_hash), proof: proof.map(toHex) };
  }

  /** Inclusion proofs of many leaves in one tree, with one read of the nodes they share (exports). */
  async inclusionProofs(seqs: readonly number[], size: number): Promise<Map<number, string[]>> {
    const plans = seqs.map((seq) => {
      if (seq < 1 || seq > size) throw new LedgerRangeError(`seq ${seq} is not in a tree of size ${size}`);
      return [seq, inclusionProofPlan(seq - 1, size)] as const;
    });
    const wanted = new Map<string, NodeAddress>();
    for (const [, plan] of plans) for (const node of plan.nodes) wanted.set(nodeKey(node.level, node.index), node);
    const fetched = await this.nodes([...wanted.values()]);
    return new Map(plans.map(([seq, plan]) => [seq, plan.assemble(fetched).map(toHex)]));
  }

  async consistency(from: number, to: number): Promise<ConsistencyProof> {
    const current = await this.treeSize();
    if (to > current) throw new LedgerRangeError(`the tree has ${current} leaves, not ${to}`);
    if (from < 1 || from > to) throw new LedgerRangeError(`a consistency proof needs 1 <= from <= to, not from=${from}, to=${to}`);
    const proof = await this.fetch(consistencyProofPlan(from, to));
    return { fromSize: from, toSize: to, proof: proof.map(toHex) };
  }

  async root(size: number): Promise<Uint8Array> {
    return this.fetch(rootPlan(size));
  }

  /** One query for every stored node a plan needs: O(log n) rows. */
  private async fetch<T>(plan: MerklePlan<T>): Promise<T> {
    return plan.assemble(await this.nodes(plan.nodes));
  }

  private async nodes(nodes: readonly NodeAddress[]): Promise<Map<string, Uint8Array>> {
    const rows = nodes.length
      ? ((await this.dataSource.query(
          `SELECT n.level, n.index, n.hash FROM merkle_nodes n
           JOIN unnest($1::smallint[], $2::bigint[]) AS want(level, index) ON n.level = want.level AND n.index = want.index`,
          [nodes.map((n) => n.level), nodes.map((n) => n.index)],
        )) as Array<{ level: number; index: string; hash: Buffer }>)
      : [];
    return new Map(rows.map((r) => [nodeKey(r.level, Number(r.index)), new Uint8Array(r.hash)]));
  }
}
