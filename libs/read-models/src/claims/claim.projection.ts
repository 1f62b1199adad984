import { Injectable } from '@nestjs/common';
import { claimEventFromStored } from '@ledger/domain';
import type { EntityManager } from 'typeorm';
import type { FeedEvent } from '../feed-event.js';
import type { Projection } from '../projection.js';
import { ClaimView } from './claim-view.entity.js';

const HANDLED = new Set<string>(['ClaimFiled']);

@Injectable()
export class ClaimProjection implements Projection {
  readonly name = 'claims';

  canHandle(type: string): boolean {
    return HANDLED.has(type);
  }

  async apply(manager: EntityManager, event: FeedEvent): Promise<void> {
    const claimEvent = claimEventFromStored(event.type, event.schemaVersion, event.payload);
    switch (claimEvent.type) {
      case 'ClaimFiled': {
        const { claimId, filedBy: _filedBy, ...details } = claimEvent.data;
        await manager
          .createQueryBuilder()
          .insert()
          .into(ClaimView)
          .values({
            id: claimId,
            version: event.version,
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
            filedBy: event.actor.id,
            filedAt: new Date(event.occurredAt),
            lastSeq: event.seq,
          })
          .orIgnore()
          .execute();
        return;
      }
      default: {
        const unreachable: never = claimEvent.type;
        throw new Error(`claim projection cannot apply ${String(unreachable)}`);
      }
    }
  }
}
