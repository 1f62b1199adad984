import { claimEventFromStored, evolveClaim, initialClaimState, type ClaimEvent, type ClaimState } from '@ledger/domain';
import type { CommandResponse, LedgerTransaction, NewEvent } from '@ledger/event-store';
import { derivedId } from './derived-id.js';

export type ClaimCommandResponse = CommandResponse & { disputeId?: string };

/** A new claim's id comes from the command id: a retried request lands on the same stream. */
export const claimIdFor = (commandId: string): string => derivedId('claim', commandId);

/** How a claim maps onto the ledger: its stream id, type and event encoding. */
export const ClaimStream = {
  type: 'claim',
  id: (claimId: string): string => `claim-${claimId}`,

  async load(tx: LedgerTransaction, claimId: string, { lock = true } = {}): Promise<{ state: ClaimState; version: number }> {
    const streamId = ClaimStream.id(claimId);
    const stream = lock ? await tx.readStream(streamId) : await tx.peekStream(streamId);
    const state = stream.events.reduce(
      (current, envelope) => evolveClaim(current, claimEventFromStored(envelope.type, envelope.schemaVersion, envelope.payload)),
      initialClaimState,
    );
    return { state, version: stream.version };
  },

  toNewEvent(event: ClaimEvent): NewEvent {
    return { type: event.type, schemaVersion: event.schemaVersion, data: event.data };
  },
};
