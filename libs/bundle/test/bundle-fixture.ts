import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import {
  eventLeafHash,
  generateCheckpointKey,
  MemoryMerkleTree,
  sealEnvelope,
  sealJson,
  signCheckpoint,
  toBase64,
  toHex,
  valueKey,
  verifierKey,
  victimNameAad,
  witnessIdentityAad,
  type CheckpointKeyPair,
  type JsonObject,
  type LedgerEnvelope,
} from '@ledger/proof';
import { BUNDLE_FORMAT, BundleWriter, claimSummaryHtml, exportStreamId, ProvBuilder, sourceLine } from '../src/index.js';

/*
 * A small ledger in memory (hash-chained streams, one Merkle log, signed checkpoints) and a bundle
 * written from it exactly as the server's exporter writes one: BundleWriter lines, ProvBuilder,
 * claimSummaryHtml.
 */

export type Envelope = LedgerEnvelope & { seq: number };

interface Actor {
  id: string;
  role: string;
}

const DOCUMENTER: Actor = { id: 'u-doc1', role: 'documenter' };
const VERIFIER_1: Actor = { id: 'u-ver1', role: 'verifier' };
const VERIFIER_2: Actor = { id: 'u-ver2', role: 'verifier' };
const VERIFIER_3: Actor = { id: 'u-ver3', role: 'verifier' };
const LEAD: Actor = { id: 'u-lead', role: 'lead-verifier' };
const LEGAL: Actor = { id: 'u-legal', role: 'legal' };

export class TestLedger {
  readonly tree = new MemoryMerkleTree();
  readonly log: Envelope[] = [];
  private readonly heads = new Map<string, { version: number; hash: string }>();
  private clock = Date.parse('2026-11-20T08:00:00.000Z');

  constructor(
    readonly origin: string,
    readonly keys: CheckpointKeyPair = generateCheckpointKey(),
  ) {}

  get verifierKey(): string {
    return verifierKey(this.origin, this.keys.publicKey);
  }

  append(streamId: string, streamType: string, type: string, payload: object, actor: Actor, schemaVersion = 1): Envelope {
    const head = this.heads.get(streamId);
    const version = (head?.version ?? 0) + 1;
    this.clock += 61_000;
    const at = new Date(this.clock).toISOString();
    const commandId = randomUUID();
    const { envelope } = sealEnvelope({
      streamId,
      streamType,
      version,
      eventId: randomUUID(),
      type,
      schemaVersion,
      occurredAt: at,
      recordedAt: at,
      actor,
      commandId,
      correlationId: commandId,
      causationId: commandId,
      payload: payload as JsonObject,
      prevHash: head?.hash ?? null,
    });
    const sequenced = { seq: this.tree.size + 1, ...envelope } as Envelope;
    this.tree.appendLeafHashes([eventLeafHash(sequenced.hash)]);
    this.heads.set(streamId, { version, hash: sequenced.hash });
    this.log.push(sequenced);
    return sequenced;
  }

  stream(streamId: string, upToVersion = Infinity): Envelope[] {
    return this.log.filter((e) => e.streamId === streamId && e.version <= upToVersion);
  }

  head(streamId: string): { version: number; hash: string } {
    const head = this.heads.get(streamId);
    if (head === undefined) throw new Error(`no stream ${streamId}`);
    return head;
  }

  checkpoint(size = this.tree.size): string {
    return signCheckpoint(this.origin, size, this.tree.root(size), this.keys.privateKey);
  }

  inclusionProof(seq: number, size = this.tree.size): string[] {
    return this.tree.inclusionProof(seq - 1, size).map(toHex);
  }
}

export interface ClaimScript {
  readonly claimId: string;
  readonly streamId: string;
  readonly victimName: string;
  readonly testimonyEventId?: string;
  readonly identity?: { name: string; contact: string };
  /** A ClaimFiled v2: the event that seals the name, the name as sealed and its value key. */
  readonly sealedName?: { eventId: string; subject: string; name: { latin: string }; key: Uint8Array };
}

