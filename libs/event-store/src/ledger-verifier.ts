import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  bytesEqual,
  canonicalize,
  emptyRoot,
  openCheckpoint,
  parseVerifierKey,
  toHex,
  type Checkpoint,
  type VerifierKey,
} from '@ledger/proof';
import type { ClientBase, Connection as PgConnection, Pool, Submittable } from 'pg';
import type { DataSource } from 'typeorm';

/** What can be wrong with a ledger, in the order the walk meets them at one seq. */
export type LedgerProblem =
  /** ledger_log skips a seq (a deleted log row, or an event deleted with its log row). */
  | 'seq-gap'
  /** A log row points at an event that is not in ledger_events. */
  | 'event-missing'
  /** The log row's stream and version are not its event's. */
  | 'log-mismatch'
  /** SHA-256 of the stored canonical text is not the event's `hash` column. */
  | 'hash-mismatch'
  /** The stored text is not the RFC 8785 form of itself (or not JSON at all). */
  | 'not-canonical'
  /** The envelope lacks a member, has one too many, or a member of the wrong kind. */
  | 'envelope-malformed'
  /** A member of the envelope disagrees with the row's column (stream_id, version, event_id, ...). */
  | 'envelope-mismatch'
  /** Not the stream's next version (a version skipped, repeated or out of order). */
  | 'version-order'
  /** prevHash is not the hash of the stream's previous event. */
  | 'chain-broken'
  /** ledger_log.leaf_hash is not SHA-256(0x00 || hash). */
  | 'leaf-mismatch'
  /** A stored merkle_nodes hash is missing or not the one recomputed from the leaves. */
  | 'merkle-node-mismatch'
  /** A checkpoint row's root is not the root recomputed at its size. */
  | 'root-mismatch'
  /** A checkpoint note does not verify against the ledger's key. */
  | 'checkpoint-signature'
  /** A checkpoint note verifies but commits to another size or root than its row says. */
  | 'checkpoint-mismatch'
  /** Checkpoints exist but ledger_identity holds no key to check them with. */
  | 'checkpoint-missing-key'
  /** A checkpoint for a tree larger than the log. */
  | 'checkpoint-beyond-log'
  /** The log is shorter or longer than sequencer_state says was sequenced. */
  | 'log-length'
  /** An event the sequencer has passed over has no log row. */
  | 'event-unsequenced'
  /** ledger_identity is malformed, ambiguous, or not the key the caller trusts. */
  | 'identity-mismatch'
  /** The externally kept checkpoint does not verify against the key. */
  | 'external-checkpoint-signature'
  /** The ledger's root at the externally kept checkpoint's size is not that checkpoint's root. */
  | 'external-checkpoint-mismatch'
  /** The externally kept checkpoint is for a tree larger than the log: events were dropped. */
  | 'external-checkpoint-beyond-log';

/** The first thing that does not check out. `expected` is what the verifier recomputed, `actual` what is stored. */
export interface LedgerFailure {
  readonly ok: false;
  /** The first seq that does not match; null for a problem with the ledger's identity or an unsequenced event. */
  readonly seq: number | null;
  readonly streamId?: string;
  readonly version?: number;
  readonly problem: LedgerProblem;
  readonly expected: string;
  readonly actual: string;
}

export interface LedgerVerified {
  readonly ok: true;
  readonly events: number;
  readonly streams: number;
  /** Rows of ledger_checkpoints whose signature, size and root were checked. */
  readonly checkpoints: number;
  /** Stored merkle_nodes compared with the recomputed tree (0 when that check was turned off). */
  readonly merkleNodes: number;
  readonly size: number;
  /** Lowercase hex root of the whole log. */
  readonly root: string;
  /** The externally kept checkpoint the ledger was found consistent with, when one was given. */
  readonly externalCheckpoint?: { readonly size: number; readonly root: string };
}

export type LedgerVerdict = LedgerVerified | LedgerFailure;

export interface LedgerProgress {
  readonly events: number;
  readonly streams: number;
}

export interface LedgerVerifyOptions {
  /** Log rows per round trip. */
  readonly batchSize?: number;
  /** Connections reading batches ahead, sharing one snapshot (default {@link VERIFY_CONNECTIONS}). */
  readonly connections?: number;
  /**
   * Worker threads that hash and scan the envelopes while the main thread reads and walks
   * (default {@link VERIFY_WORKERS}). Only the compiled module can start them; run from the
   * TypeScript sources (tests), the checks run on the main thread.
   */
  readonly workers?: number;
  /**
   * The verifier key the caller trusts (`<origin>+<key id>+<base64>`). Without it, the key in
   * ledger_identity is used, which a superuser who rewrites the ledger can rewrite too.
   */
  readonly trustedKey?: string;
  /** A checkpoint note kept outside the database: the ledger must have its root at its size. */
  readonly externalCheckpoint?: string;
  /** Also compare every stored merkle_nodes row with the recomputed tree (default true). */
  readonly checkMerkleNodes?: boolean;
  readonly onProgress?: (progress: LedgerProgress) => void;
  /** Call onProgress each time this many more events are verified. */
  readonly progressEvery?: number;
}

export const VERIFY_BATCH_SIZE = 5_000;
/** Connections reading ahead; the DataSource's (or Pool's) pool must allow this many at once. */
export const VERIFY_CONNECTIONS = 2;
export const VERIFY_WORKERS = 1;
/** Batches read (and checked) ahead of the walk. */
const READ_AHEAD = 4;
const PROGRESS_EVERY = 100_000;

/** The members of a hashed envelope, in RFC 8785 (UTF-16) order. */
const ENVELOPE_MEMBERS = [
  'actor',
  'causationId',
  'commandId',
  'correlationId',
  'eventId',
  'occurredAt',
  'payload',
  'prevHash',
  'recordedAt',
  'schemaVersion',
  'streamId',
  'streamType',
  'type',
  'version',
] as const;
type EnvelopeMember = (typeof ENVELOPE_MEMBERS)[number];
const MEMBER = Object.fromEntries(ENVELOPE_MEMBERS.map((name, i) => [name, i])) as Record<EnvelopeMember, number>;

/**
 * Where the verifier takes its connections from: a TypeORM DataSource on the postgres driver, or
 * a bare pg Pool (the CLI's, which spares it loading TypeORM).
 */
export type LedgerConnections = Pick<DataSource, 'createQueryRunner'> | Pick<Pool, 'connect'>;

/** A connection taken for the walk, and how to give it back. */
interface Lease {
  readonly client: ClientBase;
  release(): Promise<void>;
}

async function lease(source: LedgerConnections): Promise<Lease> {
  if ('createQueryRunner' in source) {
    const runner = source.createQueryRunner();
    try {
      const client = (await runner.connect()) as ClientBase;
      return { client, release: () => runner.release() };
    } catch (error) {
      await runner.release();
      throw error;
    }
  }
  const client = await source.connect();
  return { client, release: async () => client.release() };
}

async function rows<T>(client: ClientBase, sql: string, params?: unknown[]): Promise<T[]> {
  return (await client.query(sql, params)).rows as T[];
}

/**
 * Walks the whole ledger in seq order inside one read-only snapshot and recomputes every event
 * hash, chain link, leaf, stored Merkle node, checkpoint root and signature. Stops at the first
 * problem. Memory: the few batches read ahead, the tree's frontier, and the last version and hash
 * of each stream. Takes `connections` connections from the source's pool at once.
 */
