import { evolveIncident, incidentEventFromStored, initialIncidentState, type IncidentEvent, type IncidentState } from '@ledger/domain';
import type { LedgerTransaction, NewEvent } from '@ledger/event-store';
import { derivedId } from './derived-id.js';
import { foldStream, toNewEvent } from './fold-stream.js';

/** An incident's id comes from its stable code, so a code can name only one incident. */
export const incidentIdFor = (code: string): string => derivedId('incident', code);

export const IncidentStream = {
  type: 'incident',
  id: (incidentId: string): string => `incident-${incidentId}`,

  async load(tx: LedgerTransaction, incidentId: string): Promise<{ state: IncidentState; version: number }> {
    const stream = await tx.readStream(IncidentStream.id(incidentId));
    return { state: foldStream(stream, incidentEventFromStored, evolveIncident, initialIncidentState), version: stream.version };
  },

  toNewEvent: (event: IncidentEvent): NewEvent => toNewEvent(event),
};
