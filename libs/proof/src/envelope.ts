import { createHash } from 'node:crypto';
import { fromHex, isPlainObject, utf8 } from './encoding.js';
import { canonicalize, type JsonObject } from './jcs.js';
import { leafHash } from './merkle.js';

export interface EnvelopeActor {
  readonly id: string;
  readonly role: string;
}

/** The ledger event envelope of API.md, member for member; nothing else belongs inside it. */
export interface LedgerEnvelope<TPayload extends object = JsonObject> {
  /** Absent only for an event not yet sequenced. */
  readonly seq?: number;
  readonly streamId: string;
  readonly streamType: string;
  readonly version: number;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly actor: EnvelopeActor;
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly payload: TPayload;
  /** The previous event's hash in the same stream; null exactly for version 1. */
  readonly prevHash: string | null;
  readonly hash: string;
}

/** What the hash covers: the envelope without `seq` and `hash`. */
export type UnhashedEnvelope<TPayload extends object = JsonObject> = Omit<LedgerEnvelope<TPayload>, 'seq' | 'hash'>;

export interface SealedEnvelope<TPayload extends object = JsonObject> {
  readonly envelope: LedgerEnvelope<TPayload>;
  /** The exact RFC 8785 text that was hashed. */
  readonly canonical: string;
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const HASHED_MEMBERS = [
  'streamId',
  'streamType',
  'version',
  'eventId',
  'type',
  'schemaVersion',
  'occurredAt',
  'recordedAt',
  'actor',
  'commandId',
  'correlationId',
  'causationId',
  'payload',
  'prevHash',
] as const;
const TEXT_MEMBERS = ['streamId', 'streamType', 'eventId', 'type', 'commandId', 'correlationId', 'causationId'] as const;
const ALLOWED_MEMBERS: ReadonlySet<string> = new Set<string>([...HASHED_MEMBERS, 'seq', 'hash']);

/** UTC ISO 8601 with milliseconds, `YYYY-MM-DDTHH:mm:ss.sssZ`, the only timestamp form in envelopes. */
export function isoMillis(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('invalid Date');
  const text = date.toISOString();
  if (!ISO_MILLIS.test(text)) throw new RangeError(`${text} is outside years 0000..9999`);
  return text;
}

/** True for a real instant written exactly as {@link isoMillis} writes it (so no 2026-02-30). */
export function isIsoMillis(text: unknown): text is string {
  if (typeof text !== 'string' || !ISO_MILLIS.test(text)) return false;
  const date = new Date(text);
  return !Number.isNaN(date.getTime()) && date.toISOString() === text;
}

/** The RFC 8785 text the hash covers. Throws a RangeError when the envelope is not well formed. */
export function canonicalEnvelope(envelope: UnhashedEnvelope<object> | LedgerEnvelope<object>): string {
  const problem = shapeProblem(envelope, false);
  if (problem !== null) throw new RangeError(`invalid envelope: ${problem}`);
  return canonicalize(hashedPart(envelope as unknown as Readonly<Record<string, unknown>>));
}

/** Lowercase hex SHA-256 of the UTF-8 canonical envelope without `seq` and `hash`. */
export function hashEnvelope(envelope: UnhashedEnvelope<object> | LedgerEnvelope<object>): string {
  return sha256Hex(canonicalEnvelope(envelope));
}

/** Adds the hash, and returns the canonical text it was computed from for storage. */
export function sealEnvelope<TPayload extends object>(envelope: UnhashedEnvelope<TPayload>): SealedEnvelope<TPayload> {
  const canonical = canonicalEnvelope(envelope);
  return { canonical, envelope: { ...envelope, hash: sha256Hex(canonical) } };
}

/**
 * Why a received envelope cannot be trusted as is — a malformed member, an unexpected member, or
 * a hash that does not match its content — or null when it checks out.
 */
export function checkEnvelope(envelope: unknown): string | null {
  const problem = shapeProblem(envelope, true);
  if (problem !== null) return problem;
  const record = envelope as Readonly<Record<string, unknown>>;
  let computed: string;
  try {
    computed = sha256Hex(canonicalize(hashedPart(record)));
  } catch (error) {
    return error instanceof Error ? error.message : 'envelope has no canonical form';
  }
  return computed === record.hash ? null : `hash is ${String(record.hash)} but the content hashes to ${computed}`;
}

/** The Merkle leaf hash of a sequenced event: SHA-256(0x00 || the 32 bytes of its hash). */
export function eventLeafHash(hash: string): Uint8Array {
  const bytes = SHA256_HEX.test(hash) ? fromHex(hash) : null;
  if (bytes === null) throw new RangeError(`event hash must be 64 lowercase hex digits, got ${JSON.stringify(hash)}`);
  return leafHash(bytes);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(utf8(text)).digest('hex');
}

function hashedPart(envelope: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const part: Record<string, unknown> = {};
  for (const member of HASHED_MEMBERS) part[member] = envelope[member];
  return part;
}

function shapeProblem(value: unknown, hashRequired: boolean): string | null {
  if (!isPlainObject(value)) return 'envelope must be a JSON object';
  for (const member of Object.keys(value)) {
    if (!ALLOWED_MEMBERS.has(member)) return `unexpected member ${JSON.stringify(member)}`;
  }
  for (const member of HASHED_MEMBERS) {
    if (!Object.hasOwn(value, member)) return `missing member ${JSON.stringify(member)}`;
  }
  for (const member of TEXT_MEMBERS) {
    if (typeof value[member] !== 'string' || value[member] === '') return `${member} must be a non-empty string`;
  }
  if (!isPositiveInteger(value.version)) return 'version must be a positive integer';
  if (!isPositiveInteger(value.schemaVersion)) return 'schemaVersion must be a positive integer';
  if (value.seq !== undefined && !isPositiveInteger(value.seq)) return 'seq must be a positive integer';
  if (!isIsoMillis(value.occurredAt)) return 'occurredAt must be YYYY-MM-DDTHH:mm:ss.sssZ';
  if (!isIsoMillis(value.recordedAt)) return 'recordedAt must be YYYY-MM-DDTHH:mm:ss.sssZ';
  const actor = value.actor;
  if (!isPlainObject(actor) || Object.keys(actor).length !== 2 || !isText(actor.id) || !isText(actor.role)) {
    return 'actor must be exactly { id, role } with non-empty strings';
  }
  if (!isPlainObject(value.payload)) return 'payload must be a JSON object';
  if (value.version === 1) {
    if (value.prevHash !== null) return 'prevHash must be null for version 1';
  } else if (typeof value.prevHash !== 'string' || !SHA256_HEX.test(value.prevHash)) {
    return 'prevHash must be 64 lowercase hex digits after version 1';
  }
  if (hashRequired || value.hash !== undefined) {
    if (typeof value.hash !== 'string' || !SHA256_HEX.test(value.hash)) return 'hash must be 64 lowercase hex digits';
  }
  return null;
}


function isPositiveInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function isText(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}
