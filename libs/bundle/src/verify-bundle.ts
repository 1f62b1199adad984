import { createHash } from 'node:crypto';
import {
  canonicalize,
  eventLeafHash,
  fromBase64,
  fromHex,
  hashEnvelope,
  isIsoMillis,
  isSealedValue,
  openCheckpoint,
  openSealedJson,
  originProblem,
  parseIJsonUtf8,
  parseVerifierKey,
  SignedNoteError,
  toHex,
  verifyConsistency,
  verifyInclusion,
  victimNameAad,
  witnessIdentityAad,
  type LedgerEnvelope,
  type SealedValue,
  type VerifierKey,
} from '@ledger/proof';
import {
  BUNDLE_FORMAT,
  claimIdOfStream,
  EXPORT_EVENT_TYPE,
  exportStreamId,
  isLineKind,
  LINE_KINDS,
  LINE_RULES,
  SHA256_HEX,
  SOURCE_EVENT_TYPES,
  SOURCE_MEMBERS,
  detached,
  sourceLine,
  type LineKind,
} from './format.js';
import { scanObject, type MemberSpan } from './json-scan.js';
import { ProvBuilder, provDifference, provReaderDifference, type EventLocation, type ProvDocumentReader } from './prov.js';

/** The checks of docs/BUNDLE-FORMAT.md ("Verifying"), each failure named by one. */
export type BundleCheck =
  | 'read'
  | 'truncated'
  | 'json'
  | 'kind'
  | 'line-order'
  | 'unknown-member'
  | 'missing-member'
  | 'member-type'
  | 'header'
  | 'trusted-key'
  | 'checkpoint'
  | 'checkpoint-signature'
  | 'consistency'
  | 'envelope'
  | 'event-hash'
  | 'event-id'
  | 'stream-order'
  | 'stream-type'
  | 'version'
  | 'chain'
  | 'seq'
  | 'inclusion'
  | 'manifest'
  | 'source'
  | 'disclosure'
  | 'prov'
  | 'summary'
  | 'end';

export interface BundleFailure {
  /** 1-based line of the file where the check failed. */
  readonly line: number;
  readonly check: BundleCheck;
  /** What was found and what was expected. */
  readonly detail: string;
  readonly seq?: number;
  readonly streamId?: string;
  readonly version?: number;
}

export interface ConsistencyChecked {
  readonly fromSize: number;
  /** True when the bundle carried the signed checkpoint at fromSize and the proof verified from it. */
  readonly checked: boolean;
}

export interface BundleVerified {
  readonly ok: true;
  readonly exportId: string;
  readonly origin: string;
  readonly treeSize: number;
  /** Hex root hash of the checkpoint. */
  readonly root: string;
  readonly streams: number;
  readonly events: number;
  readonly claims: number;
  readonly sources: number;
  readonly disclosures: number;
  readonly redacted: boolean;
  readonly verifierKey: string;
  /** Whether the verifier key was pinned (options.trustedKey) rather than taken from the bundle. */
  readonly keyPinned: boolean;
  readonly consistency: readonly ConsistencyChecked[];
  /** The `end` line's SHA-256: what the ledger's ExportCompleted event records. */
  readonly sha256: string;
}

export type BundleVerdict = BundleVerified | { readonly ok: false; readonly failure: BundleFailure };

export interface VerifyBundleOptions {
  /** A verifier key obtained elsewhere (GET /ledger/key, a court record): the bundle's must equal it. */
  readonly trustedKey?: string;
}

export type BundleInput = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** A `prov` line's document, read one member at a time. */
class SectionedDocument {
  constructor(readonly reader: ProvDocumentReader) {}
}

class BundleCheckFailure extends Error {
  constructor(readonly failure: BundleFailure) {
    super(failure.detail);
  }
}

const LF = 0x0a;

/**
 * Verifies a bundle as it streams past, line by line: every check of docs/BUNDLE-FORMAT.md, and
 * the first failure named by line, check, stream, version and seq. Holds compact facts per event
 * (for the manifest, the sources, the PROV document and the disclosures), never the whole file.
 */