export interface Fixture {
  readonly ledger: TestLedger;
  readonly exportId: string;
  readonly redacted: boolean;
  /** The bundle's lines without their LF and without the end line. */
  readonly body: string[];
  /** The whole file. */
  readonly text: string;
  readonly claims: ClaimScript[];
  readonly incidentStream: string;
  /** A claim stream of the same ledger that the export leaves out. */
  readonly otherStream: string;
  readonly exportStream: string;
  readonly dataKeys: Map<string, Uint8Array>;
  /** The stream order of the event lines. */
  readonly streams: string[];
}

export interface FixtureOptions {
  readonly redacted?: boolean;
  readonly victimName?: string;
  /** Extra small claims (filed, source, verification) exported besides the two scripted ones. */
  readonly extraClaims?: number;
}

/** Files claim A with everything (sealed testimony, source, verifications, dispute, resolution). */
function fileRichClaim(ledger: TestLedger, victimName: string, dataKeys: Map<string, Uint8Array>): ClaimScript {
  const claimId = randomUUID();
  const streamId = `claim-${claimId}`;
  const append = (type: string, payload: object, actor: Actor, schemaVersion = 1) => ledger.append(streamId, 'claim', type, payload, actor, schemaVersion);
  append(
    'ClaimFiled',
    {
      claimId,
      filedBy: DOCUMENTER,
      victim: { name: { latin: victimName, arabic: 'أحمد الحسين' }, sex: 'male', age: 34, ageGroup: 'adult', civilianStatus: 'civilian', protectedRole: 'civil-defence' },
      death: { date: '2018-07-16', precision: 'day' },
      place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
      cause: 'double-tap-airstrike',
      perpetrator: 'russian-forces',
    },
    DOCUMENTER,
  );
  const testimonyId = randomUUID();
  const subject = 'witness:W-17';
  const dataKey = randomBytes(32);
  const identity = { name: 'Samira Witness-Name', contact: '+963-000-1717' };
  const testimony = append(
    'TestimonyRecorded',
    {
      testimonyId,
      witness: { pseudonym: 'W-17' },
      relation: 'eyewitness',
      statement: 'I saw the second strike hit the rescuers.',
      language: 'ar',
      consent: 'legal-proceedings',
      recordedBy: DOCUMENTER,
      protected: { witnessIdentity: sealJson(identity, subject, dataKey, witnessIdentityAad(subject, testimonyId)) },
    },
    DOCUMENTER,
    3,
  );
  dataKeys.set(testimony.eventId, dataKey);
  append(
    'SourceAttached',
    {
      sourceId: randomUUID(),
      type: 'hospital-record',
      publisher: 'Idlib Central Hospital',
      url: 'https://example.org/records/17',
      contentSha256: 'a1'.repeat(32),
      connection: 'victim',
      reliability: 'high',
      attachedBy: DOCUMENTER,
    },
    DOCUMENTER,
  );
  append('ReviewStarted', { by: VERIFIER_1 }, VERIFIER_1);
  append('VerificationRecorded', { verificationId: randomUUID(), verdict: 'approve', rationale: 'Hospital record matches.', grade: 'fair', verifier: VERIFIER_1 }, VERIFIER_1);
  const disputeId = randomUUID();
  append('VerificationRecorded', { verificationId: randomUUID(), verdict: 'dispute', rationale: 'Date conflicts with a report.', verifier: VERIFIER_2, disputeId }, VERIFIER_2);
  append('ClaimDisputed', { disputeId, rationale: 'Date conflicts with a report.', by: VERIFIER_2 }, VERIFIER_2);
  append('DisputeResolved', { disputeId, outcome: 'dismiss-dispute', rationale: 'The report misdated the strike.', by: LEAD }, LEAD);
  append('VerificationRecorded', { verificationId: randomUUID(), verdict: 'approve', rationale: 'Confirmed by testimony.', grade: 'confirmed', verifier: VERIFIER_3 }, VERIFIER_3);
  append('ClaimVerified', { approvedBy: [VERIFIER_1.id, VERIFIER_3.id], requiredApprovals: 2 }, VERIFIER_3);
  return { claimId, streamId, victimName, testimonyEventId: testimony.eventId, identity };
}

