import { decideClaim, type ClaimCommand } from '../src/claim/claim.decide.js';
import type { ClaimEvent } from '../src/claim/claim.events.js';
import type { VerificationPolicy } from '../src/claim/claim.policy.js';
import { evolveClaim, initialClaimState, type ClaimState } from '../src/claim/claim.state.js';
import type { ClaimDetails, ProtectedWitnessIdentity, SealedData, SourceDetails, TestimonyDetails, WitnessIdentity } from '../src/claim/claim.types.js';
import { INITIAL_PERPETRATORS, type DisputeOutcome, type Grade } from '../src/claim/claim.vocabulary.js';
import type { Actor } from '../src/shared/actor.js';
import type { CommandContext } from '../src/shared/command-context.js';
import { DomainError, type DomainErrorKind } from '../src/shared/domain-error.js';

/** given(events).when(command).then(events | error): aggregate specs that read like the policy. */
export function decider<State, Event, Command>(spec: {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initial: State;
}) {
  return (given: Event[]) => ({
    /** The state the given events leave behind (for rules that only show in evolve). */
    get state(): State {
      return given.reduce(spec.evolve, spec.initial);
    },
    when: (command: Command) => {
      const state = given.reduce(spec.evolve, spec.initial);
      const run = (): Event[] => spec.decide(command, state);
      return {
        then: (expected: Event[]): void => {
          expect(run()).toEqual(expected);
        },
        /** The refusal's code, the JSON pointers of its field problems and, when given, its kind. */
        thenRefuses: (code: string, paths: string[] = [], kind?: DomainErrorKind): void => {
          let caught: unknown;
          try {
            run();
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(DomainError);
          expect((caught as DomainError).code).toBe(code);
          expect((caught as DomainError).fields.map((f) => f.path).sort()).toEqual([...paths].sort());
          if (kind !== undefined) expect((caught as DomainError).kind).toBe(kind);
        },
      };
    },
  });
}

/** The injected clock of every spec: decisions never read the machine's time. */
export const FIXED_TIME = new Date('2018-07-20T10:00:00.000Z');

/** A command context for one actor at the fixed time. */
export function contextFor(actor: Actor, issuedAt: Date = FIXED_TIME): CommandContext {
  return {
    commandId: '00000000-0000-4000-8000-000000000001',
    correlationId: '00000000-0000-4000-8000-000000000001',
    causationId: '00000000-0000-4000-8000-000000000001',
    actor,
    issuedAt,
  };
}

/** The people of the specs: ids are opaque, roles are what the token carried. */
export const actors = {
  filer: { id: 'u-doc-1', role: 'documenter' },
  otherDocumenter: { id: 'u-doc-2', role: 'documenter' },
  verifier1: { id: 'u-ver-1', role: 'verifier' },
  verifier2: { id: 'u-ver-2', role: 'verifier' },
  verifier3: { id: 'u-ver-3', role: 'verifier' },
  lead1: { id: 'u-lead-1', role: 'lead-verifier' },
  lead2: { id: 'u-lead-2', role: 'lead-verifier' },
  admin: { id: 'u-admin-1', role: 'admin' },
} as const satisfies Record<string, Actor>;

/** A command and who issues it: `when(by(actors.verifier1, approve()))`. */
export interface Acting<Command> {
  actor: Actor;
  command: Command;
}

export function by<Command>(actor: Actor, command: Command): Acting<Command> {
  return { actor, command };
}

/* ---------------------------------------------------------------------------------------------
 * Claim fixtures: one victim, the commands people issue on the claim and the events they cause,
 * written out literally so that a spec's expected events do not come from the code under test.
 * ------------------------------------------------------------------------------------------- */

export const CLAIM_ID = '9a34f235-dba1-810b-92a2-690a2efa0e35';
export const SURVIVOR_ID = '3f0c1c2e-5b7a-4e8e-9d0a-1b2c3d4e5f60';

export const knownPerpetrators: ReadonlySet<string> = new Set(INITIAL_PERPETRATORS.map((p) => p.code));

export const claimDetails: ClaimDetails = {
  victim: { name: { arabic: 'أحمد', latin: 'Ahmad' }, sex: 'male', age: 34, ageGroup: 'adult', civilianStatus: 'civilian', protectedRole: 'civil-defence' },
  death: { date: '2018-07-16', precision: 'day' },
  place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
  cause: 'double-tap-airstrike',
  perpetrator: 'russian-forces',
};

export const testimony: TestimonyDetails = {
  witness: { pseudonym: 'W-17' },
  relation: 'eyewitness',
  statement: 'The second strike hit the rescuers ten minutes after the first.',
  language: 'ar',
  consent: 'legal-proceedings',
};

export const witnessIdentity: WitnessIdentity = { name: 'Fatima Al-Hassan', contact: '+963 900 000 000' };
/** The victim's name as the edge hands it to the domain: sealed under `victim:<claimId>`. */
export const sealedVictimName = (claimId: string = CLAIM_ID): SealedData => ({
  alg: 'A256GCM',
  subject: `victim:${claimId}`,
  iv: 'bmFtZWl2MTIzNDU2',
  ciphertext: 'bmFtZWNpcGhlcg==',
  tag: 'bmFtZXRhZzAxMjM0NTY3OA==',
});

/** The details without the name, as the domain receives and records them (the name goes sealed). */
export function unnamed(details: ClaimDetails): ClaimDetails {
  const { name: _name, ...victim } = details.victim;
  return { ...details, victim };
}

/** What the edge hands the domain instead: the identity sealed under the witness's key. */
export const sealedIdentity: SealedData = { alg: 'A256GCM', subject: 'witness:W-17', iv: 'aXYxMjM0NTY3ODkw', ciphertext: 'Y2lwaGVydGV4dA==', tag: 'dGFnMDEyMzQ1Njc4OWFiY2Q=' };

export const source: SourceDetails = {
  type: 'video',
  publisher: 'Syrian Civil Defence',
  url: 'https://example.org/videos/zardana',
  contentSha256: 'a'.repeat(64),
  connection: 'third-party',
  reliability: 'high',
};

/** given(claim events).when(by(actor, command)).then(…) with the verification policy of the ledger. */
export function claimDecider(policy?: VerificationPolicy) {
  return decider<ClaimState, ClaimEvent, Acting<ClaimCommand>>({
    decide: ({ actor, command }, state) => decideClaim(command, state, contextFor(actor), policy),
    evolve: evolveClaim,
    initial: initialClaimState,
  });
}

export const claimCommand = {
  file: (details: ClaimDetails = claimDetails): ClaimCommand => ({
    type: 'FileClaim',
    claimId: CLAIM_ID,
    details: unnamed(details),
    ...(details.victim.name ? { sealedVictimName: sealedVictimName() } : {}),
    knownPerpetrators,
  }),
  recordTestimony: (testimonyId = 't-1', sealed?: SealedData): ClaimCommand => ({
    type: 'RecordTestimony',
    testimonyId,
    testimony,
    ...(sealed ? { sealedWitnessIdentity: sealed } : {}),
  }),
  attachSource: (sourceId = 's-1'): ClaimCommand => ({ type: 'AttachSource', sourceId, source }),
  approve: (verificationId: string, grade?: Grade): ClaimCommand => ({
    type: 'RecordVerification',
    verificationId,
    verdict: 'approve',
    rationale: 'Consistent with the video and the testimony',
    ...(grade ? { grade } : {}),
    disputeId: `unused-${verificationId}`,
  }),
  dispute: (verificationId: string, disputeId: string, grade?: Grade): ClaimCommand => ({
    type: 'RecordVerification',
    verificationId,
    verdict: 'dispute',
    rationale: 'The hospital record gives another date of death',
    ...(grade ? { grade } : {}),
    disputeId,
  }),
  resolve: (disputeId: string, outcome: DisputeOutcome): ClaimCommand => ({
    type: 'ResolveDispute',
    disputeId,
    outcome,
    rationale: outcome === 'dismiss-dispute' ? 'The hospital record was misdated' : 'The victim was found alive',
  }),
  amend: (changes: Partial<ClaimDetails>, reason = 'Family corrected the details'): ClaimCommand => ({
    type: 'AmendClaim',
    amendmentId: 'a-1',
    changes: changes.victim ? { ...changes, victim: unnamed({ ...claimDetails, victim: changes.victim }).victim } : changes,
    ...(changes.victim?.name ? { sealedVictimName: sealedVictimName() } : {}),
    reason,
    knownPerpetrators,
  }),
  retract: (reason = 'Filed in error'): ClaimCommand => ({ type: 'RetractClaim', reason }),
  markDuplicate: (survivorId: string, survivor: ClaimState): ClaimCommand => ({
    type: 'MarkDuplicate',
    survivorId,
    survivor,
    rationale: 'Same victim reported by two sources',
  }),
  linkToIncident: (incidentId: string): ClaimCommand => ({ type: 'LinkToIncident', incidentId }),
};

export const claimEvent = {
  filed: (filedBy: Actor = actors.filer, details: ClaimDetails = claimDetails, claimId = CLAIM_ID): ClaimEvent => ({
    type: 'ClaimFiled',
    schemaVersion: 2,
    data: { claimId, filedBy, ...unnamed(details), ...(details.victim.name ? { protected: { victimName: sealedVictimName(claimId) } } : {}) },
  }),
  testimonyRecorded: (recordedBy: Actor = actors.filer, testimonyId = 't-1', identity?: ProtectedWitnessIdentity): ClaimEvent => ({
    type: 'TestimonyRecorded',
    schemaVersion: 4,
    data: { testimonyId, ...testimony, recordedBy, protected: identity ? { witnessIdentity: identity } : {} },
  }),
  sourceAttached: (attachedBy: Actor = actors.filer, sourceId = 's-1'): ClaimEvent => ({
    type: 'SourceAttached',
    schemaVersion: 1,
    data: { sourceId, ...source, attachedBy },
  }),
  reviewStarted: (by: Actor): ClaimEvent => ({ type: 'ReviewStarted', schemaVersion: 1, data: { by } }),
  approved: (verifier: Actor, verificationId: string, grade?: Grade): ClaimEvent => ({
    type: 'VerificationRecorded',
    schemaVersion: 1,
    data: { verificationId, verdict: 'approve', rationale: 'Consistent with the video and the testimony', ...(grade ? { grade } : {}), verifier },
  }),
  disputeRecorded: (verifier: Actor, verificationId: string, disputeId: string, grade?: Grade): ClaimEvent => ({
    type: 'VerificationRecorded',
    schemaVersion: 1,
    data: {
      verificationId,
      verdict: 'dispute',
      rationale: 'The hospital record gives another date of death',
      ...(grade ? { grade } : {}),
      verifier,
      disputeId,
    },
  }),
  disputed: (by: Actor, disputeId: string): ClaimEvent => ({
    type: 'ClaimDisputed',
    schemaVersion: 1,
    data: { disputeId, rationale: 'The hospital record gives another date of death', by },
  }),
  disputeResolved: (by: Actor, disputeId: string, outcome: DisputeOutcome): ClaimEvent => ({
    type: 'DisputeResolved',
    schemaVersion: 1,
    data: {
      disputeId,
      outcome,
      rationale: outcome === 'dismiss-dispute' ? 'The hospital record was misdated' : 'The victim was found alive',
      by,
    },
  }),
  verified: (approvedBy: string[], requiredApprovals = 2): ClaimEvent => ({
    type: 'ClaimVerified',
    schemaVersion: 1,
    data: { approvedBy, requiredApprovals },
  }),
  rejected: (by: Actor, disputeId: string): ClaimEvent => ({ type: 'ClaimRejected', schemaVersion: 1, data: { disputeId, by } }),
  amended: (by: Actor, changes: Partial<ClaimDetails>, previous: Partial<ClaimDetails>, reason = 'Family corrected the details'): ClaimEvent => ({
    type: 'ClaimAmended',
    schemaVersion: 2,
    data: {
      amendmentId: 'a-1',
      changes: changes.victim ? { ...changes, victim: unnamed({ ...claimDetails, victim: changes.victim }).victim } : changes,
      previous: previous.victim ? { ...previous, victim: unnamed({ ...claimDetails, victim: previous.victim }).victim } : previous,
      reason,
      by,
      ...(changes.victim?.name ? { protected: { victimName: sealedVictimName() } } : {}),
    },
  }),
  returnedToReview: (by: Actor): ClaimEvent => ({ type: 'ReturnedToReview', schemaVersion: 1, data: { reason: 'amended', by } }),
  retracted: (by: Actor, reason = 'Filed in error'): ClaimEvent => ({ type: 'ClaimRetracted', schemaVersion: 1, data: { reason, by } }),
  markedDuplicate: (by: Actor, survivorId: string): ClaimEvent => ({
    type: 'ClaimMarkedDuplicate',
    schemaVersion: 1,
    data: { survivorId, rationale: 'Same victim reported by two sources', by },
  }),
  linkedToIncident: (by: Actor, incidentId: string): ClaimEvent => ({ type: 'ClaimLinkedToIncident', schemaVersion: 1, data: { incidentId, by } }),
};
