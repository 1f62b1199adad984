import { hash } from 'node:crypto';
import {
  appendLeaves,
  bytesEqual,
  canonicalize,
  emptyRoot,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  rootFromFrontier,
  toHex,
  type Checkpoint,
  type VerifierKey,
} from '@ledger/proof';
import type { DataSource, QueryRunner } from 'typeorm';

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

export const VERIFY_BATCH_SIZE = 10_000;
/** Connections reading ahead; the DataSource's pool must allow this many at once. */
export const VERIFY_CONNECTIONS = 2;
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
 * Walks the whole ledger in seq order inside one read-only snapshot and recomputes every event
 * hash, chain link, leaf, stored Merkle node, checkpoint root and signature. Stops at the first
 * problem. Memory: one batch, the tree's frontier, and the last version and hash of each stream.
 */
export async function verifyLedger(dataSource: DataSource, options: LedgerVerifyOptions = {}): Promise<LedgerVerdict> {
  const runners: QueryRunner[] = [];
  let snapshot = '';
  try {
    for (let i = 0; i < (options.connections ?? VERIFY_CONNECTIONS); i++) {
      const runner = dataSource.createQueryRunner();
      runners.push(runner);
      await runner.connect();
      // One snapshot for the whole walk, shared by every connection: the sequencer may keep
      // appending meanwhile without making the log, the tree and the checkpoints disagree.
      await runner.query(`START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
      if (i === 0) {
        const [exported] = (await runner.query(`SELECT pg_export_snapshot() AS id`)) as Array<{ id: string }>;
        snapshot = exported.id;
      } else {
        await runner.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
      }
      // A parallel plan ships every wide row through a worker's queue: three times slower here.
      await runner.query(`SET LOCAL max_parallel_workers_per_gather = 0`);
    }
    return await new LedgerReader(runners, options).verify();
  } finally {
    for (const runner of runners) {
      if (runner.isReleased) continue;
      await runner.query(`ROLLBACK`).catch(() => undefined);
      await runner.release();
    }
  }
}

/**
 * One ledger_log row joined to its event, exactly as the batch query returns it (no copying: at
 * 50,000 rows a second every object counts).
 */
export interface LoggedEvent {
  readonly seq: number;
  /** ledger_log.event_id. */
  readonly eventId: string;
  /** ledger_log.stream_id and .version: null when they are the event's, which is the rule. */
  readonly logStreamId: string | null;
  readonly logVersion: number | null;
  /** ledger_log.leaf_hash in hex. */
  readonly leafHash: string;
  /** The event's columns, all null when ledger_events has no row with that event_id. */
  readonly streamId: string | null;
  readonly streamType: string | null;
  readonly version: number | null;
  readonly type: string | null;
  readonly commandId: string | null;
  readonly prevHash: string | null;
  readonly hash: string | null;
  readonly canonical: string | null;
}

interface LogBatch {
  readonly rows: readonly LoggedEvent[];
  readonly nodes: StoredNodes;
  readonly checkpoints: readonly StoredCheckpoint[];
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
}

// seq as float8 arrives as a JS number (exact below 2^53); the log's own stream and version only
// when they differ from the event's; hashes as hex, compared without making buffers.
const LOG_BATCH = `
  SELECT l.seq::float8 AS seq, l.event_id AS "eventId",
         CASE WHEN l.stream_id = e.stream_id AND l.version = e.version THEN NULL ELSE l.stream_id END AS "logStreamId",
         CASE WHEN l.stream_id = e.stream_id AND l.version = e.version THEN NULL ELSE l.version END AS "logVersion",
         encode(l.leaf_hash, 'hex') AS "leafHash",
         e.stream_id AS "streamId", e.stream_type AS "streamType", e.version, e.type, e.command_id AS "commandId",
         e.prev_hash AS "prevHash", e.hash, e.canonical
  FROM ledger_log l LEFT JOIN ledger_events e ON e.event_id = l.event_id
  WHERE l.seq > $1 AND l.seq <= $2 ORDER BY l.seq`;

// The complete subtrees that appear while the tree grows from size $1 to $2, every level.
const NEW_NODES = `
  SELECT n.level, n.index, encode(n.hash, 'hex') AS hash
  FROM generate_series(0, $3::int) AS lv(level)
  JOIN merkle_nodes n ON n.level = lv.level AND n.index >= ($1::bigint >> lv.level) AND n.index < ($2::bigint >> lv.level)`;

const CHECKPOINTS = `SELECT size, root, note FROM ledger_checkpoints WHERE size > $1 AND size <= $2 ORDER BY size`;

class LedgerReader {
  private readonly batchSize: number;
  private readonly checkNodes: boolean;
  /** The first connection: everything but the log batches it shares with the others. */
  private readonly runner: QueryRunner;

  constructor(
    private readonly runners: readonly QueryRunner[],
    private readonly options: LedgerVerifyOptions,
  ) {
    this.runner = runners[0];
    this.batchSize = options.batchSize ?? VERIFY_BATCH_SIZE;
    this.checkNodes = options.checkMerkleNodes ?? true;
  }

  async verify(): Promise<LedgerVerdict> {
    const identity = await this.identity();
    if ('ok' in identity) return identity;
    const walk = new LedgerWalk(identity.key, identity.external, this.checkNodes);
    const progressEvery = this.options.progressEvery ?? PROGRESS_EVERY;
    let nextProgress = progressEvery;
    const [{ last }] = (await this.runner.query(`SELECT coalesce(max(seq), 0) AS last FROM ledger_log`)) as Array<{ last: string }>;
    const batches = Math.ceil(Number(last) / this.batchSize);

    // Batches are seq ranges, so each connection can fetch ahead of the walk independently: while
    // this process hashes one batch, Postgres produces the next ones. A connection runs one query
    // at a time (its batch's queries in turn).
    const fetches = new Map<number, Promise<LogBatch>>();
    const fetchAhead = (index: number): void => {
      if (index >= batches) return;
      const from = index * this.batchSize;
      const fetching = this.fetch(this.runners[index % this.runners.length], from, from + this.batchSize);
      fetching.catch(() => undefined);
      fetches.set(index, fetching);
    };
    let failure = walk.walk([], StoredNodes.none, await this.checkpoints(this.runner, -1, 0));
    for (let index = 0; index < this.runners.length; index++) fetchAhead(index);
    try {
      for (let index = 0; failure === null && index < batches; index++) {
        const batch = await (fetches.get(index) as Promise<LogBatch>);
        fetches.delete(index);
        fetchAhead(index + this.runners.length);
        // An empty range is a gap (or the end): the next row, if any, says which seq is missing.
        failure = walk.walk(batch.rows, batch.nodes, batch.checkpoints);
        if (this.options.onProgress && walk.size >= nextProgress) {
          this.options.onProgress({ events: walk.size, streams: walk.streams });
          nextProgress = (Math.floor(walk.size / progressEvery) + 1) * progressEvery;
        }
      }
    } finally {
      // Fetches ahead may still be running; they must finish before the snapshot is rolled back.
      await Promise.allSettled(fetches.values());
    }
    return failure ?? (await this.afterLog(walk));
  }

  private async identity(): Promise<LedgerFailure | { key: VerifierKey | null; external: Checkpoint | null }> {
    const rows = (await this.runner.query(`SELECT origin, public_key FROM ledger_identity ORDER BY created_at`)) as Array<{
      origin: string;
      public_key: string;
    }>;
    const trusted = this.options.trustedKey === undefined ? null : parseVerifierKey(this.options.trustedKey);
    if (rows.length > 1) {
      return identityFailure('one ledger_identity row', `${rows.length} rows: ${rows.map((r) => r.origin).join(', ')}`);
    }
    let stored: VerifierKey | null = null;
    if (rows.length === 1) {
      const [{ origin, public_key: text }] = rows;
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

  /** The log rows with seq in (from, to], the merkle_nodes that appear between those sizes and the checkpoints among them. */
  private async fetch(runner: QueryRunner, from: number, to: number): Promise<LogBatch> {
    const rows = (await runner.query(LOG_BATCH, [from, to])) as LoggedEvent[];
    if (rows.length === 0) return EMPTY_BATCH;
    const nodes = this.checkNodes ? await this.nodes(runner, from, to) : StoredNodes.none;
    return { rows, nodes, checkpoints: await this.checkpoints(runner, from, to) };
  }

  private async nodes(runner: QueryRunner, from: number, to: number): Promise<StoredNodes> {
    const top = Math.floor(Math.log2(to));
    const rows = (await runner.query(NEW_NODES, [from, to, top])) as Array<{ level: number; index: string; hash: string }>;
    return StoredNodes.from(from, rows);
  }

  private async checkpoints(runner: QueryRunner, after: number, upTo: number): Promise<StoredCheckpoint[]> {
    const rows = (await runner.query(CHECKPOINTS, [after, upTo])) as Array<{ size: string; root: Buffer; note: string }>;
    return rows.map((r) => ({ size: Number(r.size), root: r.root, note: r.note }));
  }

  /** What can only be seen once the whole log has been walked. */
  private async afterLog(walk: LedgerWalk): Promise<LedgerVerdict> {
    const size = walk.size;
    const [state] = (await this.runner.query(
      `SELECT last_seq, last_tx_id::text AS last_tx_id, last_event_row FROM sequencer_state WHERE id = 1`,
    )) as Array<{ last_seq: string; last_tx_id: string; last_event_row: string }>;
    if (!state) return failure('log-length', size + 1, 'a sequencer_state row', 'none');
    if (Number(state.last_seq) !== size) {
      return failure('log-length', Math.min(size, Number(state.last_seq)) + 1, `a log of ${state.last_seq} events (sequencer_state.last_seq)`, `a log of ${size} events`);
    }
    const [beyond] = (await this.runner.query(`SELECT size FROM ledger_checkpoints WHERE size > $1 ORDER BY size LIMIT 1`, [
      size,
    ])) as Array<{ size: string }>;
    if (beyond) {
      return failure('checkpoint-beyond-log', Number(beyond.size), `no checkpoint beyond tree size ${size}`, `a checkpoint at size ${beyond.size}`);
    }
    const external = walk.externalCheckpoint;
    if (external && external.size > size) {
      return failure('external-checkpoint-beyond-log', size + 1, `a log of at least ${external.size} events (the external checkpoint)`, `a log of ${size} events`);
    }
    // Everything at or before the sequencer's position in (tx_id, id) order has been given a seq.
    const [passed] = (await this.runner.query(
      `SELECT count(*) AS n FROM ledger_events WHERE (tx_id, id) <= ($1::xid8, $2::bigint)`,
      [state.last_tx_id, state.last_event_row],
    )) as Array<{ n: string }>;
    if (Number(passed.n) !== size) {
      const [lost] = (await this.runner.query(
        `SELECT e.stream_id, e.version, e.event_id FROM ledger_events e
         WHERE (e.tx_id, e.id) <= ($1::xid8, $2::bigint)
           AND NOT EXISTS (SELECT 1 FROM ledger_log l WHERE l.event_id = e.event_id)
         ORDER BY e.tx_id, e.id LIMIT 1`,
        [state.last_tx_id, state.last_event_row],
      )) as Array<{ stream_id: string; version: number; event_id: string }>;
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

/** merkle_nodes rows fetched for one batch, addressable by (level, index); hashes in hex. */
export class StoredNodes {
  static readonly none = new StoredNodes(0, []);

  private constructor(
    private readonly from: number,
    private readonly levels: Array<Array<string | undefined>>,
  ) {}

  /** `from` is the tree size before the batch; rows may come in any order. */
  static from(from: number, rows: ReadonlyArray<{ level: number; index: string | number; hash: string }>): StoredNodes {
    const levels: Array<Array<string | undefined>> = [];
    for (const row of rows) {
      const base = Math.floor(from / 2 ** row.level);
      (levels[row.level] ??= [])[Number(row.index) - base] = row.hash;
    }
    return new StoredNodes(from, levels);
  }

  get(level: number, index: number): string | undefined {
    return this.levels[level]?.[index - Math.floor(this.from / 2 ** level)];
  }
}

const EMPTY_BATCH: LogBatch = { rows: [], nodes: StoredNodes.none, checkpoints: [] };

interface StreamHead {
  version: number;
  hash: string;
}

/** The top-level members of an envelope, in text order, values decoded only when asked for. */
interface EnvelopeMembers {
  readonly count: number;
  name(index: number): string;
  hasName(index: number, name: string): boolean;
  value(index: number): unknown;
}

/** The slow path's view of a parsed envelope. */
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
}

/**
 * The checks themselves, fed batch by batch in seq order; no I/O, so tests can feed it directly.
 * Problems at one seq are reported before problems of the tree that holds that seq's leaf.
 */
export class LedgerWalk {
  private frontier: Uint8Array[] = [];
  private treeSize = 0;
  private readonly heads = new Map<string, StreamHead>();
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
   * Checks the next log rows (in seq order), the stored nodes of the tree they grow and the
   * checkpoints whose size falls among them; returns the first failure or null.
   */
  walk(events: readonly LoggedEvent[], nodes: StoredNodes, checkpoints: readonly StoredCheckpoint[]): LedgerFailure | null {
    const leaves: Uint8Array[] = [];
    let eventFailure: LedgerFailure | null = null;
    for (const event of events) {
      const leaf = this.checkEvent(event, this.treeSize + leaves.length + 1);
      if (!(leaf instanceof Uint8Array)) {
        eventFailure = leaf;
        break;
      }
      leaves.push(leaf);
    }
    return this.grow(leaves, events, nodes, checkpoints) ?? eventFailure;
  }

  verdict(): LedgerVerified {
    const root = toHex(rootFromFrontier(this.frontier, this.treeSize));
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

  private checkEvent(row: LoggedEvent, seq: number): LedgerFailure | Uint8Array {
    if (row.seq !== seq) return failure('seq-gap', seq, `seq ${seq}`, `seq ${row.seq} follows seq ${seq - 1}`);
    const { streamId, version, hash: recorded, canonical } = row;
    if (streamId === null || version === null || recorded === null || canonical === null) {
      return failure('event-missing', locate(row), `event ${row.eventId} in ledger_events`, 'no such event');
    }
    if (row.logStreamId !== null || row.logVersion !== null) {
      return failure(
        'log-mismatch',
        locate(row),
        `${streamId} version ${version} (the event)`,
        `${row.logStreamId ?? streamId} version ${row.logVersion ?? version} (ledger_log)`,
      );
    }
    const digest = hash('sha256', canonical, 'buffer');
    if (!hexEquals(recorded, digest)) return failure('hash-mismatch', locate(row), toHex(digest), recorded);
    const envelope = this.readEnvelope(canonical);
    if (typeof envelope === 'string') return failure('not-canonical', locate(row), 'RFC 8785 canonical JSON', envelope);
    const disagreement = envelopeProblem(envelope) ?? columnDisagreement(envelope, row);
    if (disagreement !== null) return failure(disagreement.problem, locate(row), disagreement.expected, disagreement.actual);
    const head = this.heads.get(streamId);
    const next = head === undefined ? 1 : head.version + 1;
    if (version !== next) return failure('version-order', locate(row), `version ${next}`, `version ${version}`);
    const prevHash = head === undefined ? null : head.hash;
    if (row.prevHash !== prevHash) return failure('chain-broken', locate(row), `prevHash ${prevHash}`, `prevHash ${row.prevHash}`);
    const leaf = leafHash(digest);
    if (!hexEquals(row.leafHash, leaf)) return failure('leaf-mismatch', locate(row), toHex(leaf), row.leafHash);
    if (head === undefined) this.heads.set(streamId, { version, hash: recorded });
    else {
      head.version = version;
      head.hash = recorded;
    }
    return leaf;
  }

  /** The envelope's members, or why the text is not canonical. */
  private readEnvelope(canonical: string): EnvelopeMembers | string {
    if (this.scanner.scan(canonical)) return this.scanner;
    // The scanner only accepts the common shapes; anything else is settled by the reference.
    let parsed: unknown;
    try {
      parsed = JSON.parse(canonical);
    } catch (error) {
      return `not JSON: ${message(error)}`;
    }
    let again: string;
    try {
      again = canonicalize(parsed);
    } catch (error) {
      return message(error);
    }
    if (again !== canonical) return `differs from its canonical form at offset ${firstDifference(again, canonical)}`;
    return new ParsedMembers(isObject(parsed) ? (parsed as Record<string, unknown>) : {});
  }

  private grow(
    leaves: readonly Uint8Array[],
    events: readonly LoggedEvent[],
    nodes: StoredNodes,
    checkpoints: readonly StoredCheckpoint[],
  ): LedgerFailure | null {
    const start = this.treeSize;
    const end = start + leaves.length;
    const external = this.externalCheckpoint;
    const marks = checkpoints.map((c) => c.size).filter((size) => size <= end);
    if (external && external.size >= start && external.size <= end && !this.externalChecked) marks.push(external.size);
    marks.sort((a, b) => a - b);
    let next = 0;
    for (const size of [...marks, end]) {
      if (size < this.treeSize) continue;
      const failed = this.append(leaves.slice(this.treeSize - start, size - start), events, start, nodes);
      if (failed) return failed;
      while (next < checkpoints.length && checkpoints[next].size === size) {
        const bad = this.checkCheckpoint(checkpoints[next++], events, start);
        if (bad) return bad;
      }
      if (external && external.size === size && !this.externalChecked) {
        const root = this.root();
        if (!bytesEqual(root, external.root)) {
          return failure('external-checkpoint-mismatch', this.at(size, events, start), toHex(root), toHex(external.root));
        }
        this.externalChecked = true;
      }
    }
    return null;
  }

  private append(leaves: readonly Uint8Array[], events: readonly LoggedEvent[], start: number, nodes: StoredNodes): LedgerFailure | null {
    if (leaves.length === 0) return null;
    const grown = appendLeaves(this.frontier, this.treeSize, leaves);
    if (this.checkNodes) {
      for (const node of grown.nodes) {
        const stored = nodes.get(node.level, node.index);
        if (stored === undefined || !hexEquals(stored, node.hash)) {
          // A node is complete once its last leaf is in: that leaf's seq is the first that shows it.
          const seq = (node.index + 1) * 2 ** node.level;
          return failure(
            'merkle-node-mismatch',
            this.at(seq, events, start),
            `node (${node.level}, ${node.index}) ${toHex(node.hash)}`,
            `node (${node.level}, ${node.index}) ${stored ?? 'missing'}`,
          );
        }
      }
      this.nodeCount += grown.nodes.length;
    }
    this.frontier = grown.frontier;
    this.treeSize = grown.size;
    return null;
  }

  private checkCheckpoint(checkpoint: StoredCheckpoint, events: readonly LoggedEvent[], start: number): LedgerFailure | null {
    const at = this.at(checkpoint.size, events, start);
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
    return this.treeSize === 0 ? emptyRoot() : rootFromFrontier(this.frontier, this.treeSize);
  }

  /** Where a tree problem at `seq` is: with the stream and version of that seq's event when it is in this batch. */
  private at(seq: number, events: readonly LoggedEvent[], start: number): Location {
    const event = events[seq - start - 1];
    return event === undefined ? { seq } : locate(event);
  }
}

interface Location {
  readonly seq: number | null;
  readonly streamId?: string;
  readonly version?: number;
}

/** The seq, stream and version the log row names. */
function locate(row: LoggedEvent): Location {
  const streamId = row.logStreamId ?? row.streamId;
  const version = row.logVersion ?? row.version;
  return { seq: row.seq, ...(streamId === null ? {} : { streamId }), ...(version === null ? {} : { version }) };
}

function failure(problem: LedgerProblem, where: number | null | Location, expected: string, actual: string): LedgerFailure {
  const location = typeof where === 'object' && where !== null ? where : { seq: where };
  return { ok: false, ...location, problem, expected, actual };
}

function identityFailure(expected: string, actual: string): LedgerFailure {
  return failure('identity-mismatch', null, expected, actual);
}

interface Disagreement {
  readonly problem: 'envelope-malformed' | 'envelope-mismatch';
  readonly expected: string;
  readonly actual: string;
}

function envelopeProblem(envelope: EnvelopeMembers): Disagreement | null {
  let exact = envelope.count === ENVELOPE_MEMBERS.length;
  for (let i = 0; exact && i < ENVELOPE_MEMBERS.length; i++) exact = envelope.hasName(i, ENVELOPE_MEMBERS[i]);
  if (!exact) {
    const names = Array.from({ length: envelope.count }, (_, i) => envelope.name(i));
    return malformed(`members ${ENVELOPE_MEMBERS.join(', ')}`, `members ${names.join(', ')}`);
  }
  const actor = envelope.value(MEMBER.actor);
  if (!isObject(actor)) return malformed('actor a JSON object', `actor ${describeValue(actor)}`);
  const payload = envelope.value(MEMBER.payload);
  if (!isObject(payload)) return malformed('payload a JSON object', `payload ${describeValue(payload)}`);
  for (const name of TEXT_MEMBERS) {
    const value = envelope.value(MEMBER[name]);
    if (typeof value !== 'string' || value === '') return malformed(`${name} a non-empty string`, `${name} ${describeValue(value)}`);
  }
  const schemaVersion = envelope.value(MEMBER.schemaVersion);
  if (!Number.isSafeInteger(schemaVersion) || (schemaVersion as number) < 1) {
    return malformed('schemaVersion a positive integer', `schemaVersion ${describeValue(schemaVersion)}`);
  }
  return null;
}

const TEXT_MEMBERS = ['correlationId', 'causationId', 'occurredAt', 'recordedAt'] as const;

function malformed(expected: string, actual: string): Disagreement {
  return { problem: 'envelope-malformed', expected, actual };
}

/** The first envelope member that is not what its column says. */
function columnDisagreement(envelope: EnvelopeMembers, row: LoggedEvent): Disagreement | null {
  return (
    differs(envelope, 'streamId', 'stream_id', row.streamId) ??
    differs(envelope, 'streamType', 'stream_type', row.streamType) ??
    differs(envelope, 'version', 'version', row.version) ??
    differs(envelope, 'eventId', 'event_id', row.eventId) ??
    differs(envelope, 'type', 'type', row.type) ??
    differs(envelope, 'commandId', 'command_id', row.commandId) ??
    differs(envelope, 'prevHash', 'prev_hash', row.prevHash)
  );
}

function differs(envelope: EnvelopeMembers, member: EnvelopeMember, column: string, stored: unknown): Disagreement | null {
  const value = envelope.value(MEMBER[member]);
  if (value === stored) return null;
  return { problem: 'envelope-mismatch', expected: `${column} ${describeValue(value)} (the envelope's ${member})`, actual: `${column} ${describeValue(stored)}` };
}

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Whether `hex` is the lowercase hex spelling of `bytes`, without building either form of the other. */
function hexEquals(hex: string, bytes: Uint8Array): boolean {
  if (hex.length !== bytes.length * 2) return false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (hex.charCodeAt(2 * i) !== HEX_CODES[byte >> 4] || hex.charCodeAt(2 * i + 1) !== HEX_CODES[byte & 15]) return false;
  }
  return true;
}

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

/** Stand-ins for object and array member values, which the envelope checks only need the kind of. */
const OBJECT: object = Object.freeze({});
const ARRAY: readonly unknown[] = Object.freeze([]);

const MAX_DEPTH = 64;
const PLAIN = 0;
const ESCAPED = 1;
const INVALID = -1;

/**
 * A one-pass check that a text is exactly `canonicalize(JSON.parse(text))` for the shapes events
 * take, about four times cheaper than parsing and serialising again. It accepts only what RFC
 * 8785 writes — no whitespace, members in strictly ascending UTF-16 order, numbers in ECMAScript
 * shortest form, strings escaped as JSON.stringify escapes them, no lone surrogates — so
 * `scan(text) === true` implies canonical. It may refuse a canonical text (a member name with an
 * escape, very deep nesting); the caller then asks the reference implementation.
 */
export class CanonicalScanner implements EnvelopeMembers {
  private text = '';
  private pos = 0;
  // Where each top-level member's name and value are, in the text last scanned.
  private readonly nameStarts: number[] = [];
  private readonly nameEnds: number[] = [];
  private readonly valueStarts: number[] = [];
  private readonly valueEnds: number[] = [];

  scan(text: string): boolean {
    this.text = text;
    this.pos = 0;
    this.nameStarts.length = 0;
    this.nameEnds.length = 0;
    this.valueStarts.length = 0;
    this.valueEnds.length = 0;
    return text.charCodeAt(0) === 0x7b && this.object(0) && this.pos === text.length;
  }

  /** Of the text last accepted by {@link scan}: how many top-level members it has. */
  get count(): number {
    return this.nameStarts.length;
  }

  name(index: number): string {
    return this.text.slice(this.nameStarts[index], this.nameEnds[index]);
  }

  hasName(index: number, name: string): boolean {
    const start = this.nameStarts[index];
    return this.nameEnds[index] - start === name.length && this.text.startsWith(name, start);
  }

  /** A string or scalar as JSON.parse would give it; a stand-in for an object or array. */
  value(index: number): unknown {
    return decodeMember(this.text, this.valueStarts[index], this.valueEnds[index]);
  }

  private anyValue(depth: number): boolean {
    switch (this.text.charCodeAt(this.pos)) {
      case 0x7b:
        return this.object(depth);
      case 0x5b:
        return this.array(depth);
      case 0x22:
        return this.string() !== INVALID;
      case 0x74:
        return this.literal('true');
      case 0x66:
        return this.literal('false');
      case 0x6e:
        return this.literal('null');
      default:
        return this.number();
    }
  }

  private object(depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    const text = this.text;
    this.pos++;
    if (text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return true;
    }
    let previousStart = -1;
    let previousEnd = -1;
    for (;;) {
      const nameStart = this.pos;
      if (text.charCodeAt(nameStart) !== 0x22 || this.string() !== PLAIN) return false;
      const nameEnd = this.pos - 1;
      // Strictly ascending: sorted as RFC 8785 sorts (UTF-16 code units), and no duplicates.
      if (previousStart >= 0 && !ascending(text, previousStart, previousEnd, nameStart + 1, nameEnd)) return false;
      previousStart = nameStart + 1;
      previousEnd = nameEnd;
      if (text.charCodeAt(this.pos) !== 0x3a) return false;
      const valueStart = ++this.pos;
      if (!this.anyValue(depth + 1)) return false;
      if (depth === 0) {
        this.nameStarts.push(previousStart);
        this.nameEnds.push(previousEnd);
        this.valueStarts.push(valueStart);
        this.valueEnds.push(this.pos);
      }
      const next = text.charCodeAt(this.pos++);
      if (next === 0x7d) return true;
      if (next !== 0x2c) return false;
    }
  }

  private array(depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    this.pos++;
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return true;
    }
    for (;;) {
      if (!this.anyValue(depth + 1)) return false;
      const next = this.text.charCodeAt(this.pos++);
      if (next === 0x5d) return true;
      if (next !== 0x2c) return false;
    }
  }

  /** PLAIN or ESCAPED when a string JSON.stringify would write starts at pos (and moves past it), else INVALID. */
  private string(): number {
    const text = this.text;
    let i = this.pos + 1;
    let kind = PLAIN;
    for (;;) {
      // Skip what JSON.stringify leaves as it is, natively rather than char by char.
      PLAIN_RUN.lastIndex = i;
      PLAIN_RUN.test(text);
      i = PLAIN_RUN.lastIndex;
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return kind;
      }
      if (c === 0x5c) {
        const escape = text.charCodeAt(i + 1);
        if (escape === 0x22 || escape === 0x5c || escape === 0x62 || escape === 0x66 || escape === 0x6e || escape === 0x72 || escape === 0x74) {
          i += 2;
        } else if (escape === 0x75 && isControlEscape(text, i + 2)) {
          i += 6;
        } else {
          return INVALID;
        }
        kind = ESCAPED;
      } else if (c >= 0xd800 && c <= 0xdbff) {
        const low = text.charCodeAt(i + 1);
        if (!(low >= 0xdc00 && low <= 0xdfff)) return INVALID;
        i += 2;
      } else {
        // A raw control character, a lone low surrogate, or the end of the text.
        return INVALID;
      }
    }
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  private number(): boolean {
    const text = this.text;
    const start = this.pos;
    let i = start;
    for (;;) {
      const c = text.charCodeAt(i);
      if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45) i++;
      else break;
    }
    if (i === start) return false;
    const literal = text.slice(start, i);
    const value = Number(literal);
    // String(value) is always valid JSON for a finite number, so equality means the literal is RFC 8785's.
    if (!Number.isFinite(value) || String(value) !== literal) return false;
    this.pos = i;
    return true;
  }
}

/** Characters JSON.stringify writes unescaped inside a string (and that need no further look). */
// eslint-disable-next-line no-control-regex -- the controls are exactly what JSON.stringify escapes
const PLAIN_RUN = /[^"\\\u0000-\u001f\ud800-\udfff]*/y;

/** Whether the name in text[a, aEnd) sorts strictly before the one in text[b, bEnd), by UTF-16 code units. */
function ascending(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  const length = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < length; i++) {
    const x = text.charCodeAt(a + i);
    const y = text.charCodeAt(b + i);
    if (x !== y) return x < y;
  }
  return aEnd - a < bEnd - b;
}

/** `\u00XX` as JSON.stringify writes it: lowercase hex, only for controls without a short escape. */
function isControlEscape(text: string, at: number): boolean {
  if (text.charCodeAt(at) !== 0x30 || text.charCodeAt(at + 1) !== 0x30) return false;
  const high = text.charCodeAt(at + 2);
  const low = text.charCodeAt(at + 3);
  if (high !== 0x30 && high !== 0x31) return false;
  const lowValue = low >= 0x30 && low <= 0x39 ? low - 0x30 : low >= 0x61 && low <= 0x66 ? low - 0x57 : -1;
  if (lowValue < 0) return false;
  const code = (high - 0x30) * 16 + lowValue;
  return code !== 0x08 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d;
}

function decodeMember(text: string, start: number, end: number): unknown {
  switch (text.charCodeAt(start)) {
    case 0x22: {
      const inner = text.slice(start + 1, end - 1);
      return inner.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : inner;
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
      return Number(text.slice(start, end));
  }
}
