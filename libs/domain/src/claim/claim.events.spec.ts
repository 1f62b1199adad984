import { actors, CLAIM_ID, claimDetails, claimEvent as event, sealedIdentity, sealedVictimName, testimony } from '../../test/given-when-then.js';
import { CLAIM_EVENT_TYPES, CLAIM_EVENT_VERSIONS, claimEventFromStored, upcastClaimAmendedV1, upcastClaimFiledV1 } from './claim.events.js';
import { evolveClaim, initialClaimState } from './claim.state.js';

const { filer } = actors;

/** How TestimonyRecorded was stored before protected data moved out of `witness`. */
const storedV1 = {
  testimonyId: 't-1',
  witness: { pseudonym: 'W-17', identity: { name: 'Fatima Al-Hassan', contact: '+963 900 000 000' } },
  relation: 'eyewitness',
  statement: testimony.statement,
  language: 'ar',
  consent: 'legal-proceedings',
  recordedBy: filer,
};

describe('stored claim events', () => {
  it('the stored type names and their current schema versions never change', () => {
    expect(CLAIM_EVENT_VERSIONS).toEqual({
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
    });
    expect(CLAIM_EVENT_TYPES).toHaveLength(16);
  });

  it('reads a current event as it was stored', () => {
    const filed = event.filed();
    expect(claimEventFromStored('ClaimFiled', 2, filed.data)).toEqual(filed);
    const amended = event.amended(filer, { victim: claimDetails.victim }, { victim: claimDetails.victim });
    expect(claimEventFromStored('ClaimAmended', 2, amended.data)).toEqual(amended);
    const recorded = event.testimonyRecorded(filer, 't-1', sealedIdentity);
    expect(claimEventFromStored('TestimonyRecorded', 4, recorded.data)).toEqual(recorded);
  });

  it('reads a TestimonyRecorded v3 (sealed identity, statement in the clear, no relatives) as v4, unchanged', () => {
    const v3 = structuredClone(event.testimonyRecorded(filer, 't-1', sealedIdentity).data);
    const stored = structuredClone(v3);
    expect(claimEventFromStored('TestimonyRecorded', 3, stored)).toEqual({ type: 'TestimonyRecorded', schemaVersion: 4, data: v3 });
    expect(stored).toEqual(v3);
  });

  it('reads a TestimonyRecorded v2 as v4, its identity still in plaintext', () => {
    const v2 = { ...storedV1, witness: { pseudonym: 'W-17' }, protected: { witnessIdentity: storedV1.witness.identity } };
    expect(claimEventFromStored('TestimonyRecorded', 2, v2)).toEqual({ type: 'TestimonyRecorded', schemaVersion: 4, data: v2 });
  });

  it('reads a TestimonyRecorded v1 as v4: the witness identity moves under protected', () => {
    expect(claimEventFromStored('TestimonyRecorded', 1, storedV1)).toEqual({
      type: 'TestimonyRecorded',
      schemaVersion: 4,
      data: {
        testimonyId: 't-1',
        witness: { pseudonym: 'W-17' },
        relation: 'eyewitness',
        statement: testimony.statement,
        language: 'ar',
        consent: 'legal-proceedings',
        recordedBy: filer,
        protected: { witnessIdentity: { name: 'Fatima Al-Hassan', contact: '+963 900 000 000' } },
      },
    });
  });

  it('reads a TestimonyRecorded v1 without an identity with nothing protected', () => {
    const { witness, ...rest } = storedV1;
    const upcast = claimEventFromStored('TestimonyRecorded', 1, { ...rest, witness: { pseudonym: witness.pseudonym } });
    expect(upcast).toEqual(event.testimonyRecorded(filer, 't-1'));
  });

  it('leaves the stored v1 payload untouched', () => {
    const stored = structuredClone(storedV1);
    claimEventFromStored('TestimonyRecorded', 1, stored);
    expect(stored).toEqual(storedV1);
  });

  it('a stream with a v1 testimony replays to the same state as one written today', () => {
    const identity = { name: 'Fatima Al-Hassan', contact: '+963 900 000 000' };
    const old = [event.filed(), claimEventFromStored('TestimonyRecorded', 1, storedV1)].reduce(evolveClaim, initialClaimState);
    const today = [event.filed(), event.testimonyRecorded(filer, 't-1', identity)].reduce(evolveClaim, initialClaimState);
    expect(old).toEqual(today);
  });

  it('reads a ClaimFiled v1 as v2, its name still in the clear (those bytes cannot change), the stored payload untouched', () => {
    const v1 = { claimId: CLAIM_ID, filedBy: filer, ...claimDetails };
    const stored = structuredClone(v1);
    expect(claimEventFromStored('ClaimFiled', 1, stored)).toEqual({ type: 'ClaimFiled', schemaVersion: 2, data: v1 });
    expect(stored).toEqual(v1);
    expect(upcastClaimFiledV1(v1)).toEqual(v1);
    const state = evolveClaim(initialClaimState, claimEventFromStored('ClaimFiled', 1, stored));
    expect(state).toMatchObject({ exists: true, details: { victim: { name: claimDetails.victim.name } } });
  });

  it('reads a ClaimAmended v1 as v2 without an amendmentId, names as they were stored', () => {
    const v1 = { changes: { victim: claimDetails.victim }, previous: { victim: { ...claimDetails.victim, age: 30 } }, reason: 'r', by: filer };
    expect(claimEventFromStored('ClaimAmended', 1, structuredClone(v1))).toEqual({ type: 'ClaimAmended', schemaVersion: 2, data: v1 });
    expect(upcastClaimAmendedV1(v1)).toEqual(v1);
  });

  it('a ClaimFiled v2 leaves the sealed name out of the state: only an opened name enters it', () => {
    const sealed = event.filed();
    const state = evolveClaim(initialClaimState, sealed);
    expect(JSON.stringify(state)).not.toContain(sealedVictimName().ciphertext);
    expect(state).toMatchObject({ exists: true, details: { victim: { sex: 'male' } } });
    expect((state as { details: { victim: { name?: unknown } } }).details.victim.name).toBeUndefined();
    const opened = { ...sealed, data: { ...sealed.data, victim: claimDetails.victim } } as typeof sealed;
    expect(evolveClaim(initialClaimState, opened)).toMatchObject({ details: { victim: { name: claimDetails.victim.name } } });
  });

  it('refuses a type that is not a claim event', () => {
    expect(() => claimEventFromStored('IncidentRecorded', 1, {})).toThrow('IncidentRecorded is not a claim event');
    expect(() => claimEventFromStored('toString', 1, {})).toThrow('toString is not a claim event');
  });

  it.each([
    ['TestimonyRecorded', 5],
    ['TestimonyRecorded', 0],
    ['VictimFoundAlive', 2],
    ['ClaimFiled', 3],
    ['ClaimAmended', 3],
    ['ClaimVerified', 0],
  ])('refuses %s schema version %i, which it does not know', (type, version) => {
    expect(() => claimEventFromStored(type, version, {})).toThrow(`${type} schema version ${version} is unknown`);
  });
});
