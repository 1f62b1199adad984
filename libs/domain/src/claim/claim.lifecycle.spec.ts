import {
  actors,
  by,
  claimCommand as command,
  claimDecider,
  claimEvent as event,
  CLAIM_ID,
  SURVIVOR_ID,
  contextFor,
  sealedIdentity,
  testimony,
} from '../../test/given-when-then.js';
import { decideClaim, type ClaimCommand } from './claim.decide.js';
import type { ClaimEvent } from './claim.events.js';
import { evolveClaim, initialClaimState, type ClaimState } from './claim.state.js';

const { filer, otherDocumenter, verifier1, verifier2, lead1, lead2, admin } = actors;
const given = claimDecider();
const filed = event.filed();

/** A claim on its own stream, as MarkDuplicate receives the survivor. */
const survivorAfter = (...events: ClaimEvent[]): ClaimState =>
  [event.filed(otherDocumenter, undefined, SURVIVOR_ID), ...events].reduce(evolveClaim, initialClaimState);

const statusAfter = (events: ClaimEvent[]): string | undefined => {
  const state = events.reduce(evolveClaim, initialClaimState);
  return state.exists ? state.status : undefined;
};

describe('the claim lifecycle: each step is an event', () => {
  it('a filed claim is submitted', () => {
    expect(statusAfter([filed])).toBe('submitted');
  });

  it('the first verification starts the review: submitted -> under-review', () => {
    given([filed, event.sourceAttached()])
      .when(by(verifier1, command.approve('v-1')))
      .then([event.reviewStarted(verifier1), event.approved(verifier1, 'v-1')]);
    expect(statusAfter([filed, event.reviewStarted(verifier1)])).toBe('under-review');
  });

  it('a later verification does not start the review again', () => {
    given([filed, event.reviewStarted(verifier1), event.approved(verifier1, 'v-1')])
      .when(by(verifier2, command.approve('v-2')))
      .then([event.approved(verifier2, 'v-2')]);
  });

  it('under-review -> verified', () => {
    expect(statusAfter([filed, event.sourceAttached(), event.reviewStarted(verifier1), event.verified(['u-ver-1', 'u-ver-2'])])).toBe(
      'verified',
    );
  });

  it('under-review -> disputed -> verified, once the dispute is dismissed', () => {
    const disputed = [filed, event.reviewStarted(verifier1), event.disputeRecorded(verifier1, 'v-1', 'd-1'), event.disputed(verifier1, 'd-1')];
    expect(statusAfter(disputed)).toBe('disputed');
    const dismissed = [...disputed, event.disputeResolved(lead1, 'd-1', 'dismiss-dispute')];
    expect(statusAfter(dismissed)).toBe('under-review');
    expect(statusAfter([...dismissed, event.verified(['u-ver-2', 'u-ver-3'])])).toBe('verified');
  });

  it('disputed -> rejected', () => {
    expect(
      statusAfter([
        filed,
        event.reviewStarted(verifier1),
        event.disputeRecorded(verifier1, 'v-1', 'd-1'),
        event.disputed(verifier1, 'd-1'),
        event.disputeResolved(lead1, 'd-1', 'reject-claim'),
        event.rejected(lead1, 'd-1'),
      ]),
    ).toBe('rejected');
  });

  it('retracted', () => {
    expect(statusAfter([filed, event.retracted(filer)])).toBe('retracted');
  });

  it('duplicate, keeping the surviving claim id', () => {
    const state = given([filed, event.markedDuplicate(verifier1, SURVIVOR_ID)]).state;
    expect(state).toMatchObject({ status: 'duplicate', duplicateOf: SURVIVOR_ID });
  });
});

