import type { Actor } from '../shared/actor.js';
import type { CommandContext } from '../shared/command-context.js';
import { DomainError } from '../shared/domain-error.js';

/**
 * A data subject: a person whose protected personal data the ledger holds sealed under their own
 * key (a witness, by pseudonym). Every reading of their data in plaintext, and their erasure, is
 * an event of their own stream.
 */
export const witnessSubject = (pseudonym: string): string => `witness:${pseudonym}`;

export type DataSubjectEvent =
  | {
      type: 'ProtectedDataDisclosed';
      schemaVersion: 1;
      data: { subject: string; claimId: string; testimonyId: string; purpose: string; disclosedTo: Actor };
    }
  | { type: 'PersonalDataErased'; schemaVersion: 1; data: { subject: string; reason: string; by: Actor } };

export const DATA_SUBJECT_EVENT_TYPES: ReadonlyArray<DataSubjectEvent['type']> = ['ProtectedDataDisclosed', 'PersonalDataErased'];

export type DataSubjectState = { erased: false; disclosures: number } | { erased: true; disclosures: number; erasedAt: string };

export const initialDataSubjectState: DataSubjectState = { erased: false, disclosures: 0 };

export type DataSubjectCommand =
  | { type: 'Disclose'; subject: string; claimId: string; testimonyId: string; purpose: string }
  | { type: 'Erase'; subject: string; reason: string };

export const DataSubjectErrors = {
  erased: (subject: string) => new DomainError('PERSONAL_DATA.ERASED', 'conflict', `the personal data of ${subject} was erased: it can no longer be read`),
};

export function dataSubjectEventFromStored(type: string, schemaVersion: number, payload: object): DataSubjectEvent {
  if (!(DATA_SUBJECT_EVENT_TYPES as readonly string[]).includes(type)) throw new Error(`${type} is not a data subject event`);
  if (schemaVersion !== 1) throw new Error(`${type} schema version ${schemaVersion} is unknown`);
  return { type, schemaVersion, data: payload } as DataSubjectEvent;
}

export function evolveDataSubject(state: DataSubjectState, event: DataSubjectEvent, recordedAt = ''): DataSubjectState {
  switch (event.type) {
    case 'ProtectedDataDisclosed':
      return { ...state, disclosures: state.disclosures + 1 };
    case 'PersonalDataErased':
      return { erased: true, disclosures: state.disclosures, erasedAt: recordedAt };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** Nothing of an erased subject is disclosed again, and erasure happens once. */
export function decideDataSubject(command: DataSubjectCommand, state: DataSubjectState, context: CommandContext): DataSubjectEvent[] {
  if (state.erased) throw DataSubjectErrors.erased(command.subject);
  switch (command.type) {
    case 'Disclose':
      return [
        {
          type: 'ProtectedDataDisclosed',
          schemaVersion: 1,
          data: { subject: command.subject, claimId: command.claimId, testimonyId: command.testimonyId, purpose: command.purpose, disclosedTo: context.actor },
        },
      ];
    case 'Erase':
      return [{ type: 'PersonalDataErased', schemaVersion: 1, data: { subject: command.subject, reason: command.reason, by: context.actor } }];
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled data subject command ${JSON.stringify(unreachable)}`);
    }
  }
}
