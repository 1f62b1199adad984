import { claimEventFromStored, type ClaimEvent } from '@ledger/domain';

interface Envelope {
  seq?: number;
  version: number;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  actor: { id: string; role: string };
  payload: object;
}

export interface TimelineEntry {
  seq: number | null;
  version: number;
  type: string;
  recordedAt: string;
  occurredAt: string;
  actor: { id: string; role: string };
  summary: string;
  changes?: Array<{ field: string; from: unknown; to: unknown }>;
  /** Where to fetch the proof that this event is in the log (absent until it is sequenced and in the tree). */
  inclusionProof?: string;
}

/**
 * The history as a person reads it: who (opaque id and role), when, what changed, and the link
 * to the proof. It sits beside the envelopes, never inside them; witness identities never appear.
 */
export function claimTimeline(served: string[], treeSize: number): TimelineEntry[] {
  return served.map((text) => {
    const envelope = JSON.parse(text) as Envelope;
    const event = claimEventFromStored(envelope.type, envelope.schemaVersion, envelope.payload);
    const seq = envelope.seq ?? null;
    return {
      seq,
      version: envelope.version,
      type: envelope.type,
      recordedAt: envelope.recordedAt,
      occurredAt: envelope.occurredAt,
      actor: envelope.actor,
      ...describe(event),
      ...(seq !== null && seq <= treeSize ? { inclusionProof: `/ledger/proofs/inclusion?seq=${seq}&size=${treeSize}` } : {}),
    };
  });
}

function describe(event: ClaimEvent): Pick<TimelineEntry, 'summary' | 'changes'> {
  switch (event.type) {
    case 'ClaimFiled':
      return { summary: `filed the claim (${event.data.cause}, ${event.data.perpetrator}, ${event.data.place.governorate})` };
    case 'TestimonyRecorded': {
      const relatives = event.data.protected.relatives?.length ?? 0;
      const sealed = [event.data.protected.statement ? 'statement sealed' : '', relatives > 0 ? `${relatives} relative(s) named, sealed` : ''].filter(Boolean);
      return {
        summary: `recorded testimony of witness ${event.data.witness.pseudonym} (${event.data.relation}, consent: ${event.data.consent}${sealed.map((s) => `; ${s}`).join('')})`,
      };
    }
    case 'SourceAttached':
      return { summary: `attached a ${event.data.type} from ${event.data.publisher} (reliability ${event.data.reliability})` };
    case 'ReviewStarted':
      return { summary: 'review started' };
    case 'VerificationRecorded':
      return {
        summary: event.data.verdict === 'approve' ? `approved${event.data.grade ? ` (grade ${event.data.grade})` : ''}` : `disputed${event.data.grade ? ` (grade ${event.data.grade})` : ''}`,
      };
    case 'ClaimDisputed':
      return { summary: `dispute ${event.data.disputeId} opened` };
    case 'DisputeResolved':
      return { summary: `dispute ${event.data.disputeId} resolved: ${event.data.outcome}` };
    case 'ClaimVerified':
      return { summary: `verified with ${event.data.approvedBy.length} approvals (policy: ${event.data.requiredApprovals})` };
    case 'ClaimRejected':
      return { summary: `rejected on dispute ${event.data.disputeId}` };
    case 'ClaimAmended': {
      const changes = Object.keys(event.data.changes).map((field) => ({
        field,
        from: (event.data.previous as Record<string, unknown>)[field] ?? null,
        to: (event.data.changes as Record<string, unknown>)[field],
      }));
      return { summary: `amended ${changes.map((c) => c.field).join(', ')}: ${event.data.reason}`, changes };
    }
    case 'ReturnedToReview':
      return { summary: 'returned to review after an amendment' };
    case 'ClaimRetracted':
      return { summary: `retracted: ${event.data.reason}` };
    case 'ClaimMarkedDuplicate':
      return { summary: `marked a duplicate of claim ${event.data.survivorId}` };
    case 'ClaimLinkedToIncident':
      return { summary: `linked to incident ${event.data.incidentId}` };
    case 'VictimDetailsRecorded':
      return { summary: `recorded protected details of the victim (sealed under ${event.data.protected.victimDetails.subject})` };
    case 'VictimFoundAlive':
      return { summary: `the victim was found alive: claim closed, name withdrawn from the read models, protected details erased` };
    default: {
      const unreachable: never = event;
      return { summary: String((unreachable as { type: string }).type) };
    }
  }
}
