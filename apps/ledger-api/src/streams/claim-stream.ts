import { claimEventFromStored, evolveClaim, initialClaimState, type ClaimEvent, type ClaimState } from '@ledger/domain';
import type { CommandResponse, LedgerTransaction, NewEvent } from '@ledger/event-store';
import { derivedId } from './derived-id.js';
import { foldStream, toNewEvent } from './fold-stream.js';

export type ClaimCommandResponse = CommandResponse & { disputeId?: string };

/** A new claim's id comes from the command id: a retried request lands on the same stream. */
export const claimIdFor = (commandId: string): string => derivedId('claim', commandId);

/** How a claim maps onto the ledger: its stream id, type and event encoding. */
export const ClaimStream = {
  type: 'claim',
  id: (claimId: string): string => `claim-${claimId}`,

  async load(tx: LedgerTransaction, claimId: string): Promise<{ state: ClaimState; version: number }> {
    const stream = await tx.readStream(ClaimStream.id(claimId));
    return { state: foldStream(stream, claimEventFromStored, evolveClaim, initialClaimState), version: stream.version };
  },

  toNewEvent: (event: ClaimEvent): NewEvent => toNewEvent(event),
};
