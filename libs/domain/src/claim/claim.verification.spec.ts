import { actors, by, claimCommand as command, claimDecider, claimEvent as event } from '../../test/given-when-then.js';
import type { ClaimEvent } from './claim.events.js';

const { filer, otherDocumenter, verifier1, verifier2, verifier3, lead1, lead2 } = actors;
const given = claimDecider();
const filed = event.filed();
/** A claim with a source under review, approved by verifier 1. */
const onceApproved: ClaimEvent[] = [filed, event.sourceAttached(), event.reviewStarted(verifier1), event.approved(verifier1, 'v-1')];
const verified: ClaimEvent[] = [...onceApproved, event.approved(verifier2, 'v-2'), event.verified(['u-ver-1', 'u-ver-2'])];

describe('verification policy: N independent approvals, evidence, no open dispute', () => {
  it('verifies a claim with a source once two distinct verifiers approved it', () => {
    given(onceApproved)
      .when(by(verifier2, command.approve('v-2')))
      .then([
        {
          type: 'VerificationRecorded',
          schemaVersion: 1,
          data: { verificationId: 'v-2', verdict: 'approve', rationale: 'Consistent with the video and the testimony', verifier: verifier2 },
        },
        { type: 'ClaimVerified', schemaVersion: 1, data: { approvedBy: ['u-ver-1', 'u-ver-2'], requiredApprovals: 2 } },
      ]);
  });

  it('does not verify on a single approval', () => {
    given([filed, event.sourceAttached()])
      .when(by(verifier1, command.approve('v-1')))
      .then([event.reviewStarted(verifier1), event.approved(verifier1, 'v-1')]);
  });

  it('counts testimony as evidence, like a source', () => {
    given([filed, event.testimonyRecorded(filer), event.reviewStarted(verifier1), event.approved(verifier1, 'v-1')])
      .when(by(verifier2, command.approve('v-2')))
      .then([event.approved(verifier2, 'v-2'), event.verified(['u-ver-1', 'u-ver-2'])]);
  });

  it('does not verify a claim without any source or testimony', () => {
    given([filed, event.reviewStarted(verifier1), event.approved(verifier1, 'v-1')])
      .when(by(verifier2, command.approve('v-2')))
      .then([event.approved(verifier2, 'v-2')]);
  });

  it('counts approvals recorded before the evidence once a source arrives', () => {
    given([filed, event.reviewStarted(verifier1), event.approved(verifier1, 'v-1'), event.approved(verifier2, 'v-2')])
      .when(by(filer, command.attachSource('s-1')))
      .then([event.sourceAttached(filer, 's-1'), event.verified(['u-ver-1', 'u-ver-2'])]);
  });

  it('counts approvals recorded before the evidence once testimony arrives', () => {
    given([filed, event.reviewStarted(verifier1), event.approved(verifier1, 'v-1'), event.approved(verifier2, 'v-2')])
      .when(by(otherDocumenter, command.recordTestimony('t-1')))
      .then([event.testimonyRecorded(otherDocumenter, 't-1'), event.verified(['u-ver-1', 'u-ver-2'])]);
  });

  it('stops counting a verifier who later records testimony on the claim', () => {
    const approvedWithoutEvidence = [filed, event.reviewStarted(verifier1), event.approved(verifier1, 'v-1'), event.approved(verifier2, 'v-2')];
    given(approvedWithoutEvidence)
      .when(by(verifier1, command.recordTestimony('t-1')))
      .then([event.testimonyRecorded(verifier1, 't-1')]);
    given([...approvedWithoutEvidence, event.testimonyRecorded(verifier1, 't-1')])
      .when(by(verifier3, command.approve('v-3')))
      .then([event.approved(verifier3, 'v-3'), event.verified(['u-ver-2', 'u-ver-3'])]);
  });

  it('does not verify while a dispute is open, whatever the approvals', () => {
    given([
      filed,
      event.sourceAttached(),
      event.reviewStarted(verifier1),
      event.disputeRecorded(verifier1, 'v-1', 'd-1'),
      event.disputed(verifier1, 'd-1'),
      event.approved(verifier2, 'v-2'),
    ])
      .when(by(verifier3, command.approve('v-3')))
      .then([event.approved(verifier3, 'v-3')]);
  });

  it('records a further approval on a verified claim without verifying it again', () => {
    given(verified).when(by(verifier3, command.approve('v-3'))).then([event.approved(verifier3, 'v-3')]);
  });

  it('needs only the approvals the policy asks for (one)', () => {
    claimDecider({ requiredApprovals: 1 })([filed, event.sourceAttached()])
      .when(by(verifier1, command.approve('v-1')))
      .then([event.reviewStarted(verifier1), event.approved(verifier1, 'v-1'), event.verified(['u-ver-1'], 1)]);
  });

  it('needs all the approvals the policy asks for (three)', () => {
    const threeNeeded = claimDecider({ requiredApprovals: 3 });
    threeNeeded(onceApproved).when(by(verifier2, command.approve('v-2'))).then([event.approved(verifier2, 'v-2')]);
    threeNeeded([...onceApproved, event.approved(verifier2, 'v-2')])
      .when(by(verifier3, command.approve('v-3')))
      .then([event.approved(verifier3, 'v-3'), event.verified(['u-ver-1', 'u-ver-2', 'u-ver-3'], 3)]);
  });
});

