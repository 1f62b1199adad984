import type { LedgerEnvelope } from '@ledger/proof';
import { claimIdOfStream, detached, incidentIdOfStream, SOURCE_EVENT_TYPES } from './format.js';

/*
 * The PROV-JSON mapping of docs/BUNDLE-FORMAT.md ("PROV mapping"). The builder is the reference:
 * the exporter writes what it builds, and the verifier rebuilds it from the bundle's events and
 * requires the `prov` line to say exactly that.
 */

export const PROV_PREFIX = { ledger: 'urn:evidence-ledger:' } as const;

/** The document's sections besides `prefix`, in the order the verifier compares them. */
export const PROV_SECTIONS = [
  'activity',
  'agent',
  'entity',
  'wasAssociatedWith',
  'wasGeneratedBy',
  'used',
  'wasDerivedFrom',
  'wasAttributedTo',
] as const;
type ProvSection = (typeof PROV_SECTIONS)[number];

const ACTIVITY_TYPES: Readonly<Record<string, string>> = {
  ClaimFiled: 'ledger:Filing',
  VerificationRecorded: 'ledger:Verification',
  ClaimDisputed: 'ledger:Dispute',
  DisputeResolved: 'ledger:Resolution',
  SourceAttached: 'ledger:SourceAttachment',
  IncidentSourceAttached: 'ledger:SourceAttachment',
  TestimonyRecorded: 'ledger:TestimonyRecording',
};

/** Events whose activity `used` the claim they act on. */
const CLAIM_USERS: ReadonlySet<string> = new Set(['VerificationRecorded', 'ClaimDisputed', 'DisputeResolved']);

/** The event that generates the claim or incident of its stream, attributed to its actor. */
const SUBJECT_GENERATORS: Readonly<Record<SubjectKind, string>> = { claim: 'ClaimFiled', incident: 'IncidentRecorded' };

type SubjectKind = 'claim' | 'incident';

/** The claim or incident a stream is the history of. */
interface Subject {
  readonly id: string;
  readonly kind: SubjectKind;
}

export function activityType(eventType: string): string {
  return ACTIVITY_TYPES[eventType] ?? `ledger:${eventType}`;
}

export const provIds = {
  activity: (eventId: string): string => `ledger:event/${eventId}`,
  agent: (actorId: string): string => `ledger:agent/${actorId}`,
  claim: (claimId: string): string => `ledger:claim/${claimId}`,
  incident: (incidentId: string): string => `ledger:incident/${incidentId}`,
  source: (sourceId: string): string => `ledger:source/${sourceId}`,
  testimony: (testimonyId: string): string => `ledger:testimony/${testimonyId}`,
  association: (eventId: string): string => `_:assoc-${eventId}`,
  generation: (eventId: string): string => `_:gen-${eventId}`,
  usage: (eventId: string): string => `_:use-${eventId}`,
  derivation: (eventId: string): string => `_:der-${eventId}`,
  attribution: (eventId: string): string => `_:attr-${eventId}`,
};

/** Where an event sits in the ledger, for naming it in a failure. */
export interface EventLocation {
  readonly seq: number;
  readonly streamId: string;
  readonly version: number;
}

/** An entity a source or testimony event brings into the record. */
interface EvidenceFact {
  readonly id: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** What the PROV document needs of one event: no payload beyond the evidence it attests. */
interface EventFact extends EventLocation {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly hash: string;
  readonly actorId: string;
  readonly role: string;
  readonly evidence: EvidenceFact | null;
}

const QUALIFIED_NAME = 'prov:QUALIFIED_NAME';

function qualifiedName(name: string): { $: string; type: string } {
  return { $: name, type: QUALIFIED_NAME };
}

/**
 * Builds the PROV-JSON document incrementally: add every envelope of the bundle (in any order
 * across streams; within a stream in version order), then document(). Keeps only compact facts
 * per event, not whole envelopes.
 */
export class ProvBuilder {
  private readonly events = new Map<string, EventFact>();
  /** Claim and incident streams, in order of first appearance. */
  private readonly subjects = new Map<string, Subject>();
  private readonly roles = new Map<string, Set<string>>();
  /** One detached copy of each stream id. */
  private readonly streamIds = new Map<string, string>();
  /** One detached copy of each event type, actor id and role: few values, many events. */
  private readonly words = new Map<string, string>();