export async function verifyBundle(input: BundleInput, options: VerifyBundleOptions = {}): Promise<BundleVerdict> {
  const trustedKey = options.trustedKey === undefined ? undefined : stripNewline(options.trustedKey);
  if (trustedKey !== undefined) parseVerifierKey(trustedKey);
  const verifier = new BundleVerification(trustedKey);
  let pending: Buffer[] = [];
  try {
    try {
      for await (const chunk of input) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        let start = 0;
        for (let lf = bytes.indexOf(LF, start); lf >= 0; lf = bytes.indexOf(LF, start)) {
          verifier.refuseAfterEnd();
          const piece = bytes.subarray(start, lf);
          verifier.line(pending.length === 0 ? piece : Buffer.concat([...pending, piece]));
          pending = [];
          start = lf + 1;
        }
        if (start < bytes.length) {
          verifier.refuseAfterEnd();
          pending.push(Buffer.from(bytes.subarray(start)));
        }
      }
    } catch (error) {
      if (error instanceof BundleCheckFailure) throw error;
      verifier.fail('read', `the bundle could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    return verifier.finish(pending.length > 0);
  } catch (error) {
    if (error instanceof BundleCheckFailure) return { ok: false, failure: error.failure };
    throw error;
  }
}

interface StreamState {
  readonly streamType: string;
  lastVersion: number;
  lastHash: string;
  lastLine: number;
}

interface ManifestEntry {
  readonly streamId: string;
  readonly version: number;
  readonly headHash: string;
}

interface Manifest {
  readonly line: number;
  readonly streams: readonly ManifestEntry[];
}

interface SealedPlace {
  readonly subject: string;
  readonly sealed: SealedValue;
  readonly aad: string;
  /** A victim's name: disclosed in every bundle (redacted too), with the value key that opens it alone. */
  readonly victimName?: true;
}

interface Header {
  readonly exportId: string;
  readonly origin: string;
  readonly scope: string;
  readonly redacted: boolean;
  readonly verifierKey: string;
  readonly key: VerifierKey;
}

type Line = Readonly<Record<string, unknown>>;

class BundleVerification {
  private lineNumber = 0;
  private rank = 0;
  private readonly counts = new Map<LineKind, number>();
  private readonly digest = createHash('sha256');
  private ended: string | null = null;

  private header: Header | null = null;
  private treeSize = 0;
  private root: Uint8Array = new Uint8Array(0);
  private readonly consistency: ConsistencyChecked[] = [];

  private readonly streams = new Map<string, StreamState>();
  private currentStream: string | null = null;
  private readonly events = new Map<string, EventLocation>();
  private readonly prov = new ProvBuilder();
  private manifest: Manifest | null = null;
  private readonly exportedClaims = new Set<string>();

  /** Source events by eventId: the `source` line each must have, and where it sits. */
  private readonly sourceEvents = new Map<string, { readonly expected: Line; readonly location: EventLocation; seen: boolean }>();
  private sourceLines = 0;
  /** Sealed values by eventId; kept only for an unredacted bundle, whose disclosures open them. */
  private readonly sealed = new Map<string, SealedPlace[]>();
  private readonly disclosed = new Set<string>();
  private readonly summaries = new Set<string>();

  constructor(private readonly trustedKey: string | undefined) {}

  fail(check: BundleCheck, detail: string, where: Partial<EventLocation> = {}, line: number = this.lineNumber): never {
    throw new BundleCheckFailure({ line, check, detail, ...definedOnly(where) });
  }

  /** Called before any byte that follows a complete line: none may follow the end line. */
  refuseAfterEnd(): void {
    if (this.ended !== null) this.fail('end', `line ${this.lineNumber + 1} follows the end line: nothing may come after it`, {}, this.lineNumber + 1);
  }

  line(bytes: Buffer): void {
    this.lineNumber++;
    const value = this.parse(bytes);
    const kind = value.kind;
    if (!isLineKind(kind)) this.fail('kind', `kind is ${JSON.stringify(kind)}, expected one of ${LINE_KINDS.join(', ')}`);
    if (kind !== 'end') {
      this.digest.update(bytes);
      this.digest.update('\n');
    }
    this.order(kind);
    this.members(kind, value);
    switch (kind) {
      case 'bundle':
        return this.bundleLine(value);
      case 'checkpoint':
        return this.checkpointLine(value);
      case 'consistency':
        return this.consistencyLine(value);
      case 'event':
        return this.eventLine(value);
      case 'source':
        return this.sourceLine(value);
      case 'disclosure':
        return this.disclosureLine(value);
      case 'prov':
        return this.provLine(value);
      case 'summary':
        return this.summaryLine(value);
      case 'end':
        return this.endLine(value);
      default: {
        const unreachable: never = kind;
        return unreachable;
      }
    }
  }

  finish(midLine: boolean): BundleVerified {
    if (midLine) this.fail('truncated', `the file ends in the middle of line ${this.lineNumber + 1}: every line, the end line included, ends with LF`, {}, this.lineNumber + 1);
    if (this.ended === null) {
      const detail = this.lineNumber === 0 ? 'the file is empty' : `the file ends after line ${this.lineNumber} without an end line: it was cut short`;
      this.fail('truncated', detail, {}, this.lineNumber + 1);
    }
    const header = this.header as Header;
    return {
      ok: true,
      exportId: header.exportId,
      origin: header.origin,
      treeSize: this.treeSize,
      root: toHex(this.root),
      streams: this.streams.size,
      events: this.events.size,
      claims: this.exportedClaims.size,
      sources: this.sourceLines,
      disclosures: this.disclosed.size,
      redacted: header.redacted,
      verifierKey: header.verifierKey,
      keyPinned: this.trustedKey !== undefined,
      consistency: this.consistency,
      sha256: this.ended,
    };
  }

  /**
   * One strict I-JSON object per line. The `prov` line, which grows with the bundle, is parsed one
   * member of its document at a time (when the PROV check reads it), never whole.
   */
  private parse(bytes: Buffer): Line {
    if (bytes.length === 0) this.fail('json', 'blank line: every line is one JSON object');
    if (bytes[0] !== 0x7b || bytes[bytes.length - 1] !== 0x7d) this.fail('json', 'a line must be exactly one JSON object, with no surrounding whitespace');
    let top: MemberSpan[] | null = null;
    try {
      const scanned = scanObject(bytes, 0, (name) => this.parseJson(name) as string);
      if (scanned.end === bytes.length) top = scanned.members;
    } catch (error) {
      if (error instanceof BundleCheckFailure) throw error;
    }
    const kind = top?.find((member) => member.name === 'kind');
    if (top === null || kind === undefined || this.parseJson(bytes.subarray(kind.start, kind.end)) !== 'prov') {
      const value = this.parseJson(bytes);
      if (!isRecord(value)) this.fail('json', 'a line must be one JSON object');
      return value;
    }
    const line: Record<string, unknown> = {};
    for (const { name, start, end } of top) {
      if (Object.hasOwn(line, name)) this.fail('json', `not I-JSON: duplicate member name ${JSON.stringify(name)}`);
      line[name] = name === 'document' ? this.sectioned(bytes, start, end) : this.parseJson(bytes.subarray(start, end));
    }
    return line;
  }

  /** The PROV document as a reader of its members, or its parsed value when it is no object. */
  private sectioned(bytes: Buffer, start: number, end: number): unknown {
    let members: MemberSpan[];
    try {
      members = scanObject(bytes, start, (name) => this.parseJson(name) as string).members;
    } catch (error) {
      if (error instanceof BundleCheckFailure) throw error;
      return this.parseJson(bytes.subarray(start, end));
    }
    const spans = new Map<string, MemberSpan>();
    for (const member of members) {
      if (spans.has(member.name)) this.fail('json', `not I-JSON: duplicate member name ${JSON.stringify(member.name)} in the PROV document`);
      spans.set(member.name, member);
    }
    const reader: ProvDocumentReader = {
      members: [...spans.keys()],
      member: (name) => {
        const span = spans.get(name);
        return span === undefined ? undefined : this.parseJson(bytes.subarray(span.start, span.end));
      },
    };
    return new SectionedDocument(reader);
  }

  private parseJson(bytes: Uint8Array): unknown {
    try {
      return parseIJsonUtf8(bytes);
    } catch (error) {
      this.fail('json', `not I-JSON: ${errorText(error)}`);
    }
  }

  /** Kinds come in the order of the format; leaving a kind runs the checks that needed all of it. */
  private order(kind: LineKind): void {
    const rule = LINE_RULES[kind];
    if (rule.rank < this.rank) {
      const previous = LINE_KINDS[this.rank - 1];
      this.fail('line-order', `${article(kind)} ${kind} line cannot follow ${previous} lines: the order is ${LINE_KINDS.join(', ')}`);
    }
    for (let rank = Math.max(this.rank, 1); rank < rule.rank; rank++) {
      const passed = LINE_KINDS[rank - 1];
      if ((this.counts.get(passed) ?? 0) < LINE_RULES[passed].min) {
        this.fail('line-order', `expected ${LINE_RULES[passed].max === 1 ? article(passed) : 'at least one'} ${passed} line before this ${kind} line`);
      }
      if (rank >= this.rank) this.leave(passed);
    }
    const count = this.counts.get(kind) ?? 0;
    if (count >= rule.max) this.fail('line-order', `a second ${kind} line: a bundle has exactly one`);
    this.counts.set(kind, count + 1);
    this.rank = rule.rank;
  }

  private leave(kind: LineKind): void {
    if (kind === 'event') this.checkManifest();
    else if (kind === 'source') this.checkAllSources();
    else if (kind === 'summary') this.checkAllSummaries();
  }

  private members(kind: LineKind, value: Line): void {
    const { required, optional } = LINE_RULES[kind];
    for (const member of Object.keys(value)) {
      if (!required.includes(member) && !optional.includes(member)) {
        this.fail('unknown-member', `${article(kind)} ${kind} line has no member ${JSON.stringify(member)}; its members are ${[...required, ...optional].join(', ')}`);
      }
    }
    for (const member of required) {
      if (!Object.hasOwn(value, member)) this.fail('missing-member', `${article(kind)} ${kind} line needs member ${JSON.stringify(member)}`);
    }
  }

  private bundleLine(line: Line): void {
    if (line.format !== BUNDLE_FORMAT) this.fail('header', `format is ${JSON.stringify(line.format)}, expected ${JSON.stringify(BUNDLE_FORMAT)}`);
    const exportId = this.text(line, 'exportId');
    const origin = this.text(line, 'origin');
    const problem = originProblem(origin);
    if (problem !== null) this.fail('header', `origin ${JSON.stringify(origin)}: ${problem}`);
    if (!isIsoMillis(line.createdAt)) this.fail('member-type', 'createdAt must be YYYY-MM-DDTHH:mm:ss.sssZ');
    if (!isRecord(line.scope)) this.fail('member-type', 'scope must be a JSON object');
    if (typeof line.redacted !== 'boolean') this.fail('member-type', 'redacted must be true or false');
    const verifierKey = stripNewline(this.text(line, 'verifierKey'));
    if (this.trustedKey !== undefined && verifierKey !== this.trustedKey) {
      this.fail('trusted-key', `the bundle's verifier key is ${verifierKey}, expected the pinned key ${this.trustedKey}`);
    }
    let key: VerifierKey;
    try {
      key = parseVerifierKey(verifierKey);
    } catch (error) {
      this.fail('header', `verifierKey: ${errorText(error)}`);
    }
    if (key.name !== origin) this.fail('header', `the verifier key is named ${JSON.stringify(key.name)}, expected the bundle's origin ${JSON.stringify(origin)}`);
    this.header = { exportId, origin, scope: canonicalize(line.scope), redacted: line.redacted, verifierKey, key };
  }

  private checkpointLine(line: Line): void {
    const header = this.header as Header;
    const note = this.text(line, 'note');
    try {
      const checkpoint = openCheckpoint(note, header.key);
      if (checkpoint.size === 0) this.fail('checkpoint', 'the checkpoint is of the empty tree: it covers no event');
      this.treeSize = checkpoint.size;
      this.root = checkpoint.root;
    } catch (error) {
      if (!(error instanceof SignedNoteError)) throw error;
      const signature = error.problem === 'unknown-key' || error.problem === 'bad-signature';
      this.fail(signature ? 'checkpoint-signature' : 'checkpoint', `${error.message} (verifier key ${header.verifierKey})`);
    }
  }

  private consistencyLine(line: Line): void {
    const header = this.header as Header;
    const fromSize = this.integer(line, 'fromSize', 0);
    const toSize = this.integer(line, 'toSize', 0);
    const proof = this.hashes(line, 'proof');
    if (toSize !== this.treeSize) this.fail('consistency', `toSize is ${toSize}, expected the checkpoint's size ${this.treeSize}`);
    if (fromSize < 1 || fromSize > toSize) this.fail('consistency', `fromSize is ${fromSize}, expected 1..${toSize}`);
    if (line.note === undefined) {
      this.consistency.push({ fromSize, checked: false });
      return;
    }
    const note = this.text(line, 'note');
    let oldRoot: Uint8Array;
    try {
      const old = openCheckpoint(note, header.key);
      if (old.size !== fromSize) this.fail('consistency', `the note is a checkpoint of size ${old.size}, expected fromSize ${fromSize}`);
      oldRoot = old.root;
    } catch (error) {
      if (!(error instanceof SignedNoteError)) throw error;
      this.fail('consistency', `the checkpoint note of size ${fromSize}: ${error.message}`);
    }
    if (!verifyConsistency(fromSize, toSize, proof, oldRoot, this.root)) {
      this.fail('consistency', `the consistency proof from size ${fromSize} to ${toSize} does not verify between the two checkpoints' roots`);
    }
    this.consistency.push({ fromSize, checked: true });
  }

  private eventLine(line: Line): void {
    const header = this.header as Header;
    const raw = line.envelope;
    const proof = this.hashes(line, 'inclusionProof');
    if (!isRecord(raw)) this.fail('envelope', 'envelope must be a JSON object');
    let computed: string;
    try {
      computed = hashEnvelope(raw as unknown as LedgerEnvelope);
    } catch (error) {
      this.fail('envelope', errorText(error), locationOf(raw));
    }
    if (typeof raw.hash !== 'string') this.fail('envelope', 'the envelope has no hash', locationOf(raw));
    if (raw.seq === undefined) this.fail('envelope', 'the envelope has no seq: only sequenced events belong in a bundle', locationOf(raw));
    const envelope = raw as unknown as LedgerEnvelope & { seq: number };
    const where: EventLocation = { seq: envelope.seq, streamId: envelope.streamId, version: envelope.version };
    if (computed !== envelope.hash) this.fail('event-hash', `hash is ${envelope.hash}, but the envelope without seq and hash hashes to ${computed}`, where);
    this.follow(envelope, where);
    if (envelope.seq > this.treeSize) this.fail('seq', `seq ${envelope.seq} is beyond the checkpoint's tree size ${this.treeSize}`, where);
    if (!verifyInclusion(envelope.seq - 1, this.treeSize, eventLeafHash(envelope.hash), proof, this.root)) {
      this.fail('inclusion', `the inclusion proof of leaf ${envelope.seq - 1} does not lead to the checkpoint's root at tree size ${this.treeSize}`, where);
    }
    if (this.events.has(envelope.eventId)) this.fail('event-id', `eventId ${envelope.eventId} was already used by another event of the bundle`, where);

    // What is kept of the event is detached from its line, which can then be collected.
    const eventId = detached(envelope.eventId);
    const kept: EventLocation = { seq: envelope.seq, streamId: this.currentStream as string, version: envelope.version };
    this.events.set(eventId, kept);
    this.prov.add(envelope);
    if (envelope.streamId === exportStreamId(header.exportId) && envelope.version === 1) this.readManifest(envelope, kept);
    if (SOURCE_EVENT_TYPES.has(envelope.type)) {
      this.sourceEvents.set(eventId, { expected: detachedJson(sourceLine(eventId, envelope.payload)), location: kept, seen: false });
    }
    if (!header.redacted) this.keepSealed(eventId, envelope);
    this.keepSealedName(eventId, envelope);
  }

  /** Stream lines are consecutive, versions 1, 2, 3… and each prevHash the previous hash. */
  private follow(envelope: LedgerEnvelope, where: EventLocation): void {
    let stream = this.streams.get(envelope.streamId);
    if (envelope.streamId !== this.currentStream) {
      if (stream !== undefined) {
        this.fail('stream-order', `stream ${envelope.streamId} resumes here after line ${stream.lastLine}, expected its events on consecutive lines`, where);
      }
      if (envelope.version !== 1) this.fail('version', `stream ${envelope.streamId} starts at version ${envelope.version}, expected version 1`, where);
      stream = { streamType: detached(envelope.streamType), lastVersion: 0, lastHash: '', lastLine: 0 };
      this.currentStream = detached(envelope.streamId);
      this.streams.set(this.currentStream, stream);
    } else if (stream !== undefined) {
      if (envelope.version !== stream.lastVersion + 1) this.fail('version', `version ${envelope.version} follows version ${stream.lastVersion}, expected version ${stream.lastVersion + 1}`, where);
      if (envelope.prevHash !== stream.lastHash) {
        this.fail('chain', `prevHash is ${String(envelope.prevHash)}, expected the hash of version ${stream.lastVersion}, ${stream.lastHash}`, where);
      }
      if (envelope.streamType !== stream.streamType) this.fail('stream-type', `streamType is ${envelope.streamType}, expected ${stream.streamType} as in version 1`, where);
    }
    const state = stream as StreamState;
    state.lastVersion = envelope.version;
    state.lastHash = detached(envelope.hash);
    state.lastLine = this.lineNumber;
  }

  private readManifest(envelope: LedgerEnvelope, where: EventLocation): void {
    const header = this.header as Header;
    const payload = envelope.payload as Readonly<Record<string, unknown>>;
    if (envelope.type !== EXPORT_EVENT_TYPE) this.fail('manifest', `stream ${envelope.streamId} version 1 is a ${envelope.type} event, expected ${EXPORT_EVENT_TYPE}`, where);
    if (payload.exportId !== header.exportId) this.fail('manifest', `the export event's exportId is ${JSON.stringify(payload.exportId)}, expected the bundle's ${JSON.stringify(header.exportId)}`, where);
    if (payload.redacted !== header.redacted) this.fail('manifest', `the export event's redacted is ${JSON.stringify(payload.redacted)}, expected the bundle's ${String(header.redacted)}`, where);
    if (!isRecord(payload.scope) || canonicalize(payload.scope) !== header.scope) this.fail('manifest', `the export event's scope is ${JSON.stringify(payload.scope)}, expected the bundle's ${header.scope}`, where);
    const requestedBy = payload.requestedBy;
    if (!isRecord(requestedBy) || typeof requestedBy.id !== 'string' || typeof requestedBy.role !== 'string') this.fail('manifest', 'the export event needs requestedBy { id, role }', where);
    if (!Array.isArray(payload.streams)) this.fail('manifest', 'the export event needs streams: [{ streamId, version, headHash }]', where);
    const entries: ManifestEntry[] = [];
    const listed = new Set<string>();
    for (const [index, entry] of (payload.streams as unknown[]).entries()) {
      if (!isRecord(entry) || typeof entry.streamId !== 'string' || entry.streamId === '' || !isPositiveInteger(entry.version) || typeof entry.headHash !== 'string' || !SHA256_HEX.test(entry.headHash)) {
        this.fail('manifest', `streams[${index}] must be { streamId, version (a positive integer), headHash (64 lowercase hex) }`, where);
      }
      if (listed.has(entry.streamId)) this.fail('manifest', `streams[${index}] lists stream ${entry.streamId} a second time`, where);
      if (entry.streamId === envelope.streamId) this.fail('manifest', `streams[${index}] lists the export's own stream`, where);
      listed.add(entry.streamId);
      entries.push({ streamId: detached(entry.streamId), version: entry.version as number, headHash: detached(entry.headHash) });
    }
    this.manifest = { line: this.lineNumber, streams: entries };
  }

  /** Completeness: exactly the manifest's streams, each whole up to its listed version and head hash. */
  private checkManifest(): void {
    const header = this.header as Header;
    const exportStream = exportStreamId(header.exportId);
    const manifest = this.manifest;
    if (manifest === null) this.fail('manifest', `no ${EXPORT_EVENT_TYPE} event in stream ${exportStream} version 1: the bundle's completeness cannot be checked`);
    const own = this.streams.get(exportStream) as StreamState;
    if (own.lastVersion !== 1) this.incomplete(manifest, `stream ${exportStream} holds version ${own.lastVersion}; only version 1, the export event, belongs in the bundle`, { streamId: exportStream, version: 2 });
    const listed = new Set<string>();
    for (const entry of manifest.streams) {
      listed.add(entry.streamId);
      const stream = this.streams.get(entry.streamId);
      if (stream === undefined) this.incomplete(manifest, `stream ${entry.streamId} is exported up to version ${entry.version} but has no event in the bundle`, { streamId: entry.streamId, version: 1 });
      if (stream.lastVersion < entry.version) {
        this.incomplete(manifest, `stream ${entry.streamId} ends at version ${stream.lastVersion} (line ${stream.lastLine}), expected versions up to ${entry.version} with head hash ${entry.headHash}`, {
          streamId: entry.streamId,
          version: stream.lastVersion + 1,
        });
      }
      if (stream.lastVersion > entry.version) {
        this.incomplete(manifest, `stream ${entry.streamId} holds version ${stream.lastVersion} (line ${stream.lastLine}), beyond the exported version ${entry.version}`, {
          streamId: entry.streamId,
          version: entry.version + 1,
        });
      }
      if (stream.lastHash !== entry.headHash) {
        this.incomplete(manifest, `stream ${entry.streamId} version ${entry.version} has hash ${stream.lastHash}, expected the exported head hash ${entry.headHash}`, { streamId: entry.streamId, version: entry.version });
      }
      const claimId = claimIdOfStream(entry.streamId);
      if (claimId !== null) this.exportedClaims.add(claimId);
    }
    for (const [streamId, stream] of this.streams) {
      if (streamId !== exportStream && !listed.has(streamId)) this.incomplete(manifest, `stream ${streamId} (line ${stream.lastLine}) is not in the export's manifest`, { streamId });
    }
  }

  private incomplete(manifest: Manifest, detail: string, where: Partial<EventLocation>): never {
    this.fail('manifest', `${detail} (manifest on line ${manifest.line})`, where, manifest.line);
  }

  private sourceLine(line: Line): void {
    const eventId = this.text(line, 'eventId');
    const source = this.sourceEvents.get(eventId);
    if (source === undefined) {
      const where = this.events.get(eventId);
      this.fail('source', where === undefined ? `no event ${eventId} in the bundle` : `event ${eventId} attaches no source`, where);
    }
    if (source.seen) this.fail('source', `a second source line for event ${eventId}`, source.location);
    source.seen = true;
    this.sourceLines++;
    for (const member of SOURCE_MEMBERS) {
      const expected = source.expected[member];
      const found = line[member];
      if (expected === undefined && found !== undefined) this.fail('source', `${member} is ${JSON.stringify(found)}, but the event has no ${member}`, source.location);
      if (expected !== undefined && !sameJson(expected, found)) {
        this.fail('source', `${member} is ${JSON.stringify(found)}, expected ${JSON.stringify(expected)} as the event attests`, source.location);
      }
    }
  }

  private checkAllSources(): void {
    for (const [eventId, source] of this.sourceEvents) {
      if (!source.seen) this.fail('source', `the source event ${eventId} has no source line`, source.location);
    }
  }

  private keepSealed(eventId: string, envelope: LedgerEnvelope): void {
    if (envelope.type !== 'TestimonyRecorded') return;
    const payload = envelope.payload as Readonly<Record<string, unknown>>;
    const identity = isRecord(payload.protected) ? payload.protected.witnessIdentity : undefined;
    if (!isSealedValue(identity) || typeof payload.testimonyId !== 'string') return;
    const sealed = detachedJson(identity);
    this.sealed.set(eventId, [{ subject: sealed.subject, sealed, aad: detached(witnessIdentityAad(sealed.subject, payload.testimonyId)) }]);
  }

  /** A victim name sealed in ClaimFiled / ClaimAmended (schema 2): AAD holder the claim id, or the amendmentId. */
  private keepSealedName(eventId: string, envelope: LedgerEnvelope): void {
    if (envelope.schemaVersion !== 2 || (envelope.type !== 'ClaimFiled' && envelope.type !== 'ClaimAmended')) return;
    const payload = envelope.payload as Readonly<Record<string, unknown>>;
    const sealedName = isRecord(payload.protected) ? payload.protected.victimName : undefined;
    const holder = envelope.type === 'ClaimFiled' ? payload.claimId : payload.amendmentId;
    if (!isSealedValue(sealedName) || typeof holder !== 'string') return;
    const sealed = detachedJson(sealedName);
    const place: SealedPlace = { subject: sealed.subject, sealed, aad: detached(victimNameAad(sealed.subject, holder)), victimName: true };
    this.sealed.set(eventId, [...(this.sealed.get(eventId) ?? []), place]);
  }

  private disclosureLine(line: Line): void {
    const header = this.header as Header;
    const eventId = this.text(line, 'eventId');
    const subject = this.text(line, 'subject');
    const where = this.events.get(eventId);
    const place = this.sealed.get(eventId)?.find((candidate) => candidate.subject === subject);
    // Victims' names are in every bundle, each with its own value key; other values only when unredacted.
    if (header.redacted && place?.victimName !== true) {
      this.fail('disclosure', `a redacted bundle carries no disclosure but victims' names, and this line discloses ${subject} of event ${eventId}`, where);
    }
    if (place === undefined) {
      this.fail('disclosure', where === undefined ? `no event ${eventId} in the bundle` : `event ${eventId} holds no sealed value of ${subject}`, where);
    }
    const key = `${eventId}\n${subject}`;
    if (this.disclosed.has(key)) this.fail('disclosure', `a second disclosure of ${subject} in event ${eventId}`, where);
    const dataKey = fromBase64(this.text(line, 'dataKey'));
    if (dataKey === null || dataKey.length !== 32) this.fail('member-type', 'dataKey must be the standard base64 of 32 bytes', where);
    let opened: unknown;
    try {
      opened = openSealedJson(place.sealed, dataKey, place.aad);
    } catch {
      this.fail('disclosure', `the data key does not open the sealed value of ${subject} in event ${eventId}`, where);
    }
    // The plaintext is personal data: say that it differs, never what it is.
    if (!sameJson(opened, line.plaintext)) this.fail('disclosure', `the plaintext differs from the sealed value of ${subject} in event ${eventId}`, where);
    this.disclosed.add(detached(key));
  }

  private provLine(line: Line): void {
    const document = line.document;
    const difference = document instanceof SectionedDocument ? provReaderDifference(document.reader, this.prov) : provDifference(document, this.prov);
    if (difference !== null) {
      const where = difference.id === undefined ? undefined : this.prov.locate(difference.id);
      this.fail('prov', difference.detail, where);
    }
  }

  private summaryLine(line: Line): void {
    const claimId = this.text(line, 'claimId');
    if (typeof line.html !== 'string') this.fail('member-type', 'html must be a string');
    if (!this.exportedClaims.has(claimId)) this.fail('summary', `claim ${claimId} is not among the exported claims`);
    if (this.summaries.has(claimId)) this.fail('summary', `a second summary of claim ${claimId}`);
    this.summaries.add(detached(claimId));
  }

  private checkAllSummaries(): void {
    for (const claimId of this.exportedClaims) {
      if (!this.summaries.has(claimId)) this.fail('summary', `claim ${claimId} is exported but has no summary`, { streamId: `claim-${claimId}` });
    }
  }

  private endLine(line: Line): void {
    const lines = this.integer(line, 'lines', 0);
    const sha256 = this.text(line, 'sha256');
    const digest = this.digest.digest('hex');
    if (lines !== this.lineNumber - 1) this.fail('end', `the end line counts ${lines} lines, expected the ${this.lineNumber - 1} lines before it`);
    if (sha256 !== digest) this.fail('end', `the end line's sha256 is ${sha256}, but the ${lines} lines before it hash to ${digest}`);
    this.ended = digest;
  }

  private text(line: Line, member: string): string {
    const value = line[member];
    if (typeof value !== 'string' || value === '') this.fail('member-type', `${member} must be a non-empty string`);
    return value;
  }

  private integer(line: Line, member: string, min: number): number {
    const value = line[member];
    if (!Number.isSafeInteger(value) || (value as number) < min) this.fail('member-type', `${member} must be an integer >= ${min}`);
    return value as number;
  }

  private hashes(line: Line, member: string): Uint8Array[] {
    const value = line[member];
    const hashes = Array.isArray(value) ? value.map((item) => (typeof item === 'string' && item.length === 64 ? fromHex(item) : null)) : [null];
    if (hashes.some((hash) => hash === null)) {
      this.fail('member-type', `${member} must be an array of 64-digit lowercase hex hashes`, isRecord(line.envelope) ? locationOf(line.envelope) : {});
    }
    return hashes as Uint8Array[];
  }
}

/** Whatever of seq, streamId and version a (perhaps malformed) envelope offers, to name it. */
function locationOf(envelope: Readonly<Record<string, unknown>>): Partial<EventLocation> {
  return {
    ...(Number.isSafeInteger(envelope.seq) ? { seq: envelope.seq as number } : {}),
    ...(typeof envelope.streamId === 'string' ? { streamId: envelope.streamId } : {}),
    ...(Number.isSafeInteger(envelope.version) ? { version: envelope.version as number } : {}),
  };
}

function definedOnly(where: Partial<EventLocation>): Partial<EventLocation> {
  return {
    ...(where.seq === undefined ? {} : { seq: where.seq }),
    ...(where.streamId === undefined ? {} : { streamId: where.streamId }),
    ...(where.version === undefined ? {} : { version: where.version }),
  };
}

/** A deep copy sharing no string with the line it was read from (see {@link detached}). */
function detachedJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return canonicalize(a) === canonicalize(b);
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function article(kind: LineKind): string {
  return /^[aeiou]/.test(kind) ? 'an' : 'a';
}

function stripNewline(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