export async function verifyLedger(source: LedgerConnections, options: LedgerVerifyOptions = {}): Promise<LedgerVerdict> {
  const leases: Lease[] = [];
  let snapshot = '';
  try {
    leases.push(await lease(source));
    // Embedded PGlite is one session: a second connection's transaction would wait for the first's end.
    const connections = (await isSingleSession(leases[0].client)) ? 1 : (options.connections ?? VERIFY_CONNECTIONS);
    for (let i = 0; i < connections; i++) {
      if (i > 0) leases.push(await lease(source));
      const client = leases[i].client;
      // One snapshot for the whole walk, shared by every connection: the sequencer may keep
      // appending meanwhile without making the log, the tree and the checkpoints disagree.
      await client.query(`START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
      if (i > 0) {
        await client.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
      } else if (connections > 1) {
        const [exported] = await rows<{ id: string }>(client, `SELECT pg_export_snapshot() AS id`);
        snapshot = exported.id;
      }
      // The walk reads key ranges in key order. A parallel plan ships every wide row through a
      // worker's queue, and a stale row estimate (autovacuum off, say) picks a bitmap scan plus a
      // sort of the wide rows; either makes Postgres two to three times slower here.
      await client.query(`SET LOCAL max_parallel_workers_per_gather = 0`);
      await client.query(`SET LOCAL enable_bitmapscan = off`);
    }
    const [{ server_encoding: encoding }] = await rows<{ server_encoding: string }>(leases[0].client, `SHOW server_encoding`);
    // Events are read as raw bytes; text in a UTF8 database is valid UTF-8, which the checks rely on.
    if (encoding !== 'UTF8') throw new Error(`the ledger database must be UTF8, not ${encoding}`);
    return await new LedgerReader(
      leases.map((l) => l.client),
      options,
    ).verify();
  } finally {
    for (const { client, release } of leases) {
      await client.query(`ROLLBACK`).catch(() => undefined);
      await release();
    }
  }
}

/** True for embedded PGlite, where every connection shares one database session. */
export async function isSingleSession(client: Pick<ClientBase, 'query'>): Promise<boolean> {
  const [{ version }] = (await client.query(`SELECT version()`)).rows as Array<{ version: string }>;
  return version.includes('PGlite');
}

/**
 * A log batch: ledger_log rows with seq in (from, to] joined to their events, in PostgreSQL's
 * binary COPY format. The canonical text arrives as the very bytes that were hashed, and the walk
 * reads every field in place: no row objects, no UTF-16 copies of the envelopes. The log's own
 * stream and version come only when they differ from the event's.
 */
function logBatchCopy(from: number, to: number): string {
  requireRange(from, to);
  return `COPY (
    SELECT l.seq, l.event_id::text,
           CASE WHEN l.stream_id = e.stream_id AND l.version = e.version THEN NULL ELSE l.stream_id END,
           CASE WHEN l.stream_id = e.stream_id AND l.version = e.version THEN NULL ELSE l.version END,
           l.leaf_hash, e.stream_id, e.stream_type, e.version, e.type, e.command_id::text, e.prev_hash, e.hash, e.canonical
    FROM ledger_log l LEFT JOIN ledger_events e ON e.event_id = l.event_id
    WHERE l.seq > ${from} AND l.seq <= ${to} ORDER BY l.seq LIMIT ${to - from}
  ) TO STDOUT (FORMAT binary)`;
}

/** The columns of {@link logBatchCopy}, in order. */
export const LOG_BATCH_COLUMNS = [
  'seq',
  'event_id',
  'log_stream_id',
  'log_version',
  'leaf_hash',
  'stream_id',
  'stream_type',
  'version',
  'type',
  'command_id',
  'prev_hash',
  'hash',
  'canonical',
] as const;
const SEQ = 0;
const EVENT_ID = 1;
const LOG_STREAM_ID = 2;
const LOG_VERSION = 3;
const LEAF_HASH = 4;
const STREAM_ID = 5;
const STREAM_TYPE = 6;
const VERSION = 7;
const TYPE = 8;
const COMMAND_ID = 9;
const PREV_HASH = 10;
const HASH = 11;
const CANONICAL = 12;

/**
 * The merkle_nodes that appear while the tree grows from size `from` to `to`, one row per level
 * with the hashes concatenated in index order: a few messages per batch instead of two per event.
 * Columns: level, first index, count, total hash bytes, hashes.
 */
function nodeLevelsCopy(from: number, to: number): string {
  requireRange(from, to);
  return `COPY (
    SELECT lv.level, n.first, n.count, n.bytes, n.hashes
    FROM generate_series(0, ${Math.floor(Math.log2(to))}) AS lv(level),
    LATERAL (
      SELECT min(m.index) AS first, count(*) AS count, sum(length(m.hash))::bigint AS bytes,
             string_agg(m.hash, ''::bytea ORDER BY m.index) AS hashes
      FROM merkle_nodes m
      WHERE m.level = lv.level AND m.index >= (${from}::bigint >> lv.level) AND m.index < (${to}::bigint >> lv.level)
    ) n
  ) TO STDOUT (FORMAT binary)`;
}

/** The same nodes one row each (level, index, hash): for a range where some are missing or malformed. */
function nodesCopy(from: number, to: number): string {
  requireRange(from, to);
  return `COPY (
    SELECT n.level, n.index, n.hash
    FROM generate_series(0, ${Math.floor(Math.log2(to))}) AS lv(level),
    LATERAL (
      SELECT m.level, m.index, m.hash FROM merkle_nodes m
      WHERE m.level = lv.level AND m.index >= (${from}::bigint >> lv.level) AND m.index < (${to}::bigint >> lv.level)
      ORDER BY m.index
    ) n
  ) TO STDOUT (FORMAT binary)`;
}

function requireRange(from: number, to: number): void {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to <= from) {
    throw new RangeError(`bad seq range (${from}, ${to}]`);
  }
}

/** What a log row and a node row take in binary COPY format, about (a claim's envelope is ~1 KiB). */
const LOG_ROW_BYTES = 1536;
const NODE_ROW_BYTES = 64;

const CHECKPOINTS = `SELECT size, root, note FROM ledger_checkpoints WHERE size > $1 AND size <= $2 ORDER BY size`;

interface LogBatch {
  readonly rows: CopyBatch | null;
  /** The rows' stateless checks when a worker ran them. */
  readonly checks: BatchChecks | null;
  readonly nodes: StoredNodes;
  readonly checkpoints: readonly StoredCheckpoint[];
}

class LedgerReader {
  private readonly batchSize: number;
  private readonly checkNodes: boolean;
  private workers: BatchCheckWorkers | null = null;
  /** The largest seq in ledger_log, in the snapshot. */
  private lastSeq = 0;
  /** The first connection: everything but the log batches it shares with the others. */
  private readonly runner: ClientBase;

  constructor(
    private readonly runners: readonly ClientBase[],
    private readonly options: LedgerVerifyOptions,
  ) {
    this.runner = runners[0];
    this.batchSize = options.batchSize ?? VERIFY_BATCH_SIZE;
    this.checkNodes = options.checkMerkleNodes ?? true;
  }

  async verify(): Promise<LedgerVerdict> {
    // The workers start (a thread and this module each) while the first queries run.
    this.workers = BatchCheckWorkers.start(this.options.workers ?? VERIFY_WORKERS);
    try {
      return await this.walkLog();
    } finally {
      await this.workers?.close();
    }
  }

  private async walkLog(): Promise<LedgerVerdict> {
    const identity = await this.identity();
    if ('ok' in identity) return identity;
    const walk = new LedgerWalk(identity.key, identity.external, this.checkNodes);
    const progressEvery = this.options.progressEvery ?? PROGRESS_EVERY;
    let nextProgress = progressEvery;
    const [{ last }] = await rows<{ last: string }>(this.runner, `SELECT coalesce(max(seq), 0) AS last FROM ledger_log`);
    this.lastSeq = Number(last);
    const batches = Math.ceil(this.lastSeq / this.batchSize);

    // Batches are seq ranges, so they can be read ahead of the walk independently: while this
    // process hashes one batch, Postgres produces the next ones. Each connection runs one query
    // at a time (its batches' queries in turn); a worker checks a batch once its rows are in.
    const lanes: Array<Promise<unknown>> = this.runners.map(() => Promise.resolve());
    const ahead = Math.max(READ_AHEAD, this.runners.length);
    const fetches = new Map<number, Promise<LogBatch>>();
    const fetchAhead = (index: number): void => {
      if (index >= batches) return;
      const lane = index % this.runners.length;
      const from = index * this.batchSize;
      const fetching = lanes[lane].then(() => this.fetch(this.runners[lane], from, from + this.batchSize));
      lanes[lane] = fetching.then((read) => read.readDone).catch(() => undefined);
      const batch = fetching.then((read) => read.batch);
      batch.catch(() => undefined);
      fetches.set(index, batch);
    };
    let failure = walk.walk(null, emptyNodes(), await this.checkpoints(this.runner, -1, 0));
    for (let index = 0; index < ahead; index++) fetchAhead(index);
    try {
      for (let index = 0; failure === null && index < batches; index++) {
        const batch = await (fetches.get(index) as Promise<LogBatch>);
        fetches.delete(index);
        fetchAhead(index + ahead);
        // An empty range is a gap (or the end): the next row, if any, says which seq is missing.
        failure = walk.walk(batch.rows, batch.nodes, batch.checkpoints, batch.checks ?? undefined);
        if (this.options.onProgress && walk.size >= nextProgress) {
          this.options.onProgress({ events: walk.size, streams: walk.streams });
          nextProgress = (Math.floor(walk.size / progressEvery) + 1) * progressEvery;
        }
      }
    } finally {
      // Fetches ahead may still be running; they must finish before the snapshot is rolled back.
      await Promise.allSettled([...fetches.values(), ...lanes]);
    }
    return failure ?? (await this.afterLog(walk));
  }

  private async identity(): Promise<LedgerFailure | { key: VerifierKey | null; external: Checkpoint | null }> {
    const identities = await rows<{ origin: string; public_key: string }>(this.runner, `SELECT origin, public_key FROM ledger_identity ORDER BY created_at`);
    const trusted = this.options.trustedKey === undefined ? null : parseVerifierKey(this.options.trustedKey);
    if (identities.length > 1) {
      return identityFailure('one ledger_identity row', `${identities.length} rows: ${identities.map((r) => r.origin).join(', ')}`);
    }
    let stored: VerifierKey | null = null;
    if (identities.length === 1) {
      const [{ origin, public_key: text }] = identities;
      try {
        stored = parseVerifierKey(text);
      } catch (error) {
        return identityFailure('a verifier key in ledger_identity.public_key', `${JSON.stringify(text)}: ${message(error)}`);
      }
      if (stored.name !== origin) {
        return identityFailure(`a key named after the origin ${origin}`, `a key named ${stored.name}`);
      }
    }
    if (trusted && stored && !sameKey(trusted, stored)) {
      return identityFailure(`the trusted key ${keyLabel(trusted)}`, `ledger_identity holds ${keyLabel(stored)}`);
    }
    const key = trusted ?? stored;
    let external: Checkpoint | null = null;
    if (this.options.externalCheckpoint !== undefined) {
      if (!key) return identityFailure('a key to check the external checkpoint with', 'no ledger_identity row and no trusted key');
      try {
        external = openCheckpoint(this.options.externalCheckpoint, key);
      } catch (error) {
        return failure('external-checkpoint-signature', null, `a checkpoint signed by ${keyLabel(key)}`, message(error));
      }
    }
    return { key, external };
  }

  /**
   * Reads the log rows with seq in (from, to], the merkle_nodes that appear between those sizes
   * and the checkpoints among them; `readDone` settles when the connection is free again, `batch`
   * when the rows are also checked (on a worker, if there is one).
   */
  private async fetch(runner: ClientBase, from: number, to: number): Promise<{ readDone: Promise<unknown>; batch: Promise<LogBatch> }> {
    const data = await copyOut(runner, logBatchCopy(from, to), (to - from) * LOG_ROW_BYTES);
    // A worker hashes and scans the rows while this connection reads the nodes and checkpoints.
    const checking = this.workers?.check(data) ?? null;
    checking?.catch(() => undefined);
    const reading = (async () => {
      const nodes = this.checkNodes ? await this.nodes(runner, from, Math.min(to, this.lastSeq)) : emptyNodes();
      return { nodes, checkpoints: await this.checkpoints(runner, from, to) };
    })();
    const batch = (async (): Promise<LogBatch> => {
      const { nodes, checkpoints } = await reading;
      if (checking !== null) {
        const checked = await checking;
        return { rows: checked.batch.rows === 0 ? null : checked.batch, checks: checked.checks, nodes, checkpoints };
      }
      const rows = new CopyBatch(data, LOG_BATCH_COLUMNS.length);
      return { rows: rows.rows === 0 ? null : rows, checks: null, nodes, checkpoints };
    })();
    return { readDone: reading, batch };
  }

  private async nodes(runner: ClientBase, from: number, to: number): Promise<StoredNodes> {
    if (to <= from) return emptyNodes();
    const levels = new CopyBatch(await copyOut(runner, nodeLevelsCopy(from, to), (to - from) * 2 * 32 + 4096), 5);
    const nodes = StoredNodes.fromLevels(from, to, levels);
    if (nodes !== null) return nodes;
    return StoredNodes.fromCopy(from, new CopyBatch(await copyOut(runner, nodesCopy(from, to), (to - from) * 2 * NODE_ROW_BYTES), 3));
  }

  private async checkpoints(runner: ClientBase, after: number, upTo: number): Promise<StoredCheckpoint[]> {
    const found = await rows<{ size: string; root: Buffer; note: string }>(runner, CHECKPOINTS, [after, upTo]);
    return found.map((r) => ({ size: Number(r.size), root: r.root, note: r.note }));
  }

  /** What can only be seen once the whole log has been walked. */
  private async afterLog(walk: LedgerWalk): Promise<LedgerVerdict> {
    const size = walk.size;
    const [state] = await rows<{ last_seq: string; last_tx_id: string; last_event_row: string }>(
      this.runner,
      `SELECT last_seq, last_tx_id::text AS last_tx_id, last_event_row FROM sequencer_state WHERE id = 1`,
    );
    if (!state) return failure('log-length', size + 1, 'a sequencer_state row', 'none');
    if (Number(state.last_seq) !== size) {
      return failure('log-length', Math.min(size, Number(state.last_seq)) + 1, `a log of ${state.last_seq} events (sequencer_state.last_seq)`, `a log of ${size} events`);
    }
    const [beyond] = await rows<{ size: string }>(this.runner, `SELECT size FROM ledger_checkpoints WHERE size > $1 ORDER BY size LIMIT 1`, [size]);
    if (beyond) {
      return failure('checkpoint-beyond-log', Number(beyond.size), `no checkpoint beyond tree size ${size}`, `a checkpoint at size ${beyond.size}`);
    }
    const external = walk.externalCheckpoint;
    if (external && external.size > size) {
      return failure('external-checkpoint-beyond-log', size + 1, `a log of at least ${external.size} events (the external checkpoint)`, `a log of ${size} events`);
    }
    // Everything at or before the sequencer's position in (tx_id, id) order has been given a seq.
    const [passed] = await rows<{ n: string }>(this.runner, `SELECT count(*) AS n FROM ledger_events WHERE (tx_id, id) <= ($1::xid8, $2::bigint)`, [
      state.last_tx_id,
      state.last_event_row,
    ]);
    if (Number(passed.n) !== size) {
      const [lost] = await rows<{ stream_id: string; version: number; event_id: string }>(
        this.runner,
        `SELECT e.stream_id, e.version, e.event_id FROM ledger_events e
         WHERE (e.tx_id, e.id) <= ($1::xid8, $2::bigint)
           AND NOT EXISTS (SELECT 1 FROM ledger_log l WHERE l.event_id = e.event_id)
         ORDER BY e.tx_id, e.id LIMIT 1`,
        [state.last_tx_id, state.last_event_row],
      );
      return {
        ok: false,
        seq: null,
        streamId: lost?.stream_id,
        version: lost?.version,
        problem: 'event-unsequenced',
        expected: `${size} events before the sequencer's position, all in ledger_log`,
        actual: lost ? `${passed.n} events; event ${lost.event_id} has no seq` : `${passed.n} events`,
      };
    }
    return walk.verdict();
  }
}

