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

interface LogRow {
  seq: string;
  log_event_id: string;
  log_stream_id: string;
  log_version: number;
  leaf_hash: Buffer;
  stream_id: string | null;
  stream_type: string | null;
  version: number | null;
  type: string | null;
  command_id: string | null;
  prev_hash: string | null;
  hash: string | null;
  canonical: string | null;
}

interface LogBatch {
  readonly rows: readonly LogRow[];
  readonly nodes: StoredNodes;
  readonly checkpoints: readonly StoredCheckpoint[];
}

/** A row whose event is present: what {@link LedgerWalk} checks. */
export interface SequencedEvent {
  readonly seq: number;
  readonly logEventId: string;
  readonly logStreamId: string;
  readonly logVersion: number;
  readonly leafHash: Uint8Array;
  /** Null when the log row's event is not in ledger_events. */
  readonly event: {
    readonly streamId: string;
    readonly streamType: string;
    readonly version: number;
    readonly type: string;
    readonly commandId: string;
    readonly prevHash: string | null;
    readonly hash: string;
    readonly canonical: string;
  } | null;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  readonly note: string;
}

const LOG_BATCH = `
  SELECT l.seq, l.event_id AS log_event_id, l.stream_id AS log_stream_id, l.version AS log_version, l.leaf_hash,
         e.stream_id, e.stream_type, e.version, e.type, e.command_id, e.prev_hash, e.hash, e.canonical
  FROM ledger_log l LEFT JOIN ledger_events e ON e.event_id = l.event_id
  WHERE l.seq > $1 AND l.seq <= $2 ORDER BY l.seq`;