/** A claim filed as the ledger files one today (ClaimFiled v2): the victim's name sealed under its own value key. */
function fileSmallClaim(ledger: TestLedger, name: string, incidentId?: string): ClaimScript {
  const claimId = randomUUID();
  const streamId = `claim-${claimId}`;
  const append = (type: string, payload: object, actor: Actor) => ledger.append(streamId, 'claim', type, payload, actor);
  const subject = `victim:${claimId}`;
  const aad = victimNameAad(subject, claimId);
  const key = valueKey(randomBytes(32), aad);
  const filed = ledger.append(
    streamId,
    'claim',
    'ClaimFiled',
    {
      claimId,
      filedBy: DOCUMENTER,
      victim: { sex: 'female', ageGroup: 'child', civilianStatus: 'civilian' },
      death: { from: '2018-07-01', to: '2018-07-31', precision: 'range' },
      place: { governorate: 'Idlib', precision: 'governorate' },
      cause: 'airstrike',
      perpetrator: 'not-identified',
      protected: { victimName: sealJson({ latin: name }, subject, key, aad) },
    },
    DOCUMENTER,
    2,
  );
  append(
    'SourceAttached',
    { sourceId: randomUUID(), type: 'news-article', publisher: 'Example News', contentSha256: 'b2'.repeat(32), connection: 'third-party', reliability: 'medium', attachedBy: DOCUMENTER },
    DOCUMENTER,
  );
  if (incidentId !== undefined) append('ClaimLinkedToIncident', { incidentId, by: DOCUMENTER }, DOCUMENTER);
  return { claimId, streamId, victimName: name, sealedName: { eventId: filed.eventId, subject, name: { latin: name }, key } };
}