/**
 * Runs a COPY ... TO STDOUT on the connection and returns everything it sent, in one buffer
 * (first sized to `expectedBytes`, so a batch is rarely copied while it grows).
 */
async function copyOut(client: ClientBase, sql: string, expectedBytes: number): Promise<Buffer> {
  const copy = new CopyOut(sql, expectedBytes);
  client.query(copy);
  return copy.done;
}

/**
 * A pg "submittable" for COPY TO STDOUT (the protocol pg-copy-streams speaks, without the
 * stream): CopyData messages are appended to one growing buffer. They must be copied as they
 * come, since pg reuses the memory it parsed them from.
 */
class CopyOut implements Submittable {
  private data: Buffer;
  private length = 0;
  private failed: Error | null = null;
  private settle!: { resolve: (data: Buffer) => void; reject: (error: Error) => void };
  readonly done = new Promise<Buffer>((resolve, reject) => {
    this.settle = { resolve, reject };
  });

  constructor(
    private readonly text: string,
    expectedBytes: number,
  ) {
    // At least 64 KiB: a buffer of its own rather than a slice of Buffer's shared pool, so it can move to a worker.
    this.data = Buffer.allocUnsafe(Math.max(1 << 16, expectedBytes));
  }

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    const chunk = message.chunk;
    if (this.length + chunk.length > this.data.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.length + chunk.length));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(chunk, this.length);
    this.length += chunk.length;
  }

  handleError(error: Error): void {
    this.failed = error;
    this.settle.reject(error);
  }

  handleReadyForQuery(): void {
    if (this.failed === null) this.settle.resolve(this.data.subarray(0, this.length));
  }

  handleCopyInResponse(connection: PgConnection): void {
    this.handleError(new Error('COPY asked for data instead of sending it'));
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail('the verifier only reads');
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
}

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const COPY_HEADER = COPY_SIGNATURE.length + 8;

/**
 * Rows in PostgreSQL's binary COPY format (a header, then per row a field count and
 * length-prefixed fields; -1 is NULL), read in place: select a row, then read its fields.
 */
export class CopyBatch {
  readonly rows: number;
  private readonly rowStarts: number[] = [];
  private readonly starts: Int32Array;
  private readonly lengths: Int32Array;

  /** `rowStarts`: where each row starts, when another CopyBatch over the same bytes found that already. */
  constructor(
    readonly data: Buffer,
    readonly fields: number,
    rowStarts?: readonly number[],
  ) {
    this.starts = new Int32Array(fields);
    this.lengths = new Int32Array(fields);
    if (rowStarts !== undefined) {
      this.rowStarts = rowStarts.slice();
      this.rows = rowStarts.length;
      return;
    }
    if (data.length < COPY_HEADER || !data.subarray(0, COPY_SIGNATURE.length).equals(COPY_SIGNATURE)) {
      throw new Error('not a binary COPY stream');
    }
    let pos = COPY_HEADER + data.readInt32BE(COPY_HEADER - 4);
    for (;;) {
      const count = data.readInt16BE(pos);
      if (count === -1) break;
      if (count !== fields) throw new Error(`COPY row has ${count} fields, expected ${fields}`);
      this.rowStarts.push(pos);
      pos += 2;
      for (let field = 0; field < fields; field++) pos += 4 + Math.max(0, data.readInt32BE(pos));
    }
    this.rows = this.rowStarts.length;
  }

  get rowOffsets(): readonly number[] {
    return this.rowStarts;
  }

  select(row: number): void {
    let pos = this.rowStarts[row] + 2;
    for (let field = 0; field < this.fields; field++) {
      const length = this.data.readInt32BE(pos);
      this.starts[field] = pos + 4;
      this.lengths[field] = length;
      pos += 4 + Math.max(0, length);
    }
  }

  isNull(field: number): boolean {
    return this.lengths[field] < 0;
  }

  start(field: number): number {
    return this.starts[field];
  }

  length(field: number): number {
    return this.lengths[field];
  }

  int2(field: number): number | null {
    return this.isNull(field) ? null : this.data.readInt16BE(this.starts[field]);
  }

  int4(field: number): number | null {
    return this.isNull(field) ? null : this.data.readInt32BE(this.starts[field]);
  }

  int8(field: number): number | null {
    if (this.isNull(field)) return null;
    const at = this.starts[field];
    return this.data.readInt32BE(at) * 2 ** 32 + this.data.readUInt32BE(at + 4);
  }

  text(field: number): string | null {
    return this.isNull(field) ? null : this.data.toString('utf8', this.starts[field], this.starts[field] + this.lengths[field]);
  }

