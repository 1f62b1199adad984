import { Injectable } from '@nestjs/common';
import { INCIDENT_EVENT_TYPES, incidentEventFromStored, type IncidentEvent } from '@ledger/domain';
import type { EntityManager } from 'typeorm';
import type { FeedEvent } from '../feed-event.js';
import { UnappliableEventError, type Projection } from '../projection.js';
import { IncidentView } from './incident-view.entity.js';

const INCIDENT_STREAM_PREFIX = 'incident-';

/** Incidents (massacres) as readers list them. Few events: one statement per event is plenty. */
@Injectable()
export class IncidentProjection implements Projection {
  readonly name = 'incidents';
  readonly version = 1;
  readonly tables = ['incident_view'] as const;

  canHandle(type: string): boolean {
    return (INCIDENT_EVENT_TYPES as readonly string[]).includes(type);
  }

  async applyBatch(manager: EntityManager, events: FeedEvent[]): Promise<void> {
    for (const feed of events) {
      try {
        await this.apply(manager, feed, incidentEventFromStored(feed.type, feed.schemaVersion, feed.payload));
      } catch (error) {
        throw new UnappliableEventError(this.name, feed, error);
      }
    }
  }

  private async apply(manager: EntityManager, feed: FeedEvent, event: IncidentEvent): Promise<void> {
    const id = feed.streamId.slice(INCIDENT_STREAM_PREFIX.length);
    if (event.type === 'IncidentRecorded') {
      const { incidentId, recordedBy, code, date, from, to, precision, place, attackType, perpetrator, narrative, reported } = event.data;
      if (incidentId !== id) throw new Error(`stream ${feed.streamId} records incident ${incidentId}`);
      await manager
        .createQueryBuilder()
        .insert()
        .into(IncidentView)
        .values({
          id,
          version: feed.version,
          code,
          date: date ?? null,
          dateFrom: from ?? null,
          dateTo: to ?? null,
          precision,
          place,
          governorate: place.governorate,
          attackType,
          perpetrator: perpetrator ?? null,
          narrative,
          reported: reported ?? {},
          claimIds: [],
          sources: [],
          recordedBy: recordedBy.id,
          recordedSeq: feed.seq,
          lastSeq: feed.seq,
        })
        .orIgnore()
        .execute();
      return;
    }
    const incident = await manager.findOneBy(IncidentView, { id });
    if (!incident) throw new Error('the incident was never recorded');
    if (feed.version <= incident.version) return;
    if (feed.version !== incident.version + 1) throw new Error(`version ${feed.version} does not follow version ${incident.version}`);
    switch (event.type) {
      case 'IncidentClaimsLinked':
        incident.claimIds = [...new Set([...incident.claimIds, ...event.data.claimIds])];
        break;
      case 'IncidentSourceAttached': {
        const { attachedBy, ...source } = event.data;
        incident.sources = [...incident.sources, { ...source, attachedBy, attachedAt: feed.occurredAt }];
        break;
      }
      default: {
        const unreachable: never = event;
        throw new Error(`unknown incident event ${JSON.stringify(unreachable)}`);
      }
    }
    await manager.query(`UPDATE incident_view SET version = $2, last_seq = $3, claim_ids = $4::jsonb, sources = $5::jsonb WHERE id = $1`, [
      id,
      feed.version,
      feed.seq,
      JSON.stringify(incident.claimIds),
      JSON.stringify(incident.sources),
    ]);
  }
}