/** A ledger with two scripted claims, an incident, noise, the export event; and its bundle. */
export function buildFixture(options: FixtureOptions = {}): Fixture {
  const redacted = options.redacted ?? true;
  const ledger = new TestLedger('ledger.test/bundles');
  const dataKeys = new Map<string, Uint8Array>();
  const other = fileSmallClaim(ledger, 'Not Exported');
  const incidentId = randomUUID();
  const incidentStream = `incident-${incidentId}`;
  ledger.append(
    incidentStream,
    'incident',
    'IncidentRecorded',
    {
      incidentId,
      code: 'IDL-2018-07-16-ZARDANA',
      date: '2018-07-16',
      precision: 'day',
      place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
      attackType: 'double-tap-airstrike',
      perpetrator: 'russian-forces',
      narrative: 'Two strikes on a market, the second on rescuers.',
      recordedBy: DOCUMENTER,
    },
    DOCUMENTER,
  );
  const rich = fileRichClaim(ledger, options.victimName ?? 'Ahmad al-Hussein', dataKeys);
  const small = fileSmallClaim(ledger, 'Rima K.', incidentId);
  const extra = Array.from({ length: options.extraClaims ?? 0 }, (_, i) => fileSmallClaim(ledger, `Extra ${i}`));
  const claims = [rich, small, ...extra];
  ledger.append(incidentStream, 'incident', 'IncidentClaimsLinked', { claimIds: [small.claimId], by: DOCUMENTER }, DOCUMENTER);
  ledger.append(
    incidentStream,
    'incident',
    'IncidentSourceAttached',
    { sourceId: randomUUID(), type: 'monitoring-report', publisher: 'Monitor', contentSha256: 'c3'.repeat(32), connection: 'third-party', reliability: 'high', attachedBy: DOCUMENTER },
    DOCUMENTER,
  );
  ledger.append(other.streamId, 'claim', 'ReviewStarted', { by: VERIFIER_1 }, VERIFIER_1);
  const earlierSize = ledger.tree.size;
  const earlierCheckpoint = ledger.checkpoint(earlierSize);

  const exportId = randomUUID();
  const exportStream = exportStreamId(exportId);
  const scope = { claimIds: claims.map((c) => c.claimId), incidentIds: [incidentId] };
  const exported = [...claims.map((c) => c.streamId), incidentStream];
  ledger.append(
    exportStream,
    'export',
    'EvidenceExported',
    {
      exportId,
      scope,
      redacted,
      requestedBy: LEGAL,
      streams: exported.map((streamId) => ({ streamId, version: ledger.head(streamId).version, headHash: ledger.head(streamId).hash })),
    },
    LEGAL,
  );
  const versions = new Map(exported.map((streamId) => [streamId, ledger.head(streamId).version]));
  // Recorded after the export event: in the checkpoint, not in the bundle.
  ledger.append(rich.streamId, 'claim', 'ClaimAmended', { changes: { cause: 'airstrike' }, previous: { cause: 'double-tap-airstrike' }, reason: 'late', by: DOCUMENTER }, DOCUMENTER);
  ledger.append(other.streamId, 'claim', 'ClaimRetracted', { reason: 'duplicate entry', by: DOCUMENTER }, DOCUMENTER);

  const size = ledger.tree.size;
  const createdAt = '2026-11-25T08:00:00.000Z';
  const writer = new BundleWriter();
  const prov = new ProvBuilder();
  const out: string[] = [];
  out.push(writer.line({ kind: 'bundle', format: BUNDLE_FORMAT, exportId, origin: ledger.origin, createdAt, scope, redacted, verifierKey: ledger.verifierKey }));
  out.push(writer.line({ kind: 'checkpoint', note: ledger.checkpoint(size) }));
  out.push(writer.line({ kind: 'consistency', fromSize: earlierSize, toSize: size, proof: ledger.tree.consistencyProof(earlierSize, size).map(toHex), note: earlierCheckpoint }));
  out.push(writer.line({ kind: 'consistency', fromSize: 3, toSize: size, proof: ledger.tree.consistencyProof(3, size).map(toHex) }));
  const streams = [...exported, exportStream];
  const sources: Envelope[] = [];
  for (const streamId of streams) {
    for (const envelope of ledger.stream(streamId, versions.get(streamId) ?? 1)) {
      out.push(writer.line({ kind: 'event', envelope, inclusionProof: ledger.inclusionProof(envelope.seq, size) }));
      prov.add(envelope);
      if (envelope.type === 'SourceAttached' || envelope.type === 'IncidentSourceAttached') sources.push(envelope);
    }
  }
  for (const envelope of sources) out.push(writer.line(sourceLine(envelope.eventId, envelope.payload)));
  const disclosures = new Map<string, unknown>();
  if (!redacted) {
    for (const claim of claims) {
      if (claim.testimonyEventId === undefined) continue;
      const dataKey = dataKeys.get(claim.testimonyEventId) as Uint8Array;
      disclosures.set(claim.testimonyEventId, claim.identity);
      out.push(writer.line({ kind: 'disclosure', eventId: claim.testimonyEventId, subject: 'witness:W-17', dataKey: toBase64(dataKey), plaintext: claim.identity }));
    }
  }
  // Victims' names, redacted or not: each with the value key of that one name.
  const victimNames = new Map<string, unknown>();
  for (const claim of claims) {
    if (claim.sealedName === undefined) continue;
    const { eventId, subject, name, key } = claim.sealedName;
    victimNames.set(eventId, name);
    out.push(writer.line({ kind: 'disclosure', eventId, subject, dataKey: toBase64(key), plaintext: name }));
  }
  out.push(writer.line({ kind: 'prov', document: prov.document() }));
  for (const claim of claims) {
    const html = claimSummaryHtml({
      claimId: claim.claimId,
      envelopes: ledger.stream(claim.streamId, versions.get(claim.streamId)),
      origin: ledger.origin,
      exportId,
      createdAt,
      treeSize: size,
      verifierKey: ledger.verifierKey,
      redacted,
      disclosures,
      victimNames,
    });
    out.push(writer.line({ kind: 'summary', claimId: claim.claimId, html }));
  }
  const end = writer.end();
  return {
    ledger,
    exportId,
    redacted,
    body: out.map((line) => line.slice(0, -1)),
    text: out.join('') + end,
    claims,
    incidentStream,
    otherStream: other.streamId,
    exportStream,
    dataKeys,
    streams,
  };
}

/** The file made of these lines, with an end line that seals exactly them (a careful forger's). */
export function sealLines(body: readonly string[]): string {
  const writer = new BundleWriter();
  const text = body.map((line) => writer.line(JSON.parse(line) as Record<string, unknown>)).join('');
  return text + writer.end();
}

export function parseLine(line: string): Record<string, unknown> {
  return JSON.parse(line) as Record<string, unknown>;
}