  add(envelope: LedgerEnvelope): void {
    const { seq, eventId, streamId, version, type, occurredAt, hash, actor, payload } = envelope;
    if (!Number.isSafeInteger(seq)) throw new RangeError(`event ${eventId} has no seq: only sequenced events belong in a bundle`);
    if (this.events.has(eventId)) throw new RangeError(`event ${eventId} was added twice`);
    if (!this.streamIds.has(streamId)) {
      const own = detached(streamId);
      this.streamIds.set(own, own);
      const subject = subjectOf(own);
      if (subject !== null) this.subjects.set(own, subject);
    }
    let roles = this.roles.get(actor.id);
    if (roles === undefined) this.roles.set(this.shared(actor.id), (roles = new Set()));
    roles.add(this.shared(actor.role));
    const id = detached(eventId);
    this.events.set(id, {
      eventId: id,
      seq: seq as number,
      streamId: this.streamIds.get(streamId) ?? streamId,
      version,
      type: this.shared(type),
      occurredAt: detached(occurredAt),
      hash: detached(hash),
      actorId: this.shared(actor.id),
      role: this.shared(actor.role),
      evidence: evidenceOf(type, payload),
    });
  }

  private shared(text: string): string {
    let own = this.words.get(text);
    if (own === undefined) this.words.set((own = detached(text)), own);
    return own;
  }

  /** Where the event behind a document id (activity, relation, source or testimony) sits. */
  locate(id: string): EventLocation | undefined {
    const eventId = /^(?:ledger:event\/|_:(?:assoc|gen|use|der|attr)-)(.+)$/.exec(id)?.[1];
    if (eventId !== undefined) return this.events.get(eventId);
    for (const fact of this.events.values()) if (fact.evidence?.id === id) return fact;
    return undefined;
  }

  document(): Record<string, unknown> {
    const sections = Object.fromEntries(PROV_SECTIONS.map((name) => [name, {} as Record<string, unknown>])) as Record<ProvSection, Record<string, unknown>>;
    this.build((section, id, record) => {
      sections[section][id] = record();
    });
    return { prefix: { ...PROV_PREFIX }, ...sections };
  }

  /** One section of {@link document}, built on its own so that a verifier never holds all of them. */
  section(name: ProvSection): Record<string, unknown> {
    const section: Record<string, unknown> = {};
    this.build((wanted, id, record) => {
      if (wanted === name) section[id] = record();
    });
    return section;
  }

