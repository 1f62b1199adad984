import { actors, by, CLAIM_ID, claimCommand as command, claimDecider, claimEvent as event, sealedIdentity, testimony } from '../../test/given-when-then.js';
import type { ClaimCommand } from './claim.decide.js';
import type { ClaimEvent } from './claim.events.js';
import type { SealedData } from './claim.types.js';

const { filer, verifier1, verifier2, lead1 } = actors;
const given = claimDecider();
const filed = event.filed();

/** What the edge hands the domain: ciphertext under each subject's key, never plaintext. */
const sealed = (subject: string): SealedData => ({ alg: 'A256GCM', subject, iv: 'aXYxMjM0NTY3ODkw', ciphertext: 'Y2lwaGVydGV4dA==', tag: 'dGFnMDEyMzQ1Njc4OWFiY2Q=' });
const RELATIVE_1 = 'relative:11111111-1111-4111-8111-111111111111';
const RELATIVE_2 = 'relative:22222222-2222-4222-8222-222222222222';
const VICTIM = `victim:${CLAIM_ID}`;

/** `statement: null`: none in the clear. */
const recordTestimony = (extra: Partial<Extract<ClaimCommand, { type: 'RecordTestimony' }>>, statement: string | null = testimony.statement ?? null): ClaimCommand => {
  const { statement: _statement, ...rest } = testimony;
  return { type: 'RecordTestimony', testimonyId: 't-1', testimony: { ...rest, ...(statement === null ? {} : { statement }) }, ...extra };
};
const testimonyEvent = (protectedData: object, statement: string | null = testimony.statement ?? null): ClaimEvent => {
  const { statement: _statement, ...rest } = testimony;
  return {
    type: 'TestimonyRecorded',
    schemaVersion: 4,
    data: { testimonyId: 't-1', ...rest, ...(statement === null ? {} : { statement }), recordedBy: filer, protected: protectedData },
  };
};
const victimDetails = (detailsId = 'd-1'): ClaimCommand => ({ type: 'RecordVictimDetails', detailsId, sealedDetails: sealed(VICTIM) });
const victimAlive = (justification = 'Met in person by the field team; identity confirmed against the ID card'): ClaimCommand => ({
  type: 'RecordVictimFoundAlive',
  justification,
});
const foundAlive = (justification = 'Met in person by the field team; identity confirmed against the ID card'): ClaimEvent => ({
  type: 'VictimFoundAlive',
  schemaVersion: 1,
  data: { justification, by: lead1 },
});
const verified = [
  filed,
  event.sourceAttached(),
  event.reviewStarted(verifier1),
  event.approved(verifier1, 'v-1'),
  event.approved(verifier2, 'v-2'),
  event.verified(['u-ver-1', 'u-ver-2']),
];

describe('testimony naming relatives, with a sensitive statement', () => {
  it('keeps each relative sealed under their own subject, apart from the public testimony', () => {
    given([filed])
      .when(by(filer, recordTestimony({ sealedWitnessIdentity: sealedIdentity, sealedRelatives: [sealed(RELATIVE_1), sealed(RELATIVE_2)] })))
      .then([testimonyEvent({ witnessIdentity: sealedIdentity, relatives: [sealed(RELATIVE_1), sealed(RELATIVE_2)] })]);
  });

  it('seals a sensitive statement under the witness key, with no statement in the clear', () => {
    given([filed])
      .when(by(filer, recordTestimony({ sealedStatement: sealed('witness:W-17') }, null)))
      .then([testimonyEvent({ statement: sealed('witness:W-17') }, null)]);
  });

  it('refuses a statement given both in the clear and sealed, or not at all', () => {
    given([filed]).when(by(filer, recordTestimony({ sealedStatement: sealed('witness:W-17') }))).thenRefuses('CLAIM.INVALID', ['/statement']);
    given([filed]).when(by(filer, recordTestimony({}, null))).thenRefuses('CLAIM.INVALID', ['/statement']);
  });

  it.each<[string, Partial<Extract<ClaimCommand, { type: 'RecordTestimony' }>>]>([
    ['an identity under another witness', { sealedWitnessIdentity: sealed('witness:W-18') }],
    ['a statement under a relative', { sealedStatement: sealed(RELATIVE_1) }],
    ['a relative under the witness', { sealedRelatives: [sealed('witness:W-17')] }],
    ['a relative under the victim', { sealedRelatives: [sealed(VICTIM)] }],
    ['two relatives under one key', { sealedRelatives: [sealed(RELATIVE_1), sealed(RELATIVE_1)] }],
  ])('refuses %s: every sealed value is under its own subject', (_what, extra) => {
    const statement = extra.sealedStatement ? null : undefined;
    given([filed]).when(by(filer, recordTestimony(extra, statement))).thenRefuses('PROTECTION.WRONG_SUBJECT', [], 'invalid');
  });

  it('counts testimony with relatives as evidence like any other', () => {
    expect(given([filed, testimonyEvent({ relatives: [sealed(RELATIVE_1)] })]).state).toMatchObject({ evidence: 1, testimonyRecorders: ['u-doc-1'] });
  });
});