/** Index of the event line of this stream and version. */
export function eventLineIndex(body: readonly string[], streamId: string, version: number): number {
  const index = body.findIndex((line) => {
    const value = parseLine(line);
    const envelope = value.envelope as { streamId?: string; version?: number } | undefined;
    return value.kind === 'event' && envelope?.streamId === streamId && envelope.version === version;
  });
  if (index < 0) throw new Error(`no event line for ${streamId} version ${version}`);
  return index;
}

export function envelopeAt(body: readonly string[], index: number): Envelope {
  return parseLine(body[index]).envelope as Envelope;
}

/** The bundle as a stream of chunks of the given size, as a file read would deliver it. */
export function* chunks(text: string, size: number): Generator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/**
 * Writes a bundle of `claims` claims of six events each (filed, source, testimony, review,
 * verification, verified) straight to a file, as the exporter streams one.
 */
export async function writeLargeBundle(file: string, claims: number): Promise<{ ledger: TestLedger; exportId: string; events: number; bytes: number }> {
  const ledger = new TestLedger('ledger.test/large');
  const streams: string[] = [];
  for (let i = 0; i < claims; i++) {
    const claim = fileSmallClaim(ledger, `Victim ${i}`);
    const append = (type: string, payload: object, actor: Actor) => ledger.append(claim.streamId, 'claim', type, payload, actor);
    append(
      'TestimonyRecorded',
      { testimonyId: randomUUID(), witness: { pseudonym: `W-${i}` }, relation: 'family', statement: 'A statement.', language: 'ar', consent: 'internal', recordedBy: DOCUMENTER, protected: {} },
      DOCUMENTER,
    );
    append('ReviewStarted', { by: VERIFIER_1 }, VERIFIER_1);
    append('VerificationRecorded', { verificationId: randomUUID(), verdict: 'approve', rationale: 'Matches the source.', grade: 'fair', verifier: VERIFIER_1 }, VERIFIER_1);
    append('ClaimVerified', { approvedBy: [VERIFIER_1.id], requiredApprovals: 1 }, VERIFIER_1);
    streams.push(claim.streamId);
  }
  const exportId = randomUUID();
  const exportStream = exportStreamId(exportId);
  const scope = { type: 'query', filters: {} };
  ledger.append(
    exportStream,
    'export',
    'EvidenceExported',
    { exportId, scope, redacted: true, requestedBy: LEGAL, streams: streams.map((streamId) => ({ streamId, version: ledger.head(streamId).version, headHash: ledger.head(streamId).hash })) },
    LEGAL,
  );
  const size = ledger.tree.size;
  const byStream = new Map<string, Envelope[]>();
  for (const envelope of ledger.log) byStream.set(envelope.streamId, [...(byStream.get(envelope.streamId) ?? []), envelope]);
  const out = createWriteStream(file);
  const writer = new BundleWriter();
  let bytes = 0;
  const emit = async (line: Record<string, unknown>): Promise<void> => {
    const text = writer.line(line);
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  const createdAt = '2026-11-25T08:00:00.000Z';
  await emit({ kind: 'bundle', format: BUNDLE_FORMAT, exportId, origin: ledger.origin, createdAt, scope, redacted: true, verifierKey: ledger.verifierKey });
  await emit({ kind: 'checkpoint', note: ledger.checkpoint(size) });
  const prov = new ProvBuilder();
  const sources: Record<string, unknown>[] = [];
  for (const streamId of [exportStream, ...streams]) {
    for (const envelope of byStream.get(streamId) ?? []) {
      prov.add(envelope);
      if (envelope.type === 'SourceAttached') sources.push(sourceLine(envelope.eventId, envelope.payload));
      await emit({ kind: 'event', envelope, inclusionProof: ledger.inclusionProof(envelope.seq, size) });
    }
  }
  for (const source of sources) await emit(source);
  await emit({ kind: 'prov', document: prov.document() });
  for (const streamId of streams) {
    const claimId = streamId.slice('claim-'.length);
    const html = claimSummaryHtml({ claimId, envelopes: byStream.get(streamId) ?? [], origin: ledger.origin, exportId, createdAt, treeSize: size, verifierKey: ledger.verifierKey, redacted: true });
    await emit({ kind: 'summary', claimId, html });
  }
  const end = writer.end();
  bytes += Buffer.byteLength(end);
  out.end(end);
  await once(out, 'finish');
  return { ledger, exportId, events: size, bytes };
}