// The complete subtrees that appear while the tree grows from size $1 to $2, every level.
const NEW_NODES = `
  SELECT n.level, n.index, n.hash
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
        failure = walk.walk(batch.rows.map(toSequencedEvent), batch.nodes, batch.checkpoints);
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
    const rows = (await runner.query(LOG_BATCH, [from, to])) as LogRow[];
    if (rows.length === 0) return EMPTY_BATCH;
    const nodes = this.checkNodes ? await this.nodes(runner, from, to) : StoredNodes.none;
    return { rows, nodes, checkpoints: await this.checkpoints(runner, from, to) };
  }

  private async nodes(runner: QueryRunner, from: number, to: number): Promise<StoredNodes> {
    const top = Math.floor(Math.log2(to));
    const rows = (await runner.query(NEW_NODES, [from, to, top])) as Array<{ level: number; index: string; hash: Buffer }>;
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

function toSequencedEvent(row: LogRow): SequencedEvent {
  return {
    seq: Number(row.seq),
    logEventId: row.log_event_id,
    logStreamId: row.log_stream_id,
    logVersion: row.log_version,
    leafHash: row.leaf_hash,
    event:
      row.hash === null || row.canonical === null
        ? null
        : {
            streamId: row.stream_id as string,
            streamType: row.stream_type as string,
            version: row.version as number,
            type: row.type as string,
            commandId: row.command_id as string,
            prevHash: row.prev_hash,
            hash: row.hash,
            canonical: row.canonical,
          },
  };
}

/** merkle_nodes rows fetched for one batch, addressable by (level, index). */
export class StoredNodes {
  static readonly none = new StoredNodes(0, []);

  private constructor(
    private readonly from: number,
    private readonly levels: Array<Array<Uint8Array | undefined>>,
  ) {}

  /** `from` is the tree size before the batch; rows may come in any order. */
  static from(from: number, rows: ReadonlyArray<{ level: number; index: string | number; hash: Uint8Array }>): StoredNodes {
    const levels: Array<Array<Uint8Array | undefined>> = [];
    for (const row of rows) {
      const base = Math.floor(from / 2 ** row.level);
      (levels[row.level] ??= [])[Number(row.index) - base] = row.hash;
    }
    return new StoredNodes(from, levels);
  }

  get(level: number, index: number): Uint8Array | undefined {
    return this.levels[level]?.[index - Math.floor(this.from / 2 ** level)];
  }
}

const EMPTY_BATCH: LogBatch = { rows: [], nodes: StoredNodes.none, checkpoints: [] };

interface StreamHead {
  version: number;
  hash: string;
}

interface EnvelopeFields {
  readonly names: readonly string[];
  readonly values: readonly unknown[];
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
  walk(events: readonly SequencedEvent[], nodes: StoredNodes, checkpoints: readonly StoredCheckpoint[]): LedgerFailure | null {
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

  private checkEvent(row: SequencedEvent, seq: number): LedgerFailure | Uint8Array {
    if (row.seq !== seq) return failure('seq-gap', seq, `seq ${seq}`, `seq ${row.seq} follows seq ${seq - 1}`);
    const event = row.event;
    const at = { seq, streamId: row.logStreamId, version: row.logVersion };
    if (event === null) return failure('event-missing', at, `event ${row.logEventId} in ledger_events`, 'no such event');
    if (event.streamId !== row.logStreamId || event.version !== row.logVersion) {
      return failure('log-mismatch', at, `${event.streamId} version ${event.version} (the event)`, `${row.logStreamId} version ${row.logVersion} (ledger_log)`);
    }
    const computed = hash('sha256', event.canonical, 'hex');
    if (computed !== event.hash) return failure('hash-mismatch', at, computed, event.hash);
    const envelope = this.readEnvelope(event.canonical);
    if (typeof envelope === 'string') return failure('not-canonical', at, 'RFC 8785 canonical JSON', envelope);
    const malformed = envelopeProblem(envelope);
    if (malformed !== null) return failure('envelope-malformed', at, malformed.expected, malformed.actual);
    const disagreement = columnDisagreement(envelope.values, event, row.logEventId);
    if (disagreement !== null) return failure('envelope-mismatch', at, disagreement.expected, disagreement.actual);
    const head = this.heads.get(event.streamId);
    const version = head === undefined ? 1 : head.version + 1;
    if (event.version !== version) return failure('version-order', at, `version ${version}`, `version ${event.version}`);
    const prevHash = head === undefined ? null : head.hash;
    if (event.prevHash !== prevHash) return failure('chain-broken', at, `prevHash ${prevHash}`, `prevHash ${event.prevHash}`);
    const leaf = leafHash(Buffer.from(computed, 'hex'));
    if (!bytesEqual(leaf, row.leafHash)) return failure('leaf-mismatch', at, toHex(leaf), toHex(row.leafHash));
    if (head === undefined) this.heads.set(event.streamId, { version, hash: computed });
    else {
      head.version = version;
      head.hash = computed;
    }
    return leaf;
  }

  /** The envelope's members, or why the text is not canonical. */
  private readEnvelope(canonical: string): EnvelopeFields | string {
    if (this.scanner.scan(canonical)) return this.scanner.members(canonical);
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
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { names: [], values: [] };
    const record = parsed as Record<string, unknown>;
    const names = Object.keys(record).sort();
    return { names, values: names.map((name) => record[name]) };
  }

  private grow(
    leaves: readonly Uint8Array[],
    events: readonly SequencedEvent[],
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

  private append(leaves: readonly Uint8Array[], events: readonly SequencedEvent[], start: number, nodes: StoredNodes): LedgerFailure | null {
    if (leaves.length === 0) return null;
    const grown = appendLeaves(this.frontier, this.treeSize, leaves);
    if (this.checkNodes) {
      for (const node of grown.nodes) {
        const stored = nodes.get(node.level, node.index);
        if (stored === undefined || !bytesEqual(stored, node.hash)) {
          // A node is complete once its last leaf is in: that leaf's seq is the first that shows it.
          const seq = (node.index + 1) * 2 ** node.level;
          return failure(
            'merkle-node-mismatch',
            this.at(seq, events, start),
            `node (${node.level}, ${node.index}) ${toHex(node.hash)}`,
            stored === undefined ? `node (${node.level}, ${node.index}) missing` : `node (${node.level}, ${node.index}) ${toHex(stored)}`,
          );
        }
      }
      this.nodeCount += grown.nodes.length;
    }
    this.frontier = grown.frontier;
    this.treeSize = grown.size;
    return null;
  }

  private checkCheckpoint(checkpoint: StoredCheckpoint, events: readonly SequencedEvent[], start: number): LedgerFailure | null {
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
  private at(seq: number, events: readonly SequencedEvent[], start: number): Location {
    const event = events[seq - start - 1];
    return event === undefined ? { seq } : { seq, streamId: event.logStreamId, version: event.logVersion };
  }
}

interface Location {
  readonly seq: number | null;
  readonly streamId?: string;
  readonly version?: number;
}

function failure(problem: LedgerProblem, where: number | null | Location, expected: string, actual: string): LedgerFailure {
  const location = typeof where === 'object' && where !== null ? where : { seq: where };
  return { ok: false, ...location, problem, expected, actual };
}

function identityFailure(expected: string, actual: string): LedgerFailure {
  return failure('identity-mismatch', null, expected, actual);
}

function envelopeProblem(envelope: EnvelopeFields): { expected: string; actual: string } | null {
  const { names, values } = envelope;
  if (names.length !== ENVELOPE_MEMBERS.length || names.some((name, i) => name !== ENVELOPE_MEMBERS[i])) {
    return { expected: `members ${ENVELOPE_MEMBERS.join(', ')}`, actual: `members ${names.join(', ')}` };
  }
  for (const name of ['actor', 'payload'] as const) {
    if (!isObject(values[MEMBER[name]])) return { expected: `${name} a JSON object`, actual: `${name} ${describeValue(values[MEMBER[name]])}` };
  }
  for (const name of ['correlationId', 'causationId', 'occurredAt', 'recordedAt'] as const) {
    const value = values[MEMBER[name]];
    if (typeof value !== 'string' || value === '') return { expected: `${name} a non-empty string`, actual: `${name} ${describeValue(value)}` };
  }
  const schemaVersion = values[MEMBER.schemaVersion];
  if (!Number.isSafeInteger(schemaVersion) || (schemaVersion as number) < 1) {
    return { expected: 'schemaVersion a positive integer', actual: `schemaVersion ${describeValue(schemaVersion)}` };
  }
  return null;
}

function columnDisagreement(
  values: readonly unknown[],
  event: NonNullable<SequencedEvent['event']>,
  eventId: string,
): { expected: string; actual: string } | null {
  const pairs: Array<[EnvelopeMember, string, unknown]> = [
    ['streamId', 'stream_id', event.streamId],
    ['streamType', 'stream_type', event.streamType],
    ['version', 'version', event.version],
    ['eventId', 'event_id', eventId],
    ['type', 'type', event.type],
    ['commandId', 'command_id', event.commandId],
    ['prevHash', 'prev_hash', event.prevHash],
  ];
  for (const [member, column, stored] of pairs) {
    const value = values[MEMBER[member]];
    if (value !== stored) return { expected: `${column} ${describeValue(value)} (the envelope's ${member})`, actual: `${column} ${describeValue(stored)}` };
  }
  return null;
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
export class CanonicalScanner {
  private text = '';
  private pos = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly names: string[] = [];

  scan(text: string): boolean {
    this.text = text;
    this.pos = 0;
    this.starts.length = 0;
    this.ends.length = 0;
    this.names.length = 0;
    return text.charCodeAt(0) === 0x7b && this.object(0) && this.pos === text.length;
  }

  /** The top-level members of the text last accepted by {@link scan}, values decoded as far as the envelope checks need. */
  members(text: string): EnvelopeFields {
    const values: unknown[] = [];
    for (let i = 0; i < this.starts.length; i++) values.push(decodeMember(text, this.starts[i], this.ends[i]));
    return { names: this.names.slice(), values };
  }

  private value(depth: number): boolean {
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
      if (!this.value(depth + 1)) return false;
      if (depth === 0) {
        this.names.push(text.slice(previousStart, previousEnd));
        this.starts.push(valueStart);
        this.ends.push(this.pos);
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
      if (!this.value(depth + 1)) return false;
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