describe('testimony and sources', () => {
  it('records testimony with whoever recorded it', () => {
    given([filed])
      .when(by(filer, command.recordTestimony('t-1')))
      .then([
        {
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
            protected: {},
          },
        },
      ]);
  });

  it('keeps the sealed witness identity under protected.witnessIdentity, never inside witness', () => {
    given([filed])
      .when(by(filer, command.recordTestimony('t-1', sealedIdentity)))
      .then([
        {
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
            protected: { witnessIdentity: sealedIdentity },
          },
        },
      ]);
  });

  it('records a source with whoever attached it', () => {
    given([filed])
      .when(by(filer, command.attachSource('s-1')))
      .then([
        {
          type: 'SourceAttached',
          schemaVersion: 1,
          data: {
            sourceId: 's-1',
            type: 'video',
            publisher: 'Syrian Civil Defence',
            url: 'https://example.org/videos/zardana',
            contentSha256: 'a'.repeat(64),
            connection: 'third-party',
            reliability: 'high',
            attachedBy: filer,
          },
        },
      ]);
  });

  it('counts each source and testimony as evidence', () => {
    expect(given([filed, event.sourceAttached(), event.testimonyRecorded(filer, 't-1')]).state).toMatchObject({
      evidence: 2,
      testimonyRecorders: ['u-doc-1'],
    });
  });
});

describe('retraction', () => {
  it('the documenter who filed the claim may retract it', () => {
    given([filed]).when(by(filer, command.retract('Filed in error'))).then([event.retracted(filer, 'Filed in error')]);
  });

  it('refuses a retraction by a documenter who did not file the claim', () => {
    given([filed]).when(by(otherDocumenter, command.retract())).thenRefuses('CLAIM.NOT_FILER', [], 'forbidden');
  });

  it('a lead verifier may retract a claim', () => {
    given([filed]).when(by(lead1, command.retract('Victim found alive'))).then([event.retracted(lead1, 'Victim found alive')]);
  });

  it('an admin may retract a claim', () => {
    given([filed]).when(by(admin, command.retract('Test data'))).then([event.retracted(admin, 'Test data')]);
  });

  it('a verified claim may be retracted', () => {
    given([filed, event.sourceAttached(), event.reviewStarted(verifier1), event.approved(verifier1, 'v-1'), event.approved(verifier2, 'v-2'), event.verified(['u-ver-1', 'u-ver-2'])])
      .when(by(lead2, command.retract()))
      .then([event.retracted(lead2)]);
  });

  it('refuses to retract a claim twice', () => {
    given([filed, event.retracted(filer)]).when(by(filer, command.retract())).thenRefuses('CLAIM.RETRACTED', [], 'conflict');
  });
});

describe('duplicates', () => {
  it('marks a claim as a duplicate of the surviving claim', () => {
    given([filed])
      .when(by(verifier1, command.markDuplicate(SURVIVOR_ID, survivorAfter())))
      .then([
        {
          type: 'ClaimMarkedDuplicate',
          schemaVersion: 1,
          data: { survivorId: SURVIVOR_ID, rationale: 'Same victim reported by two sources', by: verifier1 },
        },
      ]);
  });

  it('refuses to mark a claim as a duplicate of itself', () => {
    const itself = given([filed]).state;
    given([filed]).when(by(verifier1, command.markDuplicate(CLAIM_ID, itself))).thenRefuses('CLAIM.DUPLICATE_OF_ITSELF', [], 'conflict');
  });

  it('refuses a surviving claim that does not exist', () => {
    given([filed]).when(by(verifier1, command.markDuplicate(SURVIVOR_ID, initialClaimState))).thenRefuses('CLAIM.NOT_FOUND', [], 'not-found');
  });

  it('refuses a retracted surviving claim', () => {
    given([filed])
      .when(by(verifier1, command.markDuplicate(SURVIVOR_ID, survivorAfter(event.retracted(otherDocumenter)))))
      .thenRefuses('CLAIM.SURVIVOR_CLOSED', [], 'conflict');
  });

  it('refuses a surviving claim that is itself a duplicate', () => {
    given([filed])
      .when(by(verifier1, command.markDuplicate(SURVIVOR_ID, survivorAfter(event.markedDuplicate(verifier2, CLAIM_ID)))))
      .thenRefuses('CLAIM.SURVIVOR_CLOSED', [], 'conflict');
  });
});

