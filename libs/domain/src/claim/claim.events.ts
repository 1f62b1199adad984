import type { Actor } from '../shared/actor.js';
import type { ClaimDetails, ProtectedWitnessIdentity, SealedData, SourceDetails, TestimonyDetails, WitnessIdentity } from './claim.types.js';
import type { DisputeOutcome, Grade, Verdict } from './claim.vocabulary.js';

/*
 * Stored event types of the claim stream. The `type` strings are part of the ledger forever:
 * never derive them from class names, never rename one without keeping an alias.
 */

/** Schema 1 held the victim's name in plaintext in `victim.name`; read as schema 2 with the name still in the clear. */
export interface ClaimFiledV1 {
  type: 'ClaimFiled';
  schemaVersion: 1;
  data: { claimId: string; filedBy: Actor } & ClaimDetails;
}

/**
 * Since schema 2 the victim's name is protected personal data: `victim` carries no `name`, and
 * `protected.victimName` holds it sealed under `victim:<claimId>` (AAD victim-name, holder the
 * claim id), so that erasing that key erases the name. `victim.name` is present only in a v1 event
 * read as v2, or once a reader holding the key opened the sealed name (libs/protection).
 */
export interface ClaimFiled {
  type: 'ClaimFiled';
  schemaVersion: 2;
  data: { claimId: string; filedBy: Actor } & ClaimDetails & { protected?: VictimNameProtection };
}

/** Where a sealed victim name sits in ClaimFiled and ClaimAmended (schema 2). */
export interface VictimNameProtection {
  victimName: SealedData;
}

export interface TestimonyRecorded {
  type: 'TestimonyRecorded';
  schemaVersion: 4;
  data: TestimonyDetails & {
    testimonyId: string;
    recordedBy: Actor;
    /**
     * Protected personal data, apart from everything else: the witness identity (sealed per
     * witness since v3); since v4 also a statement marked sensitive (under the witness's key, and
     * then absent from `statement`) and the relatives named, each under their own key.
     */
    protected: { witnessIdentity?: ProtectedWitnessIdentity; statement?: SealedData; relatives?: SealedData[] };
  };
}

/** Protected details about the victim (contacts, medical), sealed under `victim:<claimId>`. */
export interface VictimDetailsRecorded {
  type: 'VictimDetailsRecorded';
  schemaVersion: 1;
  data: { detailsId: string; recordedBy: Actor; protected: { victimDetails: SealedData } };
}

/**
 * The person the claim is about is alive: the claim is closed (status `retracted`, out of the
 * statistics and the review queue), the victim's name leaves the state, and the victim's sealed
 * details are erased (PersonalDataErased on the victim's data-subject stream, in the same commit).
 */
export interface VictimFoundAlive {
  type: 'VictimFoundAlive';
  schemaVersion: 1;
  data: { justification: string; by: Actor };
}

export interface SourceAttached {
  type: 'SourceAttached';
  schemaVersion: 1;
  data: SourceDetails & { sourceId: string; attachedBy: Actor };
}

export interface ReviewStarted {
  type: 'ReviewStarted';
  schemaVersion: 1;
  data: { by: Actor };
}

export interface VerificationRecorded {
  type: 'VerificationRecorded';
  schemaVersion: 1;
  data: { verificationId: string; verdict: Verdict; rationale: string; grade?: Grade; verifier: Actor; disputeId?: string };
}

export interface ClaimDisputed {
  type: 'ClaimDisputed';
  schemaVersion: 1;
  data: { disputeId: string; rationale: string; by: Actor };
}

export interface DisputeResolved {
  type: 'DisputeResolved';
  schemaVersion: 1;
  data: { disputeId: string; outcome: DisputeOutcome; rationale: string; by: Actor };
}

export interface ClaimVerified {
  type: 'ClaimVerified';
  schemaVersion: 1;
  /** The approvals that met the policy, for the record. */
  data: { approvedBy: string[]; requiredApprovals: number };
}

export interface ClaimRejected {
  type: 'ClaimRejected';
  schemaVersion: 1;
  data: { disputeId: string; by: Actor };
}

/** Schema 1: a name in `changes.victim` or `previous.victim` was in plaintext; read as schema 2 as it is. */
export interface ClaimAmendedV1 {
  type: 'ClaimAmended';
  schemaVersion: 1;
  data: { changes: Partial<ClaimDetails>; previous: Partial<ClaimDetails>; reason: string; by: Actor };
}

/**
 * `previous` keeps the values the changes replaced: the history shows both. Since schema 2 no
 * victim name is in the clear: a new name in `changes.victim` is sealed in `protected.victimName`
 * (AAD holder: `amendmentId`), and `previous.victim` carries no name (the name it replaced stays,
 * sealed, in the event that recorded it). `amendmentId` is absent only in v1 events read as v2.
 */
export interface ClaimAmended {
  type: 'ClaimAmended';
  schemaVersion: 2;
  data: {
    amendmentId?: string;
    changes: Partial<ClaimDetails>;
    previous: Partial<ClaimDetails>;
    reason: string;
    by: Actor;
    protected?: VictimNameProtection;
  };
}

