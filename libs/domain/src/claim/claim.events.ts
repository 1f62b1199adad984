import type { Actor } from '../shared/actor.js';
import type { ClaimDetails } from './claim.types.js';

/**
 * Stored event types of the claim stream. The `type` strings are part of the ledger forever:
 * never derive them from class names, never rename one without keeping an alias.
 */
export interface ClaimFiled {
  type: 'ClaimFiled';
  schemaVersion: 1;
  data: { claimId: string; filedBy: Actor } & ClaimDetails;
}

export type ClaimEvent = ClaimFiled;

export const CLAIM_EVENT_TYPES: ReadonlyArray<ClaimEvent['type']> = ['ClaimFiled'];

/** A stored claim event as the domain knows it; older schema versions are upcast here when they exist. */
export function claimEventFromStored(type: string, schemaVersion: number, payload: object): ClaimEvent {
  if (!(CLAIM_EVENT_TYPES as readonly string[]).includes(type)) {
    throw new Error(`${type} is not a claim event`);
  }
  if (schemaVersion !== 1) throw new Error(`${type} schema version ${schemaVersion} is unknown`);
  return { type, schemaVersion, data: payload } as unknown as ClaimEvent;
}