describe('protected details of the victim', () => {
  it('records them sealed under the victim of this claim, changing nothing a rule sees', () => {
    given([filed])
      .when(by(filer, victimDetails('d-1')))
      .then([{ type: 'VictimDetailsRecorded', schemaVersion: 1, data: { detailsId: 'd-1', recordedBy: filer, protected: { victimDetails: sealed(VICTIM) } } }]);
    const details: ClaimEvent = { type: 'VictimDetailsRecorded', schemaVersion: 1, data: { detailsId: 'd-1', recordedBy: filer, protected: { victimDetails: sealed(VICTIM) } } };
    expect(given([...verified, details]).state).toEqual(given(verified).state);
  });

  it('refuses details sealed under another claim’s victim', () => {
    const other: ClaimCommand = { type: 'RecordVictimDetails', detailsId: 'd-1', sealedDetails: sealed('victim:3f0c1c2e-5b7a-4e8e-9d0a-1b2c3d4e5f60') };
    given([filed]).when(by(filer, other)).thenRefuses('PROTECTION.WRONG_SUBJECT', [], 'invalid');
  });

  it('refuses them on a claim that does not exist or is closed', () => {
    given([]).when(by(filer, victimDetails())).thenRefuses('CLAIM.NOT_FOUND', [], 'not-found');
    given([filed, event.retracted(filer)]).when(by(filer, victimDetails())).thenRefuses('CLAIM.RETRACTED', [], 'conflict');
  });
});

describe('a victim found alive', () => {
  it('records it with the justification and who established it', () => {
    given(verified).when(by(lead1, victimAlive())).then([foundAlive()]);
  });

  it('closes the claim: retracted, out of statistics and review, and the name is no longer held', () => {
    const state = given([...verified, foundAlive()]).state;
    expect(state).toMatchObject({ status: 'retracted', victimAlive: true });
    if (!state.exists) throw new Error('the claim exists');
    expect(state.details.victim).toEqual({ sex: 'male', age: 34, ageGroup: 'adult', civilianStatus: 'civilian', protectedRole: 'civil-defence' });
    expect(JSON.stringify(state)).not.toContain('Ahmad');
    expect(state.details.place).toEqual(filed.type === 'ClaimFiled' ? filed.data.place : undefined);
  });

  it('also for a claim under review, disputed or rejected', () => {
    const rejected = [filed, event.reviewStarted(verifier1), event.disputeRecorded(verifier1, 'v-1', 'd-1'), event.disputed(verifier1, 'd-1')];
    given(rejected).when(by(lead1, victimAlive())).then([foundAlive()]);
    given([...rejected, event.disputeResolved(lead1, 'd-1', 'reject-claim'), event.rejected(lead1, 'd-1')]).when(by(lead1, victimAlive())).then([foundAlive()]);
  });

  it('accepts nothing more afterwards, and is not recorded twice', () => {
    const alive = [...verified, foundAlive()];
    given(alive).when(by(lead1, victimAlive())).thenRefuses('CLAIM.RETRACTED', [], 'conflict');
    given(alive).when(by(filer, victimDetails())).thenRefuses('CLAIM.RETRACTED', [], 'conflict');
    given(alive).when(by(filer, command.recordTestimony('t-2'))).thenRefuses('CLAIM.RETRACTED', [], 'conflict');
    given(alive).when(by(filer, command.amend({ cause: 'shelling' }))).thenRefuses('CLAIM.RETRACTED', [], 'conflict');
  });

  it('is refused on a claim that does not exist, was retracted, or is a duplicate', () => {
    given([]).when(by(lead1, victimAlive())).thenRefuses('CLAIM.NOT_FOUND', [], 'not-found');
    given([filed, event.retracted(filer)]).when(by(lead1, victimAlive())).thenRefuses('CLAIM.RETRACTED', [], 'conflict');
    given([filed, event.markedDuplicate(verifier1, '3f0c1c2e-5b7a-4e8e-9d0a-1b2c3d4e5f60')]).when(by(lead1, victimAlive())).thenRefuses('CLAIM.DUPLICATE', [], 'conflict');
  });
});