export interface ReturnedToReview {
  type: 'ReturnedToReview';
  schemaVersion: 1;
  data: { reason: 'amended'; by: Actor };
}

export interface ClaimRetracted {
  type: 'ClaimRetracted';
  schemaVersion: 1;
  data: { reason: string; by: Actor };
}

export interface ClaimMarkedDuplicate {
  type: 'ClaimMarkedDuplicate';
  schemaVersion: 1;
  data: { survivorId: string; rationale: string; by: Actor };
}

export interface ClaimLinkedToIncident {
  type: 'ClaimLinkedToIncident';
  schemaVersion: 1;
  data: { incidentId: string; by: Actor };
}

export type ClaimEvent =
  | ClaimFiled
  | TestimonyRecorded
  | SourceAttached
  | ReviewStarted
  | VerificationRecorded
  | ClaimDisputed
  | DisputeResolved
  | ClaimVerified
  | ClaimRejected
  | ClaimAmended
  | ReturnedToReview
  | ClaimRetracted
  | ClaimMarkedDuplicate
  | ClaimLinkedToIncident
  | VictimDetailsRecorded
  | VictimFoundAlive;

export type ClaimEventType = ClaimEvent['type'];

/** The schema version each type is written with today. */
export const CLAIM_EVENT_VERSIONS: Readonly<Record<ClaimEventType, number>> = {
  ClaimFiled: 2,
  TestimonyRecorded: 4,
  SourceAttached: 1,
  ReviewStarted: 1,
  VerificationRecorded: 1,
  ClaimDisputed: 1,
  DisputeResolved: 1,
  ClaimVerified: 1,
  ClaimRejected: 1,
  ClaimAmended: 2,
  ReturnedToReview: 1,
  ClaimRetracted: 1,
  ClaimMarkedDuplicate: 1,
  ClaimLinkedToIncident: 1,
  VictimDetailsRecorded: 1,
  VictimFoundAlive: 1,
};

export const CLAIM_EVENT_TYPES = Object.keys(CLAIM_EVENT_VERSIONS) as ClaimEventType[];

export function isClaimEventType(type: string): type is ClaimEventType {
  return Object.hasOwn(CLAIM_EVENT_VERSIONS, type);
}

/**
 * TestimonyRecorded v1 kept the witness's identity inside `witness`. v2 moved it under
 * `protected`, so that it can be encrypted and erased on its own; v3 stores it sealed; v4 adds
 * relatives and a sealed statement under `protected`. Old events are read as v4 (v1 and v2 with
 * their identity still in plaintext); the stored bytes never change.
 */
export function upcastTestimonyRecordedV1(data: Record<string, unknown>): TestimonyRecorded['data'] {
  const { witness, ...rest } = data as { witness: { pseudonym: string; identity?: WitnessIdentity } } & Record<string, unknown>;
  const { identity, ...publicWitness } = witness;
  return {
    ...(rest as Omit<TestimonyRecorded['data'], 'witness' | 'protected'>),
    witness: publicWitness,
    protected: identity ? { witnessIdentity: identity } : {},
  };
}

/** ClaimFiled v1 read as v2: the same members, the name (if any) still in the clear in `victim.name`. */
export function upcastClaimFiledV1(data: ClaimFiledV1['data']): ClaimFiled['data'] {
  return data;
}

/** ClaimAmended v1 read as v2: no amendmentId, names (if any) still in the clear. */
export function upcastClaimAmendedV1(data: ClaimAmendedV1['data']): ClaimAmended['data'] {
  return data;
}

/** A stored claim event as the domain knows it today: older schema versions are upcast here. */
export function claimEventFromStored(type: string, schemaVersion: number, payload: object): ClaimEvent {
  if (!isClaimEventType(type)) throw new Error(`${type} is not a claim event`);
  const current = CLAIM_EVENT_VERSIONS[type];
  if (type === 'TestimonyRecorded' && schemaVersion === 1) {
    return { type, schemaVersion: 4, data: upcastTestimonyRecordedV1(payload as Record<string, unknown>) };
  }
  // v2 and v3 are v4 without its new members: a statement in the clear, no relatives.
  if (type === 'TestimonyRecorded' && (schemaVersion === 2 || schemaVersion === 3)) {
    return { type, schemaVersion: 4, data: payload as TestimonyRecorded['data'] };
  }
  if (type === 'ClaimFiled' && schemaVersion === 1) return { type, schemaVersion: 2, data: upcastClaimFiledV1(payload as ClaimFiledV1['data']) };
  if (type === 'ClaimAmended' && schemaVersion === 1) return { type, schemaVersion: 2, data: upcastClaimAmendedV1(payload as ClaimAmendedV1['data']) };
  if (schemaVersion !== current) throw new Error(`${type} schema version ${schemaVersion} is unknown`);
  return { type, schemaVersion, data: payload } as ClaimEvent;
}
