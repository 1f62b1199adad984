import type { Actor } from '../shared/actor.js';
import type { ClaimEvent } from './claim.events.js';
import type { ClaimDetails } from './claim.types.js';
import type { ClaimStatus, Grade } from './claim.vocabulary.js';

export interface Dispute {
  disputeId: string;
  openedBy: string;
  open: boolean;
}

export interface FiledClaim {
  exists: true;
  id: string;
  status: ClaimStatus;
  details: ClaimDetails;
  filedBy: Actor;
  grade: Grade | null;
  duplicateOf: string | null;
  /** Sources and testimony: verification needs at least one. */
  evidence: number;
  /** Users who recorded testimony on this claim: never independent verifiers of it. */
  testimonyRecorders: readonly string[];
  /** Verifiers who approved since the claim last entered review. */
  approvals: readonly string[];
  disputes: readonly Dispute[];
  /** Set by VictimFoundAlive: the claim is closed and the victim's name is no longer held. */
  victimAlive?: true;
}

export type ClaimState = { exists: false } | FiledClaim;

export const initialClaimState: ClaimState = { exists: false };

/**
 * The details without what names a living person: a victim found alive keeps sex, age group and
 * the rest (what the claim said happened), never the name.
 */
export function withoutVictimName(details: ClaimDetails): ClaimDetails {
  const { name: _name, ...victim } = details.victim;
  return { ...details, victim };
}

/** Pure and total: replaying a stream gives the same state on any machine, in any year. */
export function evolveClaim(state: ClaimState, event: ClaimEvent): ClaimState {
  if (event.type === 'ClaimFiled') {
    // A sealed name stays out of the state: only a name in the clear (v1, or opened by a reader) enters it.
    const { claimId, filedBy, protected: _sealed, ...details } = event.data;
    return {
      exists: true,
      id: claimId,
      status: 'submitted',
      details,
      filedBy,
      grade: null,
      duplicateOf: null,
      evidence: 0,
      testimonyRecorders: [],
      approvals: [],
      disputes: [],
    };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'TestimonyRecorded':
      return {
        ...state,
        evidence: state.evidence + 1,
        testimonyRecorders: unique([...state.testimonyRecorders, event.data.recordedBy.id]),
      };
    case 'SourceAttached':
      return { ...state, evidence: state.evidence + 1 };
    case 'ReviewStarted':
      return { ...state, status: 'under-review' };
    case 'VerificationRecorded': {
      const approvals = event.data.verdict === 'approve' ? unique([...state.approvals, event.data.verifier.id]) : state.approvals;
      return { ...state, approvals, grade: event.data.grade ?? state.grade };
    }
    case 'ClaimDisputed':
      return {
        ...state,
        status: 'disputed',
        disputes: [...state.disputes, { disputeId: event.data.disputeId, openedBy: event.data.by.id, open: true }],
      };
    case 'DisputeResolved': {
      const disputes = state.disputes.map((d) => (d.disputeId === event.data.disputeId ? { ...d, open: false } : d));
      const stillDisputed = disputes.some((d) => d.open);
      const cleared = event.data.outcome === 'dismiss-dispute' && !stillDisputed && state.status === 'disputed';
      const status = cleared ? 'under-review' : state.status;
      return { ...state, disputes, status };
    }
    case 'ClaimVerified':
      return { ...state, status: 'verified' };
    case 'ClaimRejected':
      return { ...state, status: 'rejected' };
    case 'ClaimAmended':
      return { ...state, details: { ...state.details, ...event.data.changes } };
    case 'ReturnedToReview':
      return { ...state, status: 'under-review', approvals: [] };
    case 'ClaimRetracted':
      return { ...state, status: 'retracted' };
    case 'ClaimMarkedDuplicate':
      return { ...state, status: 'duplicate', duplicateOf: event.data.survivorId };
    case 'ClaimLinkedToIncident':
      return { ...state, details: { ...state.details, incidentId: event.data.incidentId } };
    case 'VictimDetailsRecorded':
      return state; // sealed: nothing a rule or a reader sees
    case 'VictimFoundAlive':
      return { ...state, status: 'retracted', victimAlive: true, details: withoutVictimName(state.details) };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}