  bytes(field: number): Buffer | null {
    return this.isNull(field) ? null : this.data.subarray(this.starts[field], this.starts[field] + this.lengths[field]);
  }
}

/** merkle_nodes rows fetched for one batch, addressable by (level, index), compared in place. */
export class StoredNodes {
  private constructor(
    private readonly from: number,
    private readonly data: Buffer,
    /** offsets[level][index - first index of that level]: where the node's hash starts in data, or -1 when it is not 32 bytes. */
    private readonly offsets: number[][],
  ) {}

  /** `from` is the tree size before the batch; the rows are (level smallint, index bigint, hash bytea), in any order. */
  static fromCopy(from: number, batch: CopyBatch): StoredNodes {
    const offsets: number[][] = [];
    for (let row = 0; row < batch.rows; row++) {
      batch.select(row);
      const level = batch.int2(0) as number;
      const index = batch.int8(1) as number;
      (offsets[level] ??= [])[index - Math.floor(from / 2 ** level)] = batch.length(2) === 32 ? batch.start(2) : -1;
    }
    return new StoredNodes(from, batch.data, offsets);
  }

  /**
   * From {@link nodeLevelsCopy} rows; null when a level is not every node of the range, each 32
   * bytes (then only one row per node says which is which).
   */
  static fromLevels(from: number, to: number, batch: CopyBatch): StoredNodes | null {
    const offsets: number[][] = [];
    for (let row = 0; row < batch.rows; row++) {
      batch.select(row);
      const level = batch.int4(0) as number;
      const first = Math.floor(from / 2 ** level);
      const expected = Math.floor(to / 2 ** level) - first;
      const count = batch.int8(2) as number;
      if (count === 0 && expected === 0) continue;
      if (count !== expected || batch.int8(1) !== first || batch.int8(3) !== 32 * count || batch.length(4) !== 32 * count) return null;
      const start = batch.start(4);
      offsets[level] = Array.from({ length: count }, (_, i) => start + 32 * i);
    }
    return new StoredNodes(from, batch.data, offsets);
  }

  static fromNodes(from: number, nodes: ReadonlyArray<{ level: number; index: number; hash: Uint8Array }>): StoredNodes {
    const data = Buffer.alloc(nodes.length * 32);
    const offsets: number[][] = [];
    nodes.forEach((node, i) => {
      data.set(node.hash.subarray(0, 32), i * 32);
      (offsets[node.level] ??= [])[node.index - Math.floor(from / 2 ** node.level)] = node.hash.length === 32 ? i * 32 : -1;
    });
    return new StoredNodes(from, data, offsets);
  }

  /** True when the stored node is `hash`, false when it is another, undefined when there is none. */
  matches(level: number, index: number, hash: Uint8Array): boolean | undefined {
    const offset = this.offsets[level]?.[index - Math.floor(this.from / 2 ** level)];
    if (offset === undefined) return undefined;
    return offset >= 0 && regionIs(this.data, offset, 32, hash);
  }

  /** Whether the stored node is the 32 bytes at hashes[at, at + 32). */
  matchesAt(level: number, index: number, hashes: Uint8Array, at: number): boolean {
    const offset = this.offsets[level]?.[index - Math.floor(this.from / 2 ** level)];
    return offset !== undefined && offset >= 0 && regionIsRegion(this.data, offset, hashes, at, 32);
  }

  describe(level: number, index: number): string {
    const offset = this.offsets[level]?.[index - Math.floor(this.from / 2 ** level)];
    if (offset === undefined) return 'missing';
    return offset < 0 ? 'not 32 bytes' : toHex(this.data.subarray(offset, offset + 32));
  }
}

function emptyNodes(): StoredNodes {
  return StoredNodes.fromNodes(0, []);
}

/**
 * The last version and hash of every stream seen so far: the one part of the walk that grows
 * with the ledger, kept compact. Streams are found by the bytes of their id (an open-addressing
 * table over an arena of ids), so the walk makes no string and no Map entry per event.
 */
class StreamHeads {
  private count = 0;
  /** Open addressing: head + 1 per slot, 0 when free; a power of two, at most half full. */
  private slots = new Int32Array(2048);
  private idHashes = new Int32Array(1024);
  private idStarts = new Float64Array(1024);
  private idLengths = new Int32Array(1024);
  private ids = new Uint8Array(64 * 1024);
  private idsEnd = 0;
  private versions = new Int32Array(1024);
  private hashes = new Uint8Array(1024 * 32);

  get size(): number {
    return this.count;
  }

  /** The head of the stream whose id is the UTF-8 bytes data[start, start + length), or -1. */
  find(data: Uint8Array, start: number, length: number): number {
    const hash = hashBytes(data, start, length);
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot];
      if (entry === 0) return -1;
      const head = entry - 1;
      if (this.idHashes[head] === hash && this.idLengths[head] === length && regionIsRegion(this.ids, this.idStarts[head], data, start, length)) {
        return head;
      }
    }
  }

  /** A new stream (not found before), with its id's bytes, version and hash (hashes[at, at + 32)). */
  add(data: Uint8Array, start: number, length: number, version: number, hashes: Uint8Array, at: number): void {
    const head = this.count;
    if (head === this.versions.length) this.growHeads();
    if (this.idsEnd + length > this.ids.length) {
      const ids = new Uint8Array(Math.max(this.ids.length * 2, this.idsEnd + length));
      ids.set(this.ids.subarray(0, this.idsEnd));
      this.ids = ids;
    }
    for (let i = 0; i < length; i++) this.ids[this.idsEnd + i] = data[start + i];
    this.idStarts[head] = this.idsEnd;
    this.idLengths[head] = length;
    this.idsEnd += length;
    const hash = hashBytes(data, start, length);
    this.idHashes[head] = hash;
    this.count++;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(head, hash);
    this.update(head, version, hashes, at);
  }

  update(head: number, version: number, hashes: Uint8Array, at: number): void {
    this.versions[head] = version;
    const to = head * 32;
    for (let i = 0; i < 32; i++) this.hashes[to + i] = hashes[at + i];
  }

  version(head: number): number {
    return this.versions[head];
  }

  /** Whether data[start, start + length) is the lowercase hex of the head's hash. */
  hashIsHex(head: number, data: Uint8Array, start: number, length: number): boolean {
    return hexIsAt(data, start, length, this.hashes, head * 32);
  }

  hex(head: number): string {
    return toHex(this.hashes.subarray(head * 32, head * 32 + 32));
  }

  private place(head: number, hash: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = head + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let head = 0; head < this.count; head++) this.place(head, this.idHashes[head]);
  }

  private growHeads(): void {
    const size = this.versions.length * 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(from: T, make: (n: number) => T, width = 1): T => {
      const to = make(size * width);
      to.set(from);
      return to;
    };
    this.idHashes = grow(this.idHashes, (n) => new Int32Array(n));
    this.idStarts = grow(this.idStarts, (n) => new Float64Array(n));
    this.idLengths = grow(this.idLengths, (n) => new Int32Array(n));
    this.versions = grow(this.versions, (n) => new Int32Array(n));
    this.hashes = grow(this.hashes, (n) => new Uint8Array(n), 32);
  }
}

/** FNV-1a over data[start, start + length): a 32-bit hash for the stream table. */
function hashBytes(data: Uint8Array, start: number, length: number): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = start; i < start + length; i++) hash = Math.imul(hash ^ data[i], 0x01000193);
  return hash;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
}

/**
 * The checks themselves, fed batch by batch in seq order; no I/O, so tests can feed it directly.
 * Problems at one seq are reported before problems of the tree that holds that seq's leaf.
 */
export class LedgerWalk {
  private readonly tree = new FrontierTree();
  private treeSize = 0;
  private readonly heads = new StreamHeads();
  private checkpointCount = 0;
  private nodeCount = 0;
  private externalChecked = false;
  private readonly scanner = new CanonicalScanner();

  constructor(
    private readonly key: VerifierKey | null,
    readonly externalCheckpoint: Checkpoint | null,
    private readonly checkNodes: boolean,
  ) {}

  get size(): number {
    return this.treeSize;
  }

  get streams(): number {
    return this.heads.size;
  }

  /**
   * Checks the next log rows (columns {@link LOG_BATCH_COLUMNS}, in seq order), the stored nodes
   * of the tree they grow and the checkpoints whose size falls among them; returns the first
   * failure or null. `checks` are the batch's stateless checks when they were run elsewhere (a
   * worker); otherwise they run here.
   */
  walk(
    batch: CopyBatch | null,
    nodes: StoredNodes,
    checkpoints: readonly StoredCheckpoint[],
    checks: BatchChecks | null = batch === null ? null : checkBatch(batch, this.scanner),
  ): LedgerFailure | null {
    // Row i's leaf hash is checks.hashes[64 i + 32, 64 i + 64); the rows before the first failure grow the tree.
    let leaves = 0;
    let eventFailure: LedgerFailure | null = null;
    if (batch !== null && checks !== null) {
      for (let row = 0; row < batch.rows; row++) {
        batch.select(row);
        const failed = this.followEvent(batch, row, this.treeSize + leaves + 1, checks);
        if (failed !== null) {
          eventFailure = failed;
          break;
        }
        leaves++;
      }
    }
    return this.grow(leaves, checks?.hashes ?? EMPTY, batch, nodes, checkpoints) ?? eventFailure;
  }

