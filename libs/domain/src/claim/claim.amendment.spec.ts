import { actors, by, claimCommand as command, claimDecider, claimDetails, claimEvent as event, unnamed } from '../../test/given-when-then.js';
import type { ClaimCommand } from './claim.decide.js';
import type { ClaimEvent } from './claim.events.js';
import type { ClaimDetails } from './claim.types.js';

const { filer, verifier1, verifier2, verifier3 } = actors;
const given = claimDecider();
const filed = event.filed();
const verified: ClaimEvent[] = [
  filed,
  event.sourceAttached(),
  event.reviewStarted(verifier1),
  event.approved(verifier1, 'v-1'),
  event.approved(verifier2, 'v-2'),
  event.verified(['u-ver-1', 'u-ver-2']),
];

describe('amending a claim', () => {
  it('records the changes with their reason and the values they replace', () => {
    given([filed])
      .when(by(filer, command.amend({ cause: 'shelling', perpetrator: 'syrian-regime-forces' }, 'A second source names artillery')))
      .then([
        {
          type: 'ClaimAmended',
          schemaVersion: 2,
          data: {
            amendmentId: 'a-1',
            changes: { cause: 'shelling', perpetrator: 'syrian-regime-forces' },
            previous: { cause: 'double-tap-airstrike', perpetrator: 'russian-forces' },
            reason: 'A second source names artillery',
            by: filer,
          },
        },
      ]);
  });

  it('keeps no previous value for a member that had none', () => {
    given([filed])
      .when(by(verifier1, command.amend({ incidentId: 'i-1' })))
      .then([event.amended(verifier1, { incidentId: 'i-1' }, {})]);
  });

  it('keeps the whole earlier value of a nested member', () => {
    const victim = { ...claimDetails.victim, age: 35 };
    given([filed])
      .when(by(filer, command.amend({ victim })))
      .then([event.amended(filer, { victim }, { victim: claimDetails.victim })]);
  });

  it('seals a new victim name and never copies the name it replaces into the event in the clear', () => {
    const renamed = { ...claimDetails.victim, name: { latin: 'Ahmed' } };
    // A v1 filing held the name in the clear: its state has it, the amendment's `previous` must not.
    const v1Filed = { type: 'ClaimFiled', schemaVersion: 2, data: { claimId: '9a34f235-dba1-810b-92a2-690a2efa0e35', filedBy: filer, ...claimDetails } } as ClaimEvent;
    given([v1Filed])
      .when(by(filer, command.amend({ victim: renamed })))
      .then([event.amended(filer, { victim: renamed }, { victim: claimDetails.victim })]);
    const expected = event.amended(filer, { victim: renamed }, { victim: claimDetails.victim });
    expect(JSON.stringify(expected)).not.toMatch(/Ahmad|Ahmed|أحمد/);
    expect(expected).toMatchObject({ schemaVersion: 2, data: { amendmentId: 'a-1', protected: { victimName: { subject: 'victim:9a34f235-dba1-810b-92a2-690a2efa0e35' } } } });
  });

  it('refuses a new victim name in the clear', () => {
    given([filed])
      .when(by(filer, { type: 'AmendClaim', amendmentId: 'a-1', changes: { victim: claimDetails.victim }, reason: 'r', knownPerpetrators: new Set(['russian-forces']) }))
      .thenRefuses('PROTECTION.NOT_SEALED');
  });

  it('later decisions see the amended details', () => {
    const amended = [filed, event.amended(filer, { cause: 'shelling' }, { cause: 'double-tap-airstrike' })];
    expect(given(amended).state).toMatchObject({ details: { ...unnamed(claimDetails), cause: 'shelling' } });
    given(amended)
      .when(by(filer, command.amend({ cause: 'airstrike' })))
      .then([event.amended(filer, { cause: 'airstrike' }, { cause: 'shelling' })]);
  });

  it('amending a verified claim sends it back to review', () => {
    given(verified)
      .when(by(verifier3, command.amend({ cause: 'shelling' })))
      .then([
        event.amended(verifier3, { cause: 'shelling' }, { cause: 'double-tap-airstrike' }),
        { type: 'ReturnedToReview', schemaVersion: 1, data: { reason: 'amended', by: verifier3 } },
      ]);
  });

  it('a claim back in review has no approvals: they must be given again', () => {
    const backInReview = [...verified, event.amended(verifier3, { cause: 'shelling' }, { cause: 'double-tap-airstrike' }), event.returnedToReview(verifier3)];
    expect(given(backInReview).state).toMatchObject({ status: 'under-review', approvals: [] });
    given(backInReview).when(by(verifier1, command.approve('v-3'))).then([event.approved(verifier1, 'v-3')]);
    given([...backInReview, event.approved(verifier1, 'v-3')])
      .when(by(verifier2, command.approve('v-4')))
      .then([event.approved(verifier2, 'v-4'), event.verified(['u-ver-1', 'u-ver-2'])]);
  });

  it('amending a claim under review leaves it in review with its approvals', () => {
    const underReview = verified.slice(0, 4);
    given(underReview)
      .when(by(filer, command.amend({ cause: 'shelling' })))
      .then([event.amended(filer, { cause: 'shelling' }, { cause: 'double-tap-airstrike' })]);
  });

  it('refuses an empty change set', () => {
    given([filed]).when(by(filer, command.amend({}))).thenRefuses('CLAIM.INVALID', ['/changes'], 'invalid');
  });

  it.each<[string, Partial<ClaimDetails>, string[]]>([
    ['an age that contradicts the age group', { victim: { ...claimDetails.victim, age: 9 } }, ['/changes/victim/ageGroup']],
    ['a perpetrator not on the managed list', { perpetrator: 'someone' }, ['/changes/perpetrator']],
    ['a date of death in the future', { death: { date: '2018-07-21', precision: 'day' } }, ['/changes/death/date']],
    ['a date range that ends before it starts', { death: { from: '2018-07-10', to: '2018-07-01', precision: 'range' } }, ['/changes/death/to']],
    ['an exact place without coordinates', { place: { governorate: 'Idlib', precision: 'exact' } }, ['/changes/place/lat']],
    ['a locality precision without a locality', { place: { governorate: 'Idlib', precision: 'locality' } }, ['/changes/place/locality']],
  ])('refuses %s, pointing under /changes', (_what, changes, paths) => {
    given([filed]).when(by(filer, command.amend(changes))).thenRefuses('CLAIM.INVALID', paths, 'invalid');
  });

  it('refuses every invalid member at once', () => {
    const changes: ClaimCommand = command.amend({ perpetrator: 'someone', death: { precision: 'day' } });
    given([filed]).when(by(filer, changes)).thenRefuses('CLAIM.INVALID', ['/changes/perpetrator', '/changes/death/date'], 'invalid');
  });
});
