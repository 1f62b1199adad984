import type { Actor } from '../shared/actor.js';
import type { CommandContext } from '../shared/command-context.js';
import { DomainError } from '../shared/domain-error.js';

/**
 * A data subject: a person whose protected personal data the ledger holds sealed under their own
 * key. A witness (by pseudonym), a relative named in testimony (by a random id), or a victim
 * (by claim: the contacts and medical details recorded about them). Every reading of their data
 * in plaintext, and their erasure, is an event of their own stream.
 */
export const witnessSubject = (pseudonym: string): string => `witness:${pseudonym}`;
export const relativeSubject = (relativeId: string): string => `relative:${relativeId}`;
export const victimSubject = (claimId: string): string => `victim:${claimId}`;

export type DataSubjectKind = 'witness' | 'relative' | 'victim';

const WITNESS = /^witness:\S.{0,199}$/u;
const BY_UUID = /^(relative|victim):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The kind and id of a subject name, or null when it names no data subject the ledger keeps. */
export function parseDataSubject(subject: string): { kind: DataSubjectKind; id: string } | null {
  if (WITNESS.test(subject)) return { kind: 'witness', id: subject.slice('witness:'.length) };
  const match = BY_UUID.exec(subject);
  return match ? { kind: match[1] as DataSubjectKind, id: match[2] } : null;
}

/**
 * Where a sealed value sits in a claim's stream, as disclosures record it: the witness identity,
 * sealed statement or one relative of a testimony, or one record of a victim's details.
 */
export const protectedItem = {
  witnessIdentity: (testimonyId: string): string => `testimony/${testimonyId}/witness-identity`,
  statement: (testimonyId: string): string => `testimony/${testimonyId}/statement`,
  relative: (testimonyId: string): string => `testimony/${testimonyId}/relative`,
  victimDetails: (detailsId: string): string => `victim-details/${detailsId}`,
};

/** Schema version 1 disclosed one witness identity, named by its testimony. */
export interface ProtectedDataDisclosedV1 {
  subject: string;
  claimId: string;
  testimonyId: string;
  purpose: string;
  disclosedTo: Actor;
}

export type DataSubjectEvent =
  | {
      type: 'ProtectedDataDisclosed';
      schemaVersion: 2;
      /** `items`: every sealed value of the subject that was opened (protectedItem locators). */
      data: { subject: string; claimId: string; items: string[]; purpose: string; disclosedTo: Actor };
    }
  | { type: 'PersonalDataErased'; schemaVersion: 1; data: { subject: string; reason: string; by: Actor } };

export const DATA_SUBJECT_EVENT_TYPES: ReadonlyArray<DataSubjectEvent['type']> = ['ProtectedDataDisclosed', 'PersonalDataErased'];

export const DATA_SUBJECT_EVENT_VERSIONS: Readonly<Record<DataSubjectEvent['type'], number>> = { ProtectedDataDisclosed: 2, PersonalDataErased: 1 };

export type DataSubjectState = { erased: false; disclosures: number } | { erased: true; disclosures: number; erasedAt: string };

export const initialDataSubjectState: DataSubjectState = { erased: false, disclosures: 0 };

export type DataSubjectCommand =
  | { type: 'Disclose'; subject: string; claimId: string; items: string[]; purpose: string }
  | { type: 'Erase'; subject: string; reason: string };

export const DataSubjectErrors = {
  erased: (subject: string) => new DomainError('PERSONAL_DATA.ERASED', 'conflict', `the personal data of ${subject} was erased: it can no longer be read`),
  nothingHeld: (subject: string) => new DomainError('PERSONAL_DATA.NOT_FOUND', 'not-found', `the claim holds no protected data of ${subject}`),
};

/** ProtectedDataDisclosed v1 read as v2: its one item is the witness identity of its testimony. */
export function upcastProtectedDataDisclosedV1(data: ProtectedDataDisclosedV1): Extract<DataSubjectEvent, { type: 'ProtectedDataDisclosed' }>['data'] {
  return { subject: data.subject, claimId: data.claimId, items: [protectedItem.witnessIdentity(data.testimonyId)], purpose: data.purpose, disclosedTo: data.disclosedTo };
}

export function dataSubjectEventFromStored(type: string, schemaVersion: number, payload: object): DataSubjectEvent {
  if (!(DATA_SUBJECT_EVENT_TYPES as readonly string[]).includes(type)) throw new Error(`${type} is not a data subject event`);
  if (type === 'ProtectedDataDisclosed' && schemaVersion === 1) {
    return { type, schemaVersion: 2, data: upcastProtectedDataDisclosedV1(payload as ProtectedDataDisclosedV1) };
  }
  if (schemaVersion !== DATA_SUBJECT_EVENT_VERSIONS[type as DataSubjectEvent['type']]) throw new Error(`${type} schema version ${schemaVersion} is unknown`);
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
      if (command.items.length === 0) throw DataSubjectErrors.nothingHeld(command.subject);
      return [
        {
          type: 'ProtectedDataDisclosed',
          schemaVersion: 2,
          data: { subject: command.subject, claimId: command.claimId, items: [...command.items], purpose: command.purpose, disclosedTo: context.actor },
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