  verdict(): LedgerVerified {
    const root = toHex(this.root());
    const external = this.externalCheckpoint;
    return {
      ok: true,
      events: this.treeSize,
      streams: this.heads.size,
      checkpoints: this.checkpointCount,
      merkleNodes: this.nodeCount,
      size: this.treeSize,
      root,
      ...(external && this.externalChecked ? { externalCheckpoint: { size: external.size, root: toHex(external.root) } } : {}),
    };
  }

  /**
   * The checks of the selected row that need what came before it: its seq, its stream's last
   * version and hash. In the order a row's problems are reported: seq, then the stateless checks
   * (already run), then version and chain, then the leaf.
   */
  private followEvent(row: CopyBatch, index: number, seq: number, checks: BatchChecks): LedgerFailure | null {
    const logged = row.int8(SEQ);
    if (logged !== seq) return failure('seq-gap', seq, `seq ${seq}`, `seq ${logged} follows seq ${seq - 1}`);
    if (checks.failure !== null && checks.failure.row === index) return checks.failure.failure;
    const data = row.data;
    const version = row.int4(VERSION) as number;
    const head = this.heads.find(data, row.start(STREAM_ID), row.length(STREAM_ID));
    const next = head < 0 ? 1 : this.heads.version(head) + 1;
    if (version !== next) return failure('version-order', locate(row), `version ${next}`, `version ${version}`);
    // The envelope's prevHash is the prev_hash column (checked statelessly): it must be the previous hash.
    const linked = head < 0 ? row.isNull(PREV_HASH) : this.heads.hashIsHex(head, data, row.start(PREV_HASH), row.length(PREV_HASH));
    if (!linked) {
      return failure('chain-broken', locate(row), `prevHash ${head < 0 ? null : this.heads.hex(head)}`, `prevHash ${row.text(PREV_HASH)}`);
    }
    if (checks.leafOk[index] !== 1) {
      const leaf = checks.hashes.subarray(index * 64 + 32, index * 64 + 64);
      return failure('leaf-mismatch', locate(row), toHex(leaf), toHex(row.bytes(LEAF_HASH) as Buffer));
    }
    // The event's hash (SHA-256 of its canonical bytes) is the stream's head now.
    if (head < 0) this.heads.add(data, row.start(STREAM_ID), row.length(STREAM_ID), version, checks.hashes, index * 64);
    else this.heads.update(head, version, checks.hashes, index * 64);
    return null;
  }

  /** Appends `leaves` leaf hashes, the i-th at hashes[64 i + 32, 64 i + 64). */
  private grow(
    leaves: number,
    hashes: Uint8Array,
    batch: CopyBatch | null,
    nodes: StoredNodes,
    checkpoints: readonly StoredCheckpoint[],
  ): LedgerFailure | null {
    const start = this.treeSize;
    const end = start + leaves;
    const external = this.externalCheckpoint;
    const marks = checkpoints.map((c) => c.size).filter((size) => size <= end);
    if (external && external.size >= start && external.size <= end && !this.externalChecked) marks.push(external.size);
    marks.sort((a, b) => a - b);
    let next = 0;
    for (const size of [...marks, end]) {
      if (size < this.treeSize) continue;
      const failed = this.append(hashes, this.treeSize - start, size - start, batch, start, nodes);
      if (failed) return failed;
      while (next < checkpoints.length && checkpoints[next].size === size) {
        const bad = this.checkCheckpoint(checkpoints[next++], batch, start);
        if (bad) return bad;
      }
      if (external && external.size === size && !this.externalChecked) {
        const root = this.root();
        if (!bytesEqual(root, external.root)) {
          return failure('external-checkpoint-mismatch', this.at(size, batch, start), toHex(root), toHex(external.root));
        }
        this.externalChecked = true;
      }
    }
    return null;
  }

  /** Appends the leaves of rows [from, to) (hashes as in {@link grow}), checking every node that completes. */
  private append(hashes: Uint8Array, from: number, to: number, batch: CopyBatch | null, start: number, nodes: StoredNodes): LedgerFailure | null {
    const tree = this.tree;
    for (let row = from; row < to; row++) {
      // Each node that completes (the leaf, then each pair it closes) is compared as it is made.
      const bad = tree.append(hashes, row * 64 + 32, this.checkNodes ? nodes : null);
      if (bad !== null) {
        // A node is complete once its last leaf is in: that leaf's seq is the first that shows it.
        const seq = (bad.index + 1) * 2 ** bad.level;
        return failure(
          'merkle-node-mismatch',
          this.at(seq, batch, start),
          `node (${bad.level}, ${bad.index}) ${toHex(bad.hash)}`,
          `node (${bad.level}, ${bad.index}) ${nodes.describe(bad.level, bad.index)}`,
        );
      }
    }
    if (this.checkNodes) this.nodeCount = tree.nodes;
    this.treeSize = tree.size;
    return null;
  }

  private checkCheckpoint(checkpoint: StoredCheckpoint, batch: CopyBatch | null, start: number): LedgerFailure | null {
    const at = this.at(checkpoint.size, batch, start);
    if (this.key === null) return failure('checkpoint-missing-key', at, 'a verifier key in ledger_identity', 'none');
    let signed: Checkpoint;
    try {
      signed = openCheckpoint(checkpoint.note, this.key);
    } catch (error) {
      return failure('checkpoint-signature', at, `a checkpoint note signed by ${keyLabel(this.key)}`, message(error));
    }
    if (signed.size !== checkpoint.size || !bytesEqual(signed.root, checkpoint.root)) {
      return failure(
        'checkpoint-mismatch',
        at,
        `size ${checkpoint.size}, root ${toHex(checkpoint.root)} (ledger_checkpoints row)`,
        `size ${signed.size}, root ${toHex(signed.root)} (its signed note)`,
      );
    }
    const root = this.root();
    if (!bytesEqual(root, checkpoint.root)) return failure('root-mismatch', at, toHex(root), toHex(checkpoint.root));
    this.checkpointCount += 1;
    return null;
  }

  private root(): Uint8Array {
    return this.treeSize === 0 ? emptyRoot() : this.tree.root();
  }

  /** Where a tree problem at `seq` is: with the stream and version of that seq's event when it is in this batch. */
  private at(seq: number, batch: CopyBatch | null, start: number): Location {
    const row = seq - start - 1;
    if (batch === null || row < 0 || row >= batch.rows) return { seq };
    batch.select(row);
    return locate(batch);
  }
}

/** What the stateless checks found in one batch. */
export interface BatchChecks {
  /** Per row: SHA-256 of its canonical bytes (32 bytes), then its leaf hash (32 bytes). */
  readonly hashes: Uint8Array;
  /** Per row: 1 when ledger_log.leaf_hash is the recomputed leaf hash. */
  readonly leafOk: Uint8Array;
  /** The first row whose stateless checks failed; rows after it were not checked. */
  readonly failure: { readonly row: number; readonly failure: LedgerFailure } | null;
}

/**
 * The checks of each row that need nothing from the rows before it — the event is there, the log
 * row is its, its hash, canonical form, envelope and columns agree — plus its leaf hash. The
 * costly part of verifying (hashing and scanning every envelope), so it can run in a worker.
 */
export function checkBatch(batch: CopyBatch, scanner: CanonicalScanner = new CanonicalScanner()): BatchChecks {
  const hashes = new Uint8Array(batch.rows * 64);
  const leafOk = new Uint8Array(batch.rows);
  for (let row = 0; row < batch.rows; row++) {
    batch.select(row);
    const failed = checkRow(batch, row, scanner, hashes, leafOk);
    if (failed !== null) return { hashes, leafOk, failure: { row, failure: failed } };
  }
  return { hashes, leafOk, failure: null };
}

function checkRow(row: CopyBatch, index: number, scanner: CanonicalScanner, hashes: Uint8Array, leafOk: Uint8Array): LedgerFailure | null {
  const data = row.data;
  if (row.isNull(CANONICAL) || row.isNull(HASH) || row.isNull(STREAM_ID) || row.isNull(VERSION)) {
    return failure('event-missing', locate(row), `event ${row.text(EVENT_ID)} in ledger_events`, 'no such event');
  }
  if (!row.isNull(LOG_STREAM_ID) || !row.isNull(LOG_VERSION)) {
    const streamId = row.text(STREAM_ID);
    const version = row.int4(VERSION);
    return failure(
      'log-mismatch',
      locate(row),
      `${streamId} version ${version} (the event)`,
      `${row.text(LOG_STREAM_ID) ?? streamId} version ${row.int4(LOG_VERSION) ?? version} (ledger_log)`,
    );
  }
  const start = row.start(CANONICAL);
  const end = start + row.length(CANONICAL);
  const digest = hash('sha256', data.subarray(start, end), 'buffer');
  if (!hexIs(data, row.start(HASH), row.length(HASH), digest)) {
    return failure('hash-mismatch', locate(row), toHex(digest), row.text(HASH) as string);
  }
  const envelope = readEnvelope(scanner, data, start, end);
  if (typeof envelope === 'string') return failure('not-canonical', locate(row), 'RFC 8785 canonical JSON', envelope);
  const disagreement = envelopeProblem(envelope) ?? columnDisagreement(envelope, row);
  if (disagreement !== null) return failure(disagreement.problem, locate(row), disagreement.expected, disagreement.actual);
  hashes.set(digest, index * 64);
  leafHashInto(hashes, index * 64, hashes, index * 64 + 32);
  leafOk[index] = row.length(LEAF_HASH) === 32 && regionIsRegion(data, row.start(LEAF_HASH), hashes, index * 64 + 32, 32) ? 1 : 0;
  return null;
}