  private build(put: (section: ProvSection, id: string, record: () => Record<string, unknown>) => void): void {
    for (const [actorId, roles] of this.roles) {
      put('agent', provIds.agent(actorId), () => ({ 'prov:type': qualifiedName('prov:Person'), 'ledger:role': [...roles].sort() }));
    }
    for (const subject of this.subjects.values()) {
      put('entity', subject.id, () => ({ 'prov:type': qualifiedName(subject.kind === 'claim' ? 'ledger:Claim' : 'ledger:Incident') }));
    }
    for (const event of this.events.values()) {
      const activity = provIds.activity(event.eventId);
      const agent = provIds.agent(event.actorId);
      const subject = this.subjects.get(event.streamId);
      put('activity', activity, () => ({
        'prov:type': qualifiedName(activityType(event.type)),
        'prov:startTime': event.occurredAt,
        'ledger:seq': event.seq,
        'ledger:hash': event.hash,
        'ledger:streamId': event.streamId,
        'ledger:version': event.version,
      }));
      put('wasAssociatedWith', provIds.association(event.eventId), () => ({ 'prov:activity': activity, 'prov:agent': agent, 'prov:role': event.role }));
      if (subject !== undefined && SUBJECT_GENERATORS[subject.kind] === event.type) {
        put('wasGeneratedBy', provIds.generation(event.eventId), () => ({ 'prov:entity': subject.id, 'prov:activity': activity, 'prov:time': event.occurredAt }));
        put('wasAttributedTo', provIds.attribution(event.eventId), () => ({ 'prov:entity': subject.id, 'prov:agent': agent }));
      }
      if (subject?.kind === 'claim' && CLAIM_USERS.has(event.type)) {
        put('used', provIds.usage(event.eventId), () => ({ 'prov:activity': activity, 'prov:entity': subject.id, 'prov:time': event.occurredAt }));
      }
      const evidence = event.evidence;
      if (evidence !== null) {
        put('entity', evidence.id, () => ({ ...evidence.attributes }));
        put('wasGeneratedBy', provIds.generation(event.eventId), () => ({ 'prov:entity': evidence.id, 'prov:activity': activity, 'prov:time': event.occurredAt }));
        if (subject !== undefined) {
          put('wasDerivedFrom', provIds.derivation(event.eventId), () => ({ 'prov:generatedEntity': subject.id, 'prov:usedEntity': evidence.id, 'prov:activity': activity }));
        }
      }
    }
  }
}

function subjectOf(streamId: string): Subject | null {
  const claimId = claimIdOfStream(streamId);
  if (claimId !== null) return { id: provIds.claim(claimId), kind: 'claim' };
  const incidentId = incidentIdOfStream(streamId);
  return incidentId === null ? null : { id: provIds.incident(incidentId), kind: 'incident' };
}

/** The source or testimony entity an event attests; never a witness identity. */
function evidenceOf(type: string, payload: Readonly<Record<string, unknown>>): EvidenceFact | null {
  if (SOURCE_EVENT_TYPES.has(type) && isText(payload.sourceId)) {
    const attributes: Record<string, unknown> = { 'prov:type': qualifiedName('ledger:Source') };
    if (isText(payload.contentSha256)) attributes['ledger:contentSha256'] = detached(payload.contentSha256);
    return { id: detached(provIds.source(payload.sourceId)), attributes };
  }
  if (type === 'TestimonyRecorded' && isText(payload.testimonyId)) {
    const attributes: Record<string, unknown> = { 'prov:type': qualifiedName('ledger:Testimony') };
    const witness = payload.witness as { pseudonym?: unknown } | null | undefined;
    if (typeof witness === 'object' && witness !== null && isText(witness.pseudonym)) attributes['ledger:witnessPseudonym'] = detached(witness.pseudonym);
    if (isText(payload.consent)) attributes['ledger:consent'] = detached(payload.consent);
    return { id: detached(provIds.testimony(payload.testimonyId)), attributes };
  }
  return null;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** The first way a received PROV document differs from the one the events imply. */
export interface ProvDifference {
  readonly detail: string;
  /** The document id the difference is about, when there is one. */
  readonly id?: string;
}

/** A received PROV document, read one member at a time (a 10,000-claim document is ~50 MB of JSON). */
export interface ProvDocumentReader {
  readonly members: readonly string[];
  /** The member's value; may throw when it is not valid JSON. */
  member(name: string): unknown;
}

/**
 * Compares a received document with the expected one (a builder's, section by section, or a whole
 * document): the same members and sections, the same ids in each section, and each record equal
 * as JSON. Reports the first difference in section order (activities, agents, entities, then
 * relations), expected ids before extra ones.
 */
export function provDifference(actual: unknown, expected: ProvBuilder | Readonly<Record<string, unknown>>): ProvDifference | null {
  if (!isRecord(actual)) return { detail: 'the PROV document must be a JSON object' };
  return provReaderDifference({ members: Object.keys(actual), member: (name) => actual[name] }, expected);
}

/** {@link provDifference} over a document read member by member: one section in memory at a time. */
export function provReaderDifference(actual: ProvDocumentReader, expected: ProvBuilder | Readonly<Record<string, unknown>>): ProvDifference | null {
  const sectionOf = (name: ProvSection): Readonly<Record<string, unknown>> =>
    expected instanceof ProvBuilder ? expected.section(name) : (expected[name] as Readonly<Record<string, unknown>>);
  const members = new Set<string>(['prefix', ...PROV_SECTIONS]);
  for (const member of actual.members) {
    if (!members.has(member)) return { detail: `the PROV document has member ${JSON.stringify(member)}, which no event supports` };
  }
  const prefix = actual.members.includes('prefix') ? actual.member('prefix') : undefined;
  if (!sameJson(prefix, PROV_PREFIX)) return { detail: `prefix is ${json(prefix)}, expected ${json(PROV_PREFIX)}` };
  for (const section of PROV_SECTIONS) {
    const got = actual.members.includes(section) ? actual.member(section) : undefined;
    if (!isRecord(got)) return { detail: `section ${section} is missing or not an object` };
    const want = sectionOf(section);
    for (const [id, record] of Object.entries(want)) {
      if (!Object.hasOwn(got, id)) return { id, detail: `${section} ${id} is missing` };
      const difference = recordDifference(got[id], record as Record<string, unknown>);
      if (difference !== null) return { id, detail: `${section} ${id}: ${difference}` };
    }
    for (const id of Object.keys(got)) {
      if (!Object.hasOwn(want, id)) return { id, detail: `${section} ${id} is not supported by any event of the bundle` };
    }
  }
  return null;
}

function recordDifference(actual: unknown, expected: Readonly<Record<string, unknown>>): string | null {
  if (!isRecord(actual)) return `is ${json(actual)}, expected ${json(expected)}`;
  for (const [attribute, value] of Object.entries(expected)) {
    if (!Object.hasOwn(actual, attribute)) return `${attribute} is missing, expected ${json(value)}`;
    if (!sameJson(actual[attribute], value)) return `${attribute} is ${json(actual[attribute])}, expected ${json(value)}`;
  }
  for (const attribute of Object.keys(actual)) {
    if (!Object.hasOwn(expected, attribute)) return `${attribute} (${json(actual[attribute])}) is not supported by the events`;
  }
  return null;
}

/** Equality of two JSON values, as their RFC 8785 forms would compare. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && sameJson(left[key], right[key]));
}

function json(value: unknown): string {
  const text = value === undefined ? 'absent' : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
