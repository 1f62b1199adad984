import type { Actor } from '../shared/actor.js';
import type { ClaimEvent } from './claim.events.js';
import type { ClaimDetails } from './claim.types.js';
import type { ClaimStatus } from './claim.vocabulary.js';

export type ClaimState =
  | { exists: false }
  | { exists: true; id: string; status: ClaimStatus; details: ClaimDetails; filedBy: Actor };

export const initialClaimState: ClaimState = { exists: false };

/** Pure and total: replaying a stream gives the same state on any machine, in any year. */
export function evolveClaim(state: ClaimState, event: ClaimEvent): ClaimState {
  switch (event.type) {
    case 'ClaimFiled': {
      const { claimId, filedBy, ...details } = event.data;
      return { exists: true, id: claimId, status: 'submitted', details, filedBy };
    }
    default: {
      const unreachable: never = event.type;
      return unreachable;
    }
  }
}
