import { parseDataSubject, victimSubject, witnessSubject } from '../protection/data-subject.js';
import type { CommandContext } from '../shared/command-context.js';
import { DomainError } from '../shared/domain-error.js';
import { ClaimErrors } from './claim.errors.js';
import { CLAIM_EVENT_VERSIONS, type ClaimEvent } from './claim.events.js';
import { DEFAULT_VERIFICATION_POLICY, independentApprovals, meetsVerificationPolicy, type VerificationPolicy } from './claim.policy.js';
import { checkClaimDetails } from './claim.rules.js';
import { evolveClaim, withoutVictimName, type ClaimState, type FiledClaim } from './claim.state.js';
import type { ClaimDetails, SealedData, SourceDetails, TestimonyDetails } from './claim.types.js';
import type { DisputeOutcome, Grade, Verdict } from './claim.vocabulary.js';

export type ClaimCommand =
  | {
      type: 'FileClaim';
      claimId: string;
      /** Without `victim.name`: the edge seals it under `victim:<claimId>` into `sealedVictimName`. */
      details: ClaimDetails;
      sealedVictimName?: SealedData;
      knownPerpetrators: ReadonlySet<string>;
    }
  | {
      type: 'RecordTestimony';
      testimonyId: string;
      testimony: TestimonyDetails;
      sealedWitnessIdentity?: SealedData;
      /** A statement marked sensitive, sealed under the witness's key (then `testimony.statement` is absent). */
      sealedStatement?: SealedData;
      /** The relatives named, each sealed under their own `relative:<uuid>` key. */
      sealedRelatives?: SealedData[];
    }
  | { type: 'AttachSource'; sourceId: string; source: SourceDetails }
  | { type: 'RecordVerification'; verificationId: string; verdict: Verdict; rationale: string; grade?: Grade; disputeId: string }
  | { type: 'ResolveDispute'; disputeId: string; outcome: DisputeOutcome; rationale: string }
  | {
      type: 'AmendClaim';
      /** Names the amendment (the AAD holder of a sealed name); absent only where no name is sealed. */
      amendmentId?: string;
      /** `changes.victim` without `name`: a new name comes sealed in `sealedVictimName`. */
      changes: Partial<ClaimDetails>;
      sealedVictimName?: SealedData;
      reason: string;
      knownPerpetrators: ReadonlySet<string>;
    }
  | { type: 'RetractClaim'; reason: string }
  | { type: 'MarkDuplicate'; survivorId: string; survivor: ClaimState; rationale: string }
  | { type: 'LinkToIncident'; incidentId: string }
  | { type: 'RecordVictimDetails'; detailsId: string; sealedDetails: SealedData }
  | { type: 'RecordVictimFoundAlive'; justification: string };

type EventOf<T extends ClaimEvent['type']> = Extract<ClaimEvent, { type: T }>;

function event<T extends ClaimEvent['type']>(type: T, data: EventOf<T>['data']): ClaimEvent {
  return { type, schemaVersion: CLAIM_EVENT_VERSIONS[type], data } as ClaimEvent;
}