/** The envelope's members, or why the bytes are not canonical. */
function readEnvelope(scanner: CanonicalScanner, data: Buffer, start: number, end: number): EnvelopeMembers | string {
  if (scanner.scan(data, start, end)) return scanner;
  // The scanner only accepts the common shapes; anything else is settled by the reference.
  const text = data.toString('utf8', start, end);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${message(error)}`;
  }
  let again: string;
  try {
    again = canonicalize(parsed);
  } catch (error) {
    return message(error);
  }
  if (!Buffer.from(again, 'utf8').equals(data.subarray(start, end))) {
    return `differs from its canonical form at offset ${firstDifference(again, text)}`;
  }
  return new ParsedMembers(isObject(parsed) ? (parsed as Record<string, unknown>) : {});
}

interface Location {
  readonly seq: number | null;
  readonly streamId?: string;
  readonly version?: number;
}

/** The seq, stream and version the selected log row names. */
function locate(row: CopyBatch): Location {
  const streamId = row.text(LOG_STREAM_ID) ?? row.text(STREAM_ID);
  const version = row.int4(LOG_VERSION) ?? row.int4(VERSION);
  return { seq: row.int8(SEQ), ...(streamId === null ? {} : { streamId }), ...(version === null ? {} : { version }) };
}

function failure(problem: LedgerProblem, where: number | null | Location, expected: string, actual: string): LedgerFailure {
  const location = typeof where === 'object' && where !== null ? where : { seq: where };
  return { ok: false, ...location, problem, expected, actual };
}

function identityFailure(expected: string, actual: string): LedgerFailure {
  return failure('identity-mismatch', null, expected, actual);
}

/** The top-level members of an envelope, in text order; values decoded only when a check needs it. */
interface EnvelopeMembers {
  readonly count: number;
  name(index: number): string;
  hasName(index: number, name: string): boolean;
  /** A string or scalar as JSON.parse gives it; a stand-in for an object or array. */
  value(index: number): unknown;
  isObject(index: number): boolean;
  isNull(index: number): boolean;
  isNonEmptyString(index: number): boolean;
  isPositiveInteger(index: number): boolean;
  isInteger(index: number, expected: number): boolean;
  /** Whether the member is the string whose UTF-8 bytes are data[start, start + length). */
  isText(index: number, data: Buffer, start: number, length: number): boolean;
}

/** The slow path's view of an envelope the reference parsed. */
class ParsedMembers implements EnvelopeMembers {
  private readonly names: string[];

  constructor(private readonly record: Readonly<Record<string, unknown>>) {
    this.names = Object.keys(record).sort();
  }

  get count(): number {
    return this.names.length;
  }

  name(index: number): string {
    return this.names[index];
  }

  hasName(index: number, name: string): boolean {
    return this.names[index] === name;
  }

  value(index: number): unknown {
    return this.record[this.names[index]];
  }

  isObject(index: number): boolean {
    return isObject(this.value(index));
  }

  isNull(index: number): boolean {
    return this.value(index) === null;
  }

  isNonEmptyString(index: number): boolean {
    const value = this.value(index);
    return typeof value === 'string' && value !== '';
  }

  isPositiveInteger(index: number): boolean {
    const value = this.value(index);
    return Number.isSafeInteger(value) && (value as number) > 0;
  }

  isInteger(index: number, expected: number): boolean {
    return this.value(index) === expected;
  }

  isText(index: number, data: Buffer, start: number, length: number): boolean {
    return this.value(index) === data.toString('utf8', start, start + length);
  }
}

interface Disagreement {
  readonly problem: 'envelope-malformed' | 'envelope-mismatch';
  readonly expected: string;
  readonly actual: string;
}

const TEXT_MEMBERS = ['correlationId', 'causationId', 'occurredAt', 'recordedAt'] as const;
const OBJECT_MEMBERS = ['actor', 'payload'] as const;

function envelopeProblem(envelope: EnvelopeMembers): Disagreement | null {
  let exact = envelope.count === ENVELOPE_MEMBERS.length;
  for (let i = 0; exact && i < ENVELOPE_MEMBERS.length; i++) exact = envelope.hasName(i, ENVELOPE_MEMBERS[i]);
  if (!exact) {
    const names = Array.from({ length: envelope.count }, (_, i) => envelope.name(i));
    return malformed(`members ${ENVELOPE_MEMBERS.join(', ')}`, `members ${names.join(', ')}`);
  }
  // The members are in ENVELOPE_MEMBERS order now, so MEMBER gives each one's index.
  for (let i = 0; i < OBJECT_MEMBERS.length; i++) {
    const name = OBJECT_MEMBERS[i];
    if (!envelope.isObject(MEMBER[name])) return malformed(`${name} a JSON object`, `${name} ${describeValue(envelope.value(MEMBER[name]))}`);
  }
  for (let i = 0; i < TEXT_MEMBERS.length; i++) {
    const name = TEXT_MEMBERS[i];
    if (!envelope.isNonEmptyString(MEMBER[name])) return malformed(`${name} a non-empty string`, `${name} ${describeValue(envelope.value(MEMBER[name]))}`);
  }
  if (!envelope.isPositiveInteger(MEMBER.schemaVersion)) {
    return malformed('schemaVersion a positive integer', `schemaVersion ${describeValue(envelope.value(MEMBER.schemaVersion))}`);
  }
  return null;
}

function malformed(expected: string, actual: string): Disagreement {
  return { problem: 'envelope-malformed', expected, actual };
}

/** The first envelope member that is not what its column says. */
function columnDisagreement(envelope: EnvelopeMembers, row: CopyBatch): Disagreement | null {
  return (
    textDiffers(envelope, 'streamId', row, STREAM_ID) ??
    textDiffers(envelope, 'streamType', row, STREAM_TYPE) ??
    (envelope.isInteger(MEMBER.version, row.int4(VERSION) as number) ? null : differs(envelope, 'version', row.int4(VERSION))) ??
    textDiffers(envelope, 'eventId', row, EVENT_ID) ??
    textDiffers(envelope, 'type', row, TYPE) ??
    textDiffers(envelope, 'commandId', row, COMMAND_ID) ??
    (row.isNull(PREV_HASH)
      ? envelope.isNull(MEMBER.prevHash)
        ? null
        : differs(envelope, 'prevHash', null)
      : textDiffers(envelope, 'prevHash', row, PREV_HASH))
  );
}

/** The envelope members that have a column of their own. */
type ColumnMember = 'streamId' | 'streamType' | 'version' | 'eventId' | 'type' | 'commandId' | 'prevHash';

function textDiffers(envelope: EnvelopeMembers, member: ColumnMember, row: CopyBatch, field: number): Disagreement | null {
  if (!row.isNull(field) && envelope.isText(MEMBER[member], row.data, row.start(field), row.length(field))) return null;
  return differs(envelope, member, row.text(field));
}

function differs(envelope: EnvelopeMembers, member: ColumnMember, stored: unknown): Disagreement {
  const column = LOG_BATCH_COLUMNS[COLUMN_OF[member]];
  return {
    problem: 'envelope-mismatch',
    expected: `${column} ${describeValue(envelope.value(MEMBER[member]))} (the envelope's ${member})`,
    actual: `${column} ${describeValue(stored)}`,
  };
}

const COLUMN_OF: Record<ColumnMember, number> = {
  streamId: STREAM_ID,
  streamType: STREAM_TYPE,
  version: VERSION,
  eventId: EVENT_ID,
  type: TYPE,
  commandId: COMMAND_ID,
  prevHash: PREV_HASH,
};

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeValue(value: unknown): string {
  if (value === OBJECT) return 'an object';
  if (value === ARRAY) return 'an array';
  if (isObject(value)) return 'an object';
  if (Array.isArray(value)) return 'an array';
  return JSON.stringify(value) ?? String(value);
}

function sameKey(a: VerifierKey, b: VerifierKey): boolean {
  return a.name === b.name && bytesEqual(a.keyId, b.keyId) && bytesEqual(a.publicKeyRaw, b.publicKeyRaw);
}

