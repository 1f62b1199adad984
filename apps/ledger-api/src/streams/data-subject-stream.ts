import { createHash } from 'node:crypto';
import { dataSubjectEventFromStored, evolveDataSubject, initialDataSubjectState, type DataSubjectEvent, type DataSubjectState } from '@ledger/domain';
import type { LedgerTransaction, NewEvent } from '@ledger/event-store';
import { toNewEvent } from './fold-stream.js';

/**
 * A data subject's own stream: every disclosure of their data, and their erasure. The stream id
 * is a digest of the subject, so a pseudonym never becomes part of a stream id.
 */
export const DataSubjectStream = {
  type: 'data-subject',
  id: (subject: string): string => `data-subject-${createHash('sha256').update(subject).digest('hex').slice(0, 32)}`,

  async load(tx: LedgerTransaction, subject: string): Promise<{ state: DataSubjectState; version: number }> {
    const stream = await tx.readStream(DataSubjectStream.id(subject));
    const state = stream.events.reduce(
      (current, envelope) => evolveDataSubject(current, dataSubjectEventFromStored(envelope.type, envelope.schemaVersion, envelope.payload), envelope.recordedAt),
      initialDataSubjectState,
    );
    return { state, version: stream.version };
  },

  toNewEvent: (event: DataSubjectEvent): NewEvent => toNewEvent(event),
};