/** Every rule of the claim lives here: the command and the current state decide the events. */
export function decideClaim(
  command: ClaimCommand,
  state: ClaimState,
  context: CommandContext,
  policy: VerificationPolicy = DEFAULT_VERIFICATION_POLICY,
): ClaimEvent[] {
  const today = context.issuedAt.toISOString().slice(0, 10);
  if (command.type === 'FileClaim') {
    if (state.exists) throw ClaimErrors.alreadyExists(command.claimId);
    const problems = checkClaimDetails(command.details, command.knownPerpetrators, today);
    if (problems.length > 0) throw DomainError.invalid('CLAIM.INVALID', problems);
    if (command.details.victim.name !== undefined) throw ClaimErrors.nameNotSealed();
    const sealed = command.sealedVictimName;
    if (sealed !== undefined && sealed.subject !== victimSubject(command.claimId)) throw ClaimErrors.wrongSubject('victim name', victimSubject(command.claimId));
    return [event('ClaimFiled', { claimId: command.claimId, filedBy: context.actor, ...command.details, ...(sealed ? { protected: { victimName: sealed } } : {}) })];
  }
  if (!state.exists) throw new DomainError('CLAIM.NOT_FOUND', 'not-found', 'the claim does not exist');
  refuseIfClosed(state);
  const by = context.actor;
  switch (command.type) {
    case 'RecordTestimony': {
      checkProtectedTestimony(command);
      const { sealedWitnessIdentity, sealedStatement, sealedRelatives = [] } = command;
      return withVerification(state, policy, [
        event('TestimonyRecorded', {
          testimonyId: command.testimonyId,
          ...command.testimony,
          // Only the pseudonym is public, whatever the caller put beside it.
          witness: { pseudonym: command.testimony.witness.pseudonym },
          recordedBy: by,
          protected: {
            ...(sealedWitnessIdentity ? { witnessIdentity: sealedWitnessIdentity } : {}),
            ...(sealedStatement ? { statement: sealedStatement } : {}),
            ...(sealedRelatives.length > 0 ? { relatives: sealedRelatives } : {}),
          },
        }),
      ]);
    }
    case 'AttachSource':
      return withVerification(state, policy, [event('SourceAttached', { sourceId: command.sourceId, ...command.source, attachedBy: by })]);
    case 'RecordVerification': {
      if (state.status === 'rejected') throw ClaimErrors.rejected(state.id);
      if (state.filedBy.id === by.id || state.testimonyRecorders.includes(by.id)) throw ClaimErrors.ownWork();
      if (command.verdict === 'approve' && state.approvals.includes(by.id)) throw ClaimErrors.alreadyApproved();
      const events: ClaimEvent[] = state.status === 'submitted' ? [event('ReviewStarted', { by })] : [];
      const disputeId = command.verdict === 'dispute' ? command.disputeId : undefined;
      events.push(
        event('VerificationRecorded', {
          verificationId: command.verificationId,
          verdict: command.verdict,
          rationale: command.rationale,
          ...(command.grade ? { grade: command.grade } : {}),
          verifier: by,
          ...(disputeId ? { disputeId } : {}),
        }),
      );
      if (disputeId) {
        events.push(event('ClaimDisputed', { disputeId, rationale: command.rationale, by }));
        return events;
      }
      return withVerification(state, policy, events);
    }
    case 'ResolveDispute': {
      const dispute = state.disputes.find((d) => d.disputeId === command.disputeId);
      if (!dispute) throw ClaimErrors.disputeNotFound(command.disputeId);
      if (!dispute.open) throw ClaimErrors.disputeResolved(command.disputeId);
      if (dispute.openedBy === by.id) throw ClaimErrors.ownDispute();
      const resolved = event('DisputeResolved', { disputeId: command.disputeId, outcome: command.outcome, rationale: command.rationale, by });
      if (command.outcome === 'reject-claim') return [resolved, event('ClaimRejected', { disputeId: command.disputeId, by })];
      return withVerification(state, policy, [resolved]);
    }
    case 'AmendClaim': {
      const members = Object.keys(command.changes) as Array<keyof ClaimDetails>;
      if (members.length === 0) throw ClaimErrors.nothingToAmend();
      const sealed = command.sealedVictimName;
      if (command.changes.victim?.name !== undefined) throw ClaimErrors.nameNotSealed();
      if (sealed !== undefined) {
        if (sealed.subject !== victimSubject(state.id)) throw ClaimErrors.wrongSubject('victim name', victimSubject(state.id));
        if (command.changes.victim === undefined || command.amendmentId === undefined) throw new Error('a sealed victim name is recorded only with changes.victim and an amendmentId');
      }
      const amended = { ...state.details, ...command.changes };
      const problems = checkClaimDetails(amended, command.knownPerpetrators, today).map((p) => ({ ...p, path: `/changes${p.path}` }));
      if (problems.length > 0) throw DomainError.invalid('CLAIM.INVALID', problems);
      const previous: Partial<ClaimDetails> = {};
      for (const member of members) {
        if (state.details[member] !== undefined) Object.assign(previous, { [member]: state.details[member] });
      }
      // The name replaced stays where it was recorded (sealed since ClaimFiled v2): never copied here in the clear.
      if (previous.victim) previous.victim = withoutVictimName({ ...state.details, victim: previous.victim }).victim;
      const events = [
        event('ClaimAmended', {
          ...(command.amendmentId !== undefined ? { amendmentId: command.amendmentId } : {}),
          changes: command.changes,
          previous,
          reason: command.reason,
          by,
          ...(sealed ? { protected: { victimName: sealed } } : {}),
        }),
      ];
      if (state.status === 'verified') events.push(event('ReturnedToReview', { reason: 'amended', by }));
      return events;
    }
    case 'RetractClaim': {
      const mayRetract = by.role === 'lead-verifier' || by.role === 'admin' || (by.role === 'documenter' && by.id === state.filedBy.id);
      if (!mayRetract) throw ClaimErrors.notFiler();
      return [event('ClaimRetracted', { reason: command.reason, by })];
    }
    case 'MarkDuplicate': {
      if (command.survivorId === state.id) throw ClaimErrors.duplicateOfItself();
      if (!command.survivor.exists) throw ClaimErrors.notFound(command.survivorId);
      if (command.survivor.status === 'retracted' || command.survivor.status === 'duplicate') {
        throw ClaimErrors.survivorClosed(command.survivorId);
      }
      return [event('ClaimMarkedDuplicate', { survivorId: command.survivorId, rationale: command.rationale, by })];
    }
    case 'LinkToIncident':
      if (state.details.incidentId === command.incidentId) return [];
      return [event('ClaimLinkedToIncident', { incidentId: command.incidentId, by })];
    case 'RecordVictimDetails':
      if (command.sealedDetails.subject !== victimSubject(state.id)) throw ClaimErrors.wrongSubject('victim details', victimSubject(state.id));
      return [event('VictimDetailsRecorded', { detailsId: command.detailsId, recordedBy: by, protected: { victimDetails: command.sealedDetails } })];
    case 'RecordVictimFoundAlive':
      return [event('VictimFoundAlive', { justification: command.justification, by })];
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled claim command ${JSON.stringify(unreachable)}`);
    }
  }
}

/** A statement is given once, in the clear or sealed; sealed values are under the right subjects. */
function checkProtectedTestimony(command: Extract<ClaimCommand, { type: 'RecordTestimony' }>): void {
  const { statement } = command.testimony;
  if (command.sealedStatement === undefined && !statement?.trim()) throw DomainError.invalid('CLAIM.INVALID', [{ path: '/statement', message: 'is required' }]);
  if (command.sealedStatement !== undefined && statement !== undefined) {
    throw DomainError.invalid('CLAIM.INVALID', [{ path: '/statement', message: 'is sealed: it cannot also be recorded in the clear' }]);
  }
  const witness = witnessSubject(command.testimony.witness.pseudonym);
  for (const [what, sealed] of [['witness identity', command.sealedWitnessIdentity], ['statement', command.sealedStatement]] as const) {
    if (sealed !== undefined && sealed.subject !== witness) throw ClaimErrors.wrongSubject(what, witness);
  }
  const relatives = (command.sealedRelatives ?? []).map((sealed) => sealed.subject);
  if (relatives.some((subject) => parseDataSubject(subject)?.kind !== 'relative') || new Set(relatives).size !== relatives.length) {
    throw ClaimErrors.wrongSubject('relative', 'relative:<a new uuid each>');
  }
}

/** A retracted claim, or a duplicate, accepts nothing more (also checked by the edge before it seals). */
export function refuseIfClosed(state: FiledClaim): void {
  if (state.status === 'retracted') throw ClaimErrors.retracted(state.id);
  if (state.status === 'duplicate') throw ClaimErrors.duplicate(state.id, state.duplicateOf);
}

/** Appends ClaimVerified when the events leave the claim meeting the verification policy. */
function withVerification(state: FiledClaim, policy: VerificationPolicy, events: ClaimEvent[]): ClaimEvent[] {
  const after = events.reduce(evolveClaim, state as ClaimState);
  if (after.exists && meetsVerificationPolicy(after, policy)) {
    return [...events, event('ClaimVerified', { approvedBy: independentApprovals(after), requiredApprovals: policy.requiredApprovals })];
  }
  return events;
}
