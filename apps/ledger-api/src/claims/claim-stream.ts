import { createHash } from 'node:crypto';
import { claimEventFromStored, evolveClaim, initialClaimState, type ClaimEvent, type ClaimState } from '@ledger/domain';
import type { CommandResponse, LedgerTransaction, NewEvent } from '@ledger/event-store';

export type ClaimCommandResponse = CommandResponse & { disputeId?: string };

/** A UUID (v8 layout) derived from the command id: the same command always names the same claim. */
export function claimIdFor(commandId: string): string {
  const bytes = createHash('sha256').update(`claim:${commandId}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** How a claim maps onto the ledger: its stream id, type and event encoding. */
export const ClaimStream = {
  type: 'claim',
  id: (claimId: string): string => `claim-${claimId}`,

  async load(tx: LedgerTransaction, claimId: string): Promise<{ state: ClaimState; version: number }> {
    const stream = await tx.readStream(ClaimStream.id(claimId));
    const state = stream.events.reduce(
      (current, envelope) =>
        evolveClaim(current, claimEventFromStored(envelope.type, envelope.schemaVersion, envelope.payload)),
      initialClaimState,
    );
    return { state, version: stream.version };
  },

  toNewEvent(event: ClaimEvent): NewEvent {
    return { type: event.type, schemaVersion: event.schemaVersion, data: event.data };
  },
};
