import { Injectable } from '@nestjs/common';
import { claimEventFromStored, isClaimEventType, type ClaimEvent } from '@ledger/domain';
import type { EntityManager } from 'typeorm';
import type { FeedEvent } from '../feed-event.js';
import type { Projection } from '../projection.js';
import { ClaimView } from './claim-view.entity.js';

const CLAIM_STREAM_PREFIX = 'claim-';

/** The claim as readers see it. Protected personal data (witness identities) never lands here. */
@Injectable()
export class ClaimProjection implements Projection {
  readonly name = 'claims';

  canHandle(type: string): boolean {
    return isClaimEventType(type);
  }

  async apply(manager: EntityManager, feed: FeedEvent): Promise<void> {
    const event = claimEventFromStored(feed.type, feed.schemaVersion, feed.payload);
    const id = feed.streamId.slice(CLAIM_STREAM_PREFIX.length);
    if (event.type === 'ClaimFiled') {
      const { claimId, filedBy, ...details } = event.data;
      await manager
        .createQueryBuilder()
        .insert()
        .into(ClaimView)
        .values({
          id: claimId,
          version: feed.version,
          status: 'submitted',
          grade: null,
          victim: details.victim,
          death: details.death,
          place: details.place,
          cause: details.cause,
          perpetrator: details.perpetrator,
          incidentId: details.incidentId ?? null,
          duplicateOf: null,
          testimony: [],
          sources: [],
          verifications: [],
          disputes: [],
          filedBy: filedBy.id,
          filedAt: new Date(feed.occurredAt),
          lastSeq: feed.seq,
        })
        .orIgnore()
        .execute();
      return;
    }
    const claim = await manager.findOneBy(ClaimView, { id });
    if (!claim) throw new Error(`claim ${id} has event ${feed.type} (seq ${feed.seq}) but was never filed`);
    if (feed.version <= claim.version) return;
    change(claim, event, feed);
    claim.version = feed.version;
    claim.lastSeq = feed.seq;
    // One UPDATE of the row we hold (save() would SELECT it again first).
    await manager.createQueryBuilder().update(ClaimView).set(claim as never).where('id = :id', { id }).execute();
  }
}

function change(claim: ClaimView, event: Exclude<ClaimEvent, { type: 'ClaimFiled' }>, feed: FeedEvent): void {
  const at = feed.occurredAt;
  switch (event.type) {
    case 'TestimonyRecorded': {
      const { protected: _protected, recordedBy, ...testimony } = event.data;
      claim.testimony = [...claim.testimony, { ...testimony, recordedBy, recordedAt: at }];
      return;
    }
    case 'SourceAttached': {
      const { attachedBy, ...source } = event.data;
      claim.sources = [...claim.sources, { ...source, attachedBy, attachedAt: at }];
      return;
    }
    case 'ReviewStarted':
      claim.status = 'under-review';
      return;
    case 'VerificationRecorded':
      claim.verifications = [...claim.verifications, { ...event.data, recordedAt: at }];
      if (event.data.grade) claim.grade = event.data.grade;
      return;
    case 'ClaimDisputed':
      claim.status = 'disputed';
      claim.disputes = [...claim.disputes, { disputeId: event.data.disputeId, rationale: event.data.rationale, openedBy: event.data.by, openedAt: at, resolution: null }];
      return;
    case 'DisputeResolved': {
      const { disputeId, ...resolution } = event.data;
      claim.disputes = (claim.disputes as Array<{ disputeId: string; resolution: unknown }>).map((d) =>
        d.disputeId === disputeId ? { ...d, resolution: { ...resolution, resolvedAt: at } } : d,
      );
      const open = (claim.disputes as Array<{ resolution: unknown }>).some((d) => d.resolution === null);
      if (event.data.outcome === 'dismiss-dispute' && !open) claim.status = 'under-review';
      return;
    }
    case 'ClaimVerified':
      claim.status = 'verified';
      return;
    case 'ClaimRejected':
      claim.status = 'rejected';
      return;
    case 'ClaimAmended': {
      const { victim, death, place, cause, perpetrator, incidentId } = event.data.changes;
      if (victim) claim.victim = victim;
      if (death) claim.death = death;
      if (place) claim.place = place;
      if (cause) claim.cause = cause;
      if (perpetrator) claim.perpetrator = perpetrator;
      if (incidentId) claim.incidentId = incidentId;
      return;
    }
    case 'ReturnedToReview':
      claim.status = 'under-review';
      return;
    case 'ClaimRetracted':
      claim.status = 'retracted';
      return;
    case 'ClaimMarkedDuplicate':
      claim.status = 'duplicate';
      claim.duplicateOf = event.data.survivorId;
      return;
    case 'ClaimLinkedToIncident':
      claim.incidentId = event.data.incidentId;
      return;
    default: {
      const unreachable: never = event;
      throw new Error(`claim projection cannot apply ${JSON.stringify(unreachable)}`);
    }
  }
}