describe('a retracted or duplicate claim accepts no further changes', () => {
  const closed = {
    retracted: { events: [filed, event.retracted(filer)], code: 'CLAIM.RETRACTED' },
    duplicate: { events: [filed, event.markedDuplicate(verifier2, SURVIVOR_ID)], code: 'CLAIM.DUPLICATE' },
  } as const;
  const commands: Array<[string, ClaimCommand]> = [
    ['testimony', command.recordTestimony('t-9')],
    ['a source', command.attachSource('s-9')],
    ['an approval', command.approve('v-9')],
    ['a dispute', command.dispute('v-9', 'd-9')],
    ['an amendment', command.amend({ cause: 'shelling' })],
    ['a duplicate marking', command.markDuplicate(SURVIVOR_ID, survivorAfter())],
  ];

  describe.each(Object.entries(closed))('a %s claim', (_status, { events, code }) => {
    it.each(commands)(`refuses %s with ${code}`, (_what, refused) => {
      const actor = refused.type === 'AttachSource' || refused.type === 'RecordTestimony' ? filer : verifier1;
      given([...events]).when(by(actor, refused)).thenRefuses(code, [], 'conflict');
    });
  });

  it('names the surviving claim when refusing a change to a duplicate', () => {
    const state = given([filed, event.markedDuplicate(verifier2, SURVIVOR_ID)]).state;
    expect(() => decideClaim(command.attachSource(), state, contextFor(filer))).toThrow(SURVIVOR_ID);
  });
});

describe('a rejected claim', () => {
  const rejected = [
    filed,
    event.sourceAttached(),
    event.reviewStarted(verifier1),
    event.disputeRecorded(verifier1, 'v-1', 'd-1'),
    event.disputed(verifier1, 'd-1'),
    event.disputeResolved(lead1, 'd-1', 'reject-claim'),
    event.rejected(lead1, 'd-1'),
  ];

  it('refuses an approval with CLAIM.REJECTED', () => {
    given(rejected).when(by(verifier2, command.approve('v-2'))).thenRefuses('CLAIM.REJECTED', [], 'conflict');
  });

  it('refuses a dispute with CLAIM.REJECTED', () => {
    given(rejected).when(by(verifier2, command.dispute('v-2', 'd-2'))).thenRefuses('CLAIM.REJECTED', [], 'conflict');
  });
});

describe('a claim that does not exist', () => {
  it.each<[string, ClaimCommand]>([
    ['testimony', command.recordTestimony()],
    ['a source', command.attachSource()],
    ['an approval', command.approve('v-1')],
    ['a dispute', command.dispute('v-1', 'd-1')],
    ['a dispute resolution', command.resolve('d-1', 'dismiss-dispute')],
    ['an amendment', command.amend({ cause: 'shelling' })],
    ['a retraction', command.retract()],
    ['a duplicate marking', command.markDuplicate(SURVIVOR_ID, survivorAfter())],
    ['a link to an incident', command.linkToIncident('i-1')],
  ])('refuses %s with CLAIM.NOT_FOUND', (_what, refused) => {
    given([]).when(by(lead1, refused)).thenRefuses('CLAIM.NOT_FOUND', [], 'not-found');
  });
});

describe('linking to an incident', () => {
  it('records the link', () => {
    given([filed])
      .when(by(filer, command.linkToIncident('i-1')))
      .then([{ type: 'ClaimLinkedToIncident', schemaVersion: 1, data: { incidentId: 'i-1', by: filer } }]);
    expect(given([filed, event.linkedToIncident(filer, 'i-1')]).state).toMatchObject({ details: { incidentId: 'i-1' } });
  });

  it('records nothing when the claim is already linked to that incident', () => {
    given([filed, event.linkedToIncident(filer, 'i-1')]).when(by(filer, command.linkToIncident('i-1'))).then([]);
  });
});

