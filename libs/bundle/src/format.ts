/** The container format of docs/BUNDLE-FORMAT.md: line kinds, their order and their members. */
export const BUNDLE_FORMAT = 'evidence-ledger-bundle/1';

/** The export event that makes a bundle's completeness checkable. */
export const EXPORT_EVENT_TYPE = 'EvidenceExported';

export const LINE_KINDS = ['bundle', 'checkpoint', 'consistency', 'event', 'source', 'disclosure', 'prov', 'summary', 'end'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

interface LineRule {
  /** Position in the file: kinds come in this order. */
  readonly rank: number;
  readonly min: number;
  readonly max: number;
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

export const LINE_RULES: Readonly<Record<LineKind, LineRule>> = {
  bundle: { rank: 1, min: 1, max: 1, required: ['kind', 'format', 'exportId', 'origin', 'createdAt', 'scope', 'redacted', 'verifierKey'], optional: [] },
  checkpoint: { rank: 2, min: 1, max: 1, required: ['kind', 'note'], optional: [] },
  consistency: { rank: 3, min: 0, max: Infinity, required: ['kind', 'fromSize', 'toSize', 'proof'], optional: ['note'] },
  event: { rank: 4, min: 1, max: Infinity, required: ['kind', 'envelope', 'inclusionProof'], optional: [] },
  source: { rank: 5, min: 0, max: Infinity, required: ['kind', 'eventId', 'sourceId', 'contentSha256', 'type', 'publisher'], optional: ['url', 'archivedUrl', 'retrievedAt'] },
  disclosure: { rank: 6, min: 0, max: Infinity, required: ['kind', 'eventId', 'subject', 'dataKey', 'plaintext'], optional: [] },
  prov: { rank: 7, min: 1, max: 1, required: ['kind', 'document'], optional: [] },
  summary: { rank: 8, min: 0, max: Infinity, required: ['kind', 'claimId', 'html'], optional: [] },
  end: { rank: 9, min: 1, max: 1, required: ['kind', 'lines', 'sha256'], optional: [] },
};

export function isLineKind(value: unknown): value is LineKind {
  return typeof value === 'string' && Object.hasOwn(LINE_RULES, value);
}

/** The event types whose payload attests a source document, each answered by one `source` line. */
export const SOURCE_EVENT_TYPES: ReadonlySet<string> = new Set(['SourceAttached', 'IncidentSourceAttached']);

/** The payload members a `source` line repeats, in this order. */
export const SOURCE_MEMBERS = ['sourceId', 'contentSha256', 'type', 'publisher', 'url', 'archivedUrl', 'retrievedAt'] as const;

/** The `source` line of a source event: its payload's attested members, nothing else. */
export function sourceLine(eventId: string, payload: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const line: Record<string, unknown> = { kind: 'source', eventId };
  for (const member of SOURCE_MEMBERS) {
    if (payload[member] !== undefined) line[member] = payload[member];
  }
  return line;
}

const CLAIM_STREAM_PREFIX = 'claim-';
const INCIDENT_STREAM_PREFIX = 'incident-';
const EXPORT_STREAM_PREFIX = 'export-';

/** The claim a stream holds (`claim-<claimId>`), or null for any other stream. */
export function claimIdOfStream(streamId: string): string | null {
  return streamId.startsWith(CLAIM_STREAM_PREFIX) && streamId.length > CLAIM_STREAM_PREFIX.length ? streamId.slice(CLAIM_STREAM_PREFIX.length) : null;
}

/** The incident a stream holds (`incident-<incidentId>`), or null for any other stream. */
export function incidentIdOfStream(streamId: string): string | null {
  return streamId.startsWith(INCIDENT_STREAM_PREFIX) && streamId.length > INCIDENT_STREAM_PREFIX.length
    ? streamId.slice(INCIDENT_STREAM_PREFIX.length)
    : null;
}

export function exportStreamId(exportId: string): string {
  return `${EXPORT_STREAM_PREFIX}${exportId}`;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A copy of a string that shares no memory with the text it was cut from. Strings read by the
 * strict parser are slices of their whole line, and keeping one (an event id, a hash) would keep
 * the line: a verifier that holds compact facts per event must hold them detached.
 */
export function detached(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
