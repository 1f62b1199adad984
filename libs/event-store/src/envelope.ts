import type { Actor } from '@ledger/domain';

/** The event envelope of API.md, without `seq` and `hash`: exactly what is hashed. */
export interface HashedEnvelope {
  streamId: string;
  streamType: string;
  version: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  actor: Actor;
  commandId: string;
  correlationId: string;
  causationId: string;
  payload: Record<string, unknown>;
  prevHash: string | null;
}

/** An event as stored: its canonical bytes plus the columns used to find it. */
export interface StoredEvent {
  streamId: string;
  version: number;
  eventId: string;
  type: string;
  hash: string;
  /** The RFC 8785 JSON that was hashed. */
  canonical: string;
  /** Global position, once the sequencer has given it one. */
  seq?: number;
}

/**
 * The served form: `seq` first, the hashed members as hashed, `hash` last. Built by splicing the
 * stored canonical text, never by re-serialising columns, so the bytes a verifier hashes are ours.
 */
export function servedEnvelope(event: Pick<StoredEvent, 'canonical' | 'hash' | 'seq'>): string {
  const body = event.canonical.slice(1, -1);
  const seq = event.seq === undefined ? '' : `"seq":${event.seq},`;
  return `{${seq}${body},"hash":"${event.hash}"}`;
}

export function parseEnvelope(canonical: string): HashedEnvelope {
  return JSON.parse(canonical) as HashedEnvelope;
}