describe('four-eyes: no verification of one’s own work', () => {
  it('refuses a verification by the user who filed the claim', () => {
    const filerAsVerifier = { id: filer.id, role: 'verifier' } as const;
    given([filed, event.sourceAttached()]).when(by(filerAsVerifier, command.approve('v-1'))).thenRefuses('VERIFICATION.OWN_WORK', [], 'conflict');
  });

  it('refuses a verification by a user who recorded testimony on the claim', () => {
    given([filed, event.testimonyRecorded(verifier1, 't-1')])
      .when(by(verifier1, command.approve('v-1')))
      .thenRefuses('VERIFICATION.OWN_WORK', [], 'conflict');
  });

  it('refuses a dispute of one’s own work too', () => {
    given([filed, event.testimonyRecorded(verifier1, 't-1')])
      .when(by(verifier1, command.dispute('v-1', 'd-1')))
      .thenRefuses('VERIFICATION.OWN_WORK', [], 'conflict');
  });

  it('refuses a second approval by the same verifier', () => {
    given(onceApproved).when(by(verifier1, command.approve('v-2'))).thenRefuses('VERIFICATION.ALREADY_APPROVED', [], 'conflict');
  });
});

describe('disputes', () => {
  it('a dispute records the verification and opens a dispute carrying its rationale', () => {
    given([filed, event.sourceAttached()])
      .when(by(verifier1, command.dispute('v-1', 'd-1', 'contested')))
      .then([
        { type: 'ReviewStarted', schemaVersion: 1, data: { by: verifier1 } },
        {
          type: 'VerificationRecorded',
          schemaVersion: 1,
          data: {
            verificationId: 'v-1',
            verdict: 'dispute',
            rationale: 'The hospital record gives another date of death',
            grade: 'contested',
            verifier: verifier1,
            disputeId: 'd-1',
          },
        },
        { type: 'ClaimDisputed', schemaVersion: 1, data: { disputeId: 'd-1', rationale: 'The hospital record gives another date of death', by: verifier1 } },
      ]);
  });

  it('disputes a verified claim', () => {
    given(verified)
      .when(by(verifier3, command.dispute('v-3', 'd-1')))
      .then([event.disputeRecorded(verifier3, 'v-3', 'd-1'), event.disputed(verifier3, 'd-1')]);
    expect(given([...verified, event.disputeRecorded(verifier3, 'v-3', 'd-1'), event.disputed(verifier3, 'd-1')]).state).toMatchObject({
      status: 'disputed',
    });
  });

  const disputedByLead1: ClaimEvent[] = [
    filed,
    event.sourceAttached(),
    event.reviewStarted(lead1),
    event.disputeRecorded(lead1, 'v-1', 'd-1'),
    event.disputed(lead1, 'd-1'),
  ];

  it('dismissing the dispute sends the claim back to review', () => {
    given(disputedByLead1)
      .when(by(lead2, command.resolve('d-1', 'dismiss-dispute')))
      .then([
        { type: 'DisputeResolved', schemaVersion: 1, data: { disputeId: 'd-1', outcome: 'dismiss-dispute', rationale: 'The hospital record was misdated', by: lead2 } },
      ]);
    expect(given([...disputedByLead1, event.disputeResolved(lead2, 'd-1', 'dismiss-dispute')]).state).toMatchObject({
      status: 'under-review',
      disputes: [{ disputeId: 'd-1', openedBy: 'u-lead-1', open: false }],
    });
  });

  it('dismissing the dispute verifies the claim when the policy is met', () => {
    given([...disputedByLead1, event.approved(verifier1, 'v-2'), event.approved(verifier2, 'v-3')])
      .when(by(lead2, command.resolve('d-1', 'dismiss-dispute')))
      .then([event.disputeResolved(lead2, 'd-1', 'dismiss-dispute'), event.verified(['u-ver-1', 'u-ver-2'])]);
  });

  it('resolving the dispute by rejecting the claim rejects it', () => {
    given(disputedByLead1)
      .when(by(lead2, command.resolve('d-1', 'reject-claim')))
      .then([
        { type: 'DisputeResolved', schemaVersion: 1, data: { disputeId: 'd-1', outcome: 'reject-claim', rationale: 'The victim was found alive', by: lead2 } },
        { type: 'ClaimRejected', schemaVersion: 1, data: { disputeId: 'd-1', by: lead2 } },
      ]);
  });

  it('refuses a resolution by the lead verifier who raised the dispute', () => {
    given(disputedByLead1).when(by(lead1, command.resolve('d-1', 'dismiss-dispute'))).thenRefuses('VERIFICATION.OWN_DISPUTE', [], 'conflict');
  });

  it('refuses to resolve a dispute the claim does not have', () => {
    given(disputedByLead1).when(by(lead2, command.resolve('d-404', 'dismiss-dispute'))).thenRefuses('DISPUTE.NOT_FOUND', [], 'not-found');
  });

  it('refuses to resolve a dispute twice', () => {
    given([...disputedByLead1, event.disputeResolved(lead2, 'd-1', 'dismiss-dispute')])
      .when(by(lead2, command.resolve('d-1', 'reject-claim')))
      .thenRefuses('DISPUTE.ALREADY_RESOLVED', [], 'conflict');
  });

  const twoOpenDisputes: ClaimEvent[] = [
    filed,
    event.sourceAttached(),
    event.reviewStarted(verifier1),
    event.disputeRecorded(verifier1, 'v-1', 'd-1'),
    event.disputed(verifier1, 'd-1'),
    event.disputeRecorded(verifier2, 'v-2', 'd-2'),
    event.disputed(verifier2, 'd-2'),
    event.approved(verifier3, 'v-3'),
    event.approved(lead1, 'v-4'),
  ];

  it('keeps the claim disputed while another dispute is still open', () => {
    given(twoOpenDisputes).when(by(lead2, command.resolve('d-1', 'dismiss-dispute'))).then([event.disputeResolved(lead2, 'd-1', 'dismiss-dispute')]);
    expect(given([...twoOpenDisputes, event.disputeResolved(lead2, 'd-1', 'dismiss-dispute')]).state).toMatchObject({ status: 'disputed' });
  });

  it('rejects the claim even while another dispute is still open', () => {
    given(twoOpenDisputes)
      .when(by(lead2, command.resolve('d-1', 'reject-claim')))
      .then([event.disputeResolved(lead2, 'd-1', 'reject-claim'), event.rejected(lead2, 'd-1')]);
  });

  it('a rejected claim stays rejected when its other open dispute is dismissed', () => {
    const rejected = [...twoOpenDisputes, event.disputeResolved(lead2, 'd-1', 'reject-claim'), event.rejected(lead2, 'd-1')];
    given(rejected).when(by(lead2, command.resolve('d-2', 'dismiss-dispute'))).then([event.disputeResolved(lead2, 'd-2', 'dismiss-dispute')]);
    expect(given([...rejected, event.disputeResolved(lead2, 'd-2', 'dismiss-dispute')]).state).toMatchObject({ status: 'rejected' });
  });
});

describe('confidence grade', () => {
  it('is recorded with the verification that sets it', () => {
    given(onceApproved)
      .when(by(verifier2, command.approve('v-2', 'fair')))
      .then([event.approved(verifier2, 'v-2', 'fair'), event.verified(['u-ver-1', 'u-ver-2'])]);
  });

  it('the last verifier to give a grade wins', () => {
    expect(given([...onceApproved.slice(0, 3), event.approved(verifier1, 'v-1', 'weak'), event.approved(verifier2, 'v-2', 'confirmed')]).state).toMatchObject({
      grade: 'confirmed',
    });
    expect(given([...onceApproved.slice(0, 3), event.approved(verifier1, 'v-1', 'confirmed'), event.disputeRecorded(verifier2, 'v-2', 'd-1', 'contested')]).state).toMatchObject({
      grade: 'contested',
    });
  });

  it('a verification without a grade keeps the last one', () => {
    expect(given([...onceApproved.slice(0, 3), event.approved(verifier1, 'v-1', 'fair'), event.approved(verifier2, 'v-2')]).state).toMatchObject({ grade: 'fair' });
  });

  it('a claim nobody graded has no grade', () => {
    expect(given(onceApproved).state).toMatchObject({ grade: null });
  });
});