function keyLabel(key: VerifierKey): string {
  return `${key.name}+${toHex(key.keyId)}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Whether data[start, start + length) is exactly `bytes`. */
function regionIs(data: Uint8Array, start: number, length: number, bytes: Uint8Array): boolean {
  if (length !== bytes.length) return false;
  for (let i = 0; i < length; i++) if (data[start + i] !== bytes[i]) return false;
  return true;
}

const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Whether data[start, start + length) is the lowercase hex spelling of the 32 bytes at bytes[at, at + 32). */
function hexIsAt(data: Uint8Array, start: number, length: number, bytes: Uint8Array, at: number): boolean {
  if (length !== 64) return false;
  for (let i = 0; i < 32; i++) {
    const byte = bytes[at + i];
    if (data[start + 2 * i] !== HEX_DIGITS[byte >> 4] || data[start + 2 * i + 1] !== HEX_DIGITS[byte & 15]) return false;
  }
  return true;
}

/** Whether data[start, start + length) is the lowercase hex spelling of `bytes`. */
function hexIs(data: Uint8Array, start: number, length: number, bytes: Uint8Array): boolean {
  if (length !== bytes.length * 2) return false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (data[start + 2 * i] !== HEX_DIGITS[byte >> 4] || data[start + 2 * i + 1] !== HEX_DIGITS[byte & 15]) return false;
  }
  return true;
}

/** Stand-ins for object and array member values, which the envelope checks only need the kind of. */
const OBJECT: object = Object.freeze({});
const ARRAY: readonly unknown[] = Object.freeze([]);

const MAX_DEPTH = 64;
const PLAIN = 0;
const ESCAPED = 1;
const INVALID = -1;

/**
 * A one-pass check that UTF-8 bytes are exactly the RFC 8785 form of themselves (the bytes of
 * `canonicalize(JSON.parse(text))`) for the shapes events take, many times cheaper than decoding,
 * parsing and serialising again. It accepts only what RFC 8785 writes: no whitespace, members in
 * strictly ascending order, numbers in ECMAScript shortest form, strings escaped exactly as
 * JSON.stringify escapes them. So `scan(...) === true` implies canonical. It refuses what it
 * cannot settle cheaply — a member name with an escape, two names whose order in bytes is not
 * their UTF-16 order, very deep nesting — and the caller then asks the reference implementation.
 * The bytes must be valid UTF-8 (text in a UTF8 database is).
 */
export class CanonicalScanner implements EnvelopeMembers {
  private data: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;
  // Where each top-level member's name and value are, in the bytes last scanned.
  private readonly nameStarts: number[] = [];
  private readonly nameEnds: number[] = [];
  private readonly valueStarts: number[] = [];
  private readonly valueEnds: number[] = [];

  scan(data: Buffer, start = 0, end = data.length): boolean {
    this.data = data;
    this.pos = start;
    this.end = end;
    this.nameStarts.length = 0;
    this.nameEnds.length = 0;
    this.valueStarts.length = 0;
    this.valueEnds.length = 0;
    return end > start && data[start] === 0x7b && this.object(0) && this.pos === end;
  }

  /** Of the bytes last accepted by {@link scan}: how many top-level members they hold. */
  get count(): number {
    return this.nameStarts.length;
  }

  name(index: number): string {
    return this.data.toString('utf8', this.nameStarts[index], this.nameEnds[index]);
  }

  hasName(index: number, name: string): boolean {
    const start = this.nameStarts[index];
    if (this.nameEnds[index] - start !== name.length) return false;
    for (let i = 0; i < name.length; i++) if (this.data[start + i] !== name.charCodeAt(i)) return false;
    return true;
  }

  value(index: number): unknown {
    return decodeMember(this.data, this.valueStarts[index], this.valueEnds[index]);
  }

  isObject(index: number): boolean {
    return this.data[this.valueStarts[index]] === 0x7b;
  }

  isNull(index: number): boolean {
    return this.data[this.valueStarts[index]] === 0x6e;
  }

  isNonEmptyString(index: number): boolean {
    return this.data[this.valueStarts[index]] === 0x22 && this.valueEnds[index] - this.valueStarts[index] > 2;
  }

  isPositiveInteger(index: number): boolean {
    const value = integerAt(this.data, this.valueStarts[index], this.valueEnds[index]);
    return value !== null && value > 0;
  }

  isInteger(index: number, expected: number): boolean {
    return integerAt(this.data, this.valueStarts[index], this.valueEnds[index]) === expected;
  }

  isText(index: number, data: Buffer, start: number, length: number): boolean {
    const from = this.valueStarts[index];
    const to = this.valueEnds[index];
    if (this.data[from] !== 0x22) return false;
    // Byte for byte, unless the member needed escapes: then compare what both decode to.
    if (to - from - 2 === length && regionIsRegion(this.data, from + 1, data, start, length)) return true;
    const escape = this.data.indexOf(0x5c, from);
    return escape >= 0 && escape < to && this.value(index) === data.toString('utf8', start, start + length);
  }

  private anyValue(depth: number): boolean {
    switch (this.data[this.pos]) {
      case 0x7b:
        return this.object(depth);
      case 0x5b:
        return this.array(depth);
      case 0x22:
        return this.string() !== INVALID;
      case 0x74:
        return this.literal(TRUE);
      case 0x66:
        return this.literal(FALSE);
      case 0x6e:
        return this.literal(NULL);
      default:
        return this.number();
    }
  }

  private object(depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    const data = this.data;
    this.pos++;
    if (data[this.pos] === 0x7d) {
      this.pos++;
      return true;
    }
    let previousStart = -1;
    let previousEnd = -1;
    for (;;) {
      const nameStart = this.pos;
      if (data[nameStart] !== 0x22 || this.string() !== PLAIN) return false;
      const nameEnd = this.pos - 1;
      // Strictly ascending as RFC 8785 sorts (UTF-16 code units), so no duplicates either.
      if (previousStart >= 0 && !ascending(data, previousStart, previousEnd, nameStart + 1, nameEnd)) return false;
      previousStart = nameStart + 1;
      previousEnd = nameEnd;
      if (data[this.pos] !== 0x3a) return false;
      const valueStart = ++this.pos;
      if (!this.anyValue(depth + 1)) return false;
      if (depth === 0) {
        this.nameStarts.push(previousStart);
        this.nameEnds.push(previousEnd);
        this.valueStarts.push(valueStart);
        this.valueEnds.push(this.pos);
      }
      const next = data[this.pos++];
      if (next === 0x7d) return true;
      if (next !== 0x2c) return false;
    }
  }

  private array(depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    this.pos++;
    if (this.data[this.pos] === 0x5d) {
      this.pos++;
      return true;
    }
    for (;;) {
      if (!this.anyValue(depth + 1)) return false;
      const next = this.data[this.pos++];
      if (next === 0x5d) return true;
      if (next !== 0x2c) return false;
    }
  }

  /** PLAIN or ESCAPED when a string JSON.stringify would write starts at pos (and moves past it), else INVALID. */
  private string(): number {
    const data = this.data;
    const end = this.end;
    let i = this.pos + 1;
    let kind = PLAIN;
    // One pass in JavaScript: the strings are short, and a call to the native indexOf per string
    // costs more than looking at their few bytes.
    while (i < end) {
      const c = data[i];
      if (c === 0x22) {
        this.pos = i + 1;
        return kind;
      }
      if (c === 0x5c) {
        // An escape that runs past `end` leaves i >= end: the loop ends and the string is refused.
        const escape = data[i + 1];
        if (escape === 0x22 || escape === 0x5c || escape === 0x62 || escape === 0x66 || escape === 0x6e || escape === 0x72 || escape === 0x74) {
          i += 2;
        } else if (escape === 0x75 && isControlEscape(data, i + 2)) {
          i += 6;
        } else {
          return INVALID;
        }
        kind = ESCAPED;
        continue;
      }
      // Bytes of multi-byte characters pass as they are: JSON.stringify leaves them unescaped.
      if (c < 0x20) return INVALID;
      i++;
    }
    return INVALID;
  }

  private literal(word: Uint8Array): boolean {
    if (this.pos + word.length > this.end || !regionIs(this.data, this.pos, word.length, word)) return false;
    this.pos += word.length;
    return true;
  }

  private number(): boolean {
    const data = this.data;
    const start = this.pos;
    let i = start;
    while (i < this.end) {
      const c = data[i];
      if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45) i++;
      else break;
    }
    if (i === start) return false;
    if (integerAt(data, start, i) === null) {
      const literal = data.toString('latin1', start, i);
      const value = Number(literal);
      // String(value) is always valid JSON for a finite number, so equality means the literal is RFC 8785's.
      if (!Number.isFinite(value) || String(value) !== literal) return false;
    }
    this.pos = i;
    return true;
  }
}

const TRUE = Uint8Array.from([0x74, 0x72, 0x75, 0x65]);
const FALSE = Uint8Array.from([0x66, 0x61, 0x6c, 0x73, 0x65]);
const NULL = Uint8Array.from([0x6e, 0x75, 0x6c, 0x6c]);

/**
 * The value of data[start, end) when it is an integer written as RFC 8785 writes one (no sign
 * but '-', no leading zero, no "-0", at most 15 digits so it is exact); otherwise null.
 */
function integerAt(data: Uint8Array, start: number, end: number): number | null {
  const negative = data[start] === 0x2d;
  const first = negative ? start + 1 : start;
  const digits = end - first;
  if (digits < 1 || digits > 15 || (data[first] === 0x30 && (digits > 1 || negative))) return null;
  let value = 0;
  for (let i = first; i < end; i++) {
    const digit = data[i] - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/**
 * Whether the name in data[a, aEnd) sorts strictly before the one in data[b, bEnd), in UTF-16
 * code units as RFC 8785 sorts. UTF-8 byte order is code point order, which is UTF-16 order
 * except that characters from U+10000 (lead bytes F0..F4) sort before U+E000..U+FFFF (EE, EF) in
 * UTF-16; there this answers false, and the caller leaves the text to the reference.
 */
function ascending(data: Uint8Array, a: number, aEnd: number, b: number, bEnd: number): boolean {
  const length = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < length; i++) {
    const x = data[a + i];
    const y = data[b + i];
    if (x === y) continue;
    if (x >= 0xee && y >= 0xee && x >= 0xf0 !== y >= 0xf0) return false;
    return x < y;
  }
  return aEnd - a < bEnd - b;
}

/** `\u00XX` as JSON.stringify writes it: lowercase hex, only for controls without a short escape. */
function isControlEscape(data: Uint8Array, at: number): boolean {
  if (data[at] !== 0x30 || data[at + 1] !== 0x30) return false;
  const high = data[at + 2];
  const low = data[at + 3];
  if (high !== 0x30 && high !== 0x31) return false;
  const lowValue = low >= 0x30 && low <= 0x39 ? low - 0x30 : low >= 0x61 && low <= 0x66 ? low - 0x57 : -1;
  if (lowValue < 0) return false;
  const code = (high - 0x30) * 16 + lowValue;
  return code !== 0x08 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d;
}

function regionIsRegion(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/** Decodes one member value of a canonical text (a scalar, or a stand-in for a container). */
function decodeMember(data: Buffer, start: number, end: number): unknown {
  switch (data[start]) {
    case 0x22: {
      const inner = data.toString('utf8', start + 1, end - 1);
      return inner.includes('\\') ? (JSON.parse(`"${inner}"`) as string) : inner;
    }
    case 0x7b:
      return OBJECT;
    case 0x5b:
      return ARRAY;
    case 0x6e:
      return null;
    case 0x74:
      return true;
    case 0x66:
      return false;
    default:
      return Number(data.toString('latin1', start, end));
  }
}

const EMPTY = new Uint8Array(0);

/**
 * The RFC 6962 tree grown leaf by leaf from its frontier (the roots of the complete subtrees along
 * its right edge, largest first), all in one preallocated buffer: no allocation per leaf or node.
 */
class FrontierTree {
  /** The frontier: entry i at [32 i, 32 i + 32); one per set bit of the size, at most 53. */
  private readonly edge = new Uint8Array(64 * 32);
  private depth = 0;
  /** Leaves appended. */
  size = 0;
  /** Nodes made (leaves included). */
  nodes = 0;

  /**
   * Appends the leaf hash at hashes[at, at + 32); with `stored`, compares each node that
   * completes (the leaf first, then upwards) and returns the first that differs, without appending.
   */
  append(hashes: Uint8Array, at: number, stored: StoredNodes | null): MismatchedNode | null {
    const edge = this.edge;
    let top = this.depth;
    for (let i = 0; i < 32; i++) edge[top * 32 + i] = hashes[at + i];
    let index = this.size;
    let level = 0;
    if (stored !== null && !stored.matchesAt(0, index, edge, top * 32)) return mismatched(0, index, edge, top * 32);
    let made = 1;
    // Each trailing 1 bit of the old size is a complete left sibling that now gets its pair.
    while (index % 2 === 1) {
      top--;
      nodeHashInto(edge, top * 32, edge, top * 32 + 32, edge, top * 32);
      level++;
      index = (index - 1) / 2;
      made++;
      if (stored !== null && !stored.matchesAt(level, index, edge, top * 32)) return mismatched(level, index, edge, top * 32);
    }
    this.depth = top + 1;
    this.size++;
    this.nodes += made;
    return null;
  }

  /** The root of the tree as it stands (size > 0). */
  root(): Uint8Array {
    const edge = this.edge;
    const hash = edge.slice((this.depth - 1) * 32, this.depth * 32);
    for (let i = this.depth - 2; i >= 0; i--) nodeHashInto(edge, i * 32, hash, 0, hash, 0);
    return hash;
  }
}

interface MismatchedNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

function mismatched(level: number, index: number, data: Uint8Array, at: number): MismatchedNode {
  return { level, index, hash: data.slice(at, at + 32) };
}

/*
 * SHA-256 (FIPS 180-4) of the two fixed shapes the tree hashes: a leaf, 0x00 || 32 bytes (one
 * block), and a node, 0x01 || 32 || 32 bytes (two blocks). In plain JavaScript on preallocated
 * words these cost well under a microsecond, less than the call into OpenSSL and its buffers.
 */
const K256 = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV256 = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const SHA_W = new Int32Array(64);
const SHA_H = new Int32Array(8);
/** The message, padded: at most two blocks. */
const SHA_BLOCKS = new Uint8Array(128);

function sha256Compress(block: Uint8Array, at: number): void {
  const w = SHA_W;
  for (let i = 0; i < 16; i++) {
    const j = at + 4 * i;
    w[i] = (block[j] << 24) | (block[j + 1] << 16) | (block[j + 2] << 8) | block[j + 3];
  }
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15];
    const w2 = w[i - 2];
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  const h = SHA_H;
  let a = h[0];
  let b = h[1];
  let c = h[2];
  let d = h[3];
  let e = h[4];
  let f = h[5];
  let g = h[6];
  let k = h[7];
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + s1 + ((e & f) ^ (~e & g)) + K256[i] + w[i]) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0;
  h[5] = (h[5] + f) | 0;
  h[6] = (h[6] + g) | 0;
  h[7] = (h[7] + k) | 0;
}

function sha256Out(out: Uint8Array, at: number): void {
  for (let i = 0; i < 8; i++) {
    const v = SHA_H[i];
    out[at + 4 * i] = v >>> 24;
    out[at + 4 * i + 1] = (v >>> 16) & 0xff;
    out[at + 4 * i + 2] = (v >>> 8) & 0xff;
    out[at + 4 * i + 3] = v & 0xff;
  }
}

/** out[outAt, outAt + 32) = SHA-256(0x00 || input[at, at + 32)): the RFC 6962 leaf hash. Out may overlap the input. */
export function leafHashInto(input: Uint8Array, at: number, out: Uint8Array, outAt: number): void {
  const m = SHA_BLOCKS;
  m[0] = 0x00;
  for (let i = 0; i < 32; i++) m[1 + i] = input[at + i];
  m[33] = 0x80;
  m.fill(0, 34, 62);
  // 33 bytes = 264 bits.
  m[62] = 0x01;
  m[63] = 0x08;
  SHA_H.set(IV256);
  sha256Compress(m, 0);
  sha256Out(out, outAt);
}

/** out[outAt, outAt + 32) = SHA-256(0x01 || left || right): an RFC 6962 interior node. Out may overlap either input. */
export function nodeHashInto(left: Uint8Array, leftAt: number, right: Uint8Array, rightAt: number, out: Uint8Array, outAt: number): void {
  const m = SHA_BLOCKS;
  m[0] = 0x01;
  for (let i = 0; i < 32; i++) m[1 + i] = left[leftAt + i];
  for (let i = 0; i < 32; i++) m[33 + i] = right[rightAt + i];
  m[65] = 0x80;
  m.fill(0, 66, 126);
  // 65 bytes = 520 bits.
  m[126] = 0x02;
  m[127] = 0x08;
  SHA_H.set(IV256);
  sha256Compress(m, 0);
  sha256Compress(m, 64);
  sha256Out(out, outAt);
}

/** The worker_threads role this module takes when it is started as a batch-check worker. */
const CHECKS_WORKER = 'ledger-verifier:batch-checks';

interface CheckRequest {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly offset: number;
  readonly length: number;
}

type CheckReply =
  | (CheckRequest & { readonly rowStarts: number[]; readonly hashes: Uint8Array; readonly leafOk: Uint8Array; readonly failure: BatchChecks['failure'] })
  | { readonly id: number; readonly error: string };

/**
 * {@link checkBatch} on worker threads. A batch's bytes are moved to a worker and back (never
 * copied); while a worker hashes one batch the main thread reads the next and walks the last.
 */
class BatchCheckWorkers {
  private readonly pending = new Map<number, { resolve: (reply: CheckReply) => void; reject: (error: Error) => void }>();
  private next = 0;

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on('message', (reply: CheckReply) => {
        const waiting = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        waiting?.resolve(reply);
      });
      worker.on('error', (error) => this.failAll(error));
      worker.on('exit', (code) => {
        if (this.pending.size > 0) this.failAll(new Error(`a verifier worker exited with code ${code}`));
      });
    }
  }

  static start(count: number): BatchCheckWorkers | null {
    // A worker loads this module's file; that is only possible once it is compiled to JavaScript.
    if (count < 1 || !import.meta.url.endsWith('.js')) return null;
    const url = new URL(import.meta.url);
    return new BatchCheckWorkers(Array.from({ length: count }, () => new Worker(url, { workerData: CHECKS_WORKER })));
  }

  async check(data: Buffer): Promise<{ batch: CopyBatch; checks: BatchChecks }> {
    const id = this.next++;
    // Only a buffer of its own can be handed over; CopyOut's are, but stay safe.
    const own = data.byteOffset === 0 && data.buffer instanceof ArrayBuffer ? data : Buffer.from(data);
    const request: CheckRequest = { id, buffer: own.buffer as ArrayBuffer, offset: own.byteOffset, length: own.length };
    const reply = await new Promise<CheckReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[id % this.workers.length].postMessage(request, [request.buffer]);
    });
    if ('error' in reply) throw new Error(`verifier worker: ${reply.error}`);
    const batch = new CopyBatch(Buffer.from(reply.buffer, reply.offset, reply.length), LOG_BATCH_COLUMNS.length, reply.rowStarts);
    return { batch, checks: { hashes: reply.hashes, leafOk: reply.leafOk, failure: reply.failure } };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

function serveBatchChecks(): void {
  const port = parentPort;
  if (port === null) return;
  const scanner = new CanonicalScanner();
  port.on('message', (request: CheckRequest) => {
    try {
      const batch = new CopyBatch(Buffer.from(request.buffer, request.offset, request.length), LOG_BATCH_COLUMNS.length);
      const checks = checkBatch(batch, scanner);
      const reply: CheckReply = { ...request, rowStarts: [...batch.rowOffsets], ...checks };
      port.postMessage(reply, [request.buffer, checks.hashes.buffer as ArrayBuffer, checks.leafOk.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ id: request.id, error: message(error) } satisfies CheckReply);
    }
  });
}

if (!isMainThread && workerData === CHECKS_WORKER) serveBatchChecks();
