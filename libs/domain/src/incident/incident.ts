import type { Actor } from '../shared/actor.js';
import type { CommandContext } from '../shared/command-context.js';
import { DomainError, type FieldProblem } from '../shared/domain-error.js';
import { checkFuzzyDate, checkPlace } from '../claim/claim.rules.js';
import type { FuzzyDate, Place, SourceDetails } from '../claim/claim.types.js';
import type { Cause } from '../claim/claim.vocabulary.js';

/** A reported figure: "at least 52" is { min: 52, max: null }; an exact one has min = max. */
export interface ReportedRange {
  min: number;
  max: number | null;
}

export interface ReportedTotals {
  killed?: ReportedRange;
  children?: ReportedRange;
  women?: ReportedRange;
  injured?: ReportedRange;
}

export interface IncidentDetails extends FuzzyDate {
  code: string;
  place: Place;
  attackType: Cause;
  perpetrator?: string;
  narrative: string;
  reported?: ReportedTotals;
}

export type IncidentEvent =
  | { type: 'IncidentRecorded'; schemaVersion: 1; data: IncidentDetails & { incidentId: string; recordedBy: Actor } }
  | { type: 'IncidentClaimsLinked'; schemaVersion: 1; data: { claimIds: string[]; by: Actor } }
  | { type: 'IncidentSourceAttached'; schemaVersion: 1; data: SourceDetails & { sourceId: string; attachedBy: Actor } };

export type IncidentState =
  | { exists: false }
  | { exists: true; id: string; code: string; claimIds: readonly string[]; sources: number };

export const initialIncidentState: IncidentState = { exists: false };

export type IncidentCommand =
  | { type: 'RecordIncident'; incidentId: string; details: IncidentDetails; knownPerpetrators: ReadonlySet<string> }
  | { type: 'LinkClaims'; claimIds: string[] }
  | { type: 'AttachIncidentSource'; sourceId: string; source: SourceDetails };

export const IncidentErrors = {
  notFound: (id: string) => new DomainError('INCIDENT.NOT_FOUND', 'not-found', `incident ${id} does not exist`),
  codeTaken: (code: string) => new DomainError('INCIDENT.CODE_TAKEN', 'conflict', `an incident with code ${code} already exists`),
};

export const INCIDENT_EVENT_TYPES: ReadonlyArray<IncidentEvent['type']> = ['IncidentRecorded', 'IncidentClaimsLinked', 'IncidentSourceAttached'];

export function incidentEventFromStored(type: string, schemaVersion: number, payload: object): IncidentEvent {
  if (!(INCIDENT_EVENT_TYPES as readonly string[]).includes(type)) throw new Error(`${type} is not an incident event`);
  if (schemaVersion !== 1) throw new Error(`${type} schema version ${schemaVersion} is unknown`);
  return { type, schemaVersion, data: payload } as IncidentEvent;
}

export function evolveIncident(state: IncidentState, event: IncidentEvent): IncidentState {
  switch (event.type) {
    case 'IncidentRecorded':
      return { exists: true, id: event.data.incidentId, code: event.data.code, claimIds: [], sources: 0 };
    case 'IncidentClaimsLinked':
      return state.exists ? { ...state, claimIds: [...new Set([...state.claimIds, ...event.data.claimIds])] } : state;
    case 'IncidentSourceAttached':
      return state.exists ? { ...state, sources: state.sources + 1 } : state;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function checkReported(reported: ReportedTotals | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [name, range] of Object.entries(reported ?? {}) as Array<[keyof ReportedTotals, ReportedRange | undefined]>) {
    if (range && range.max !== null && range.max < range.min) problems.push({ path: `/reported/${name}/max`, message: 'must not be below min' });
  }
  const killed = reported?.killed;
  for (const part of ['children', 'women'] as const) {
    const range = reported?.[part];
    if (killed?.max != null && range && range.min > killed.max) {
      problems.push({ path: `/reported/${part}/min`, message: 'cannot exceed the number killed' });
    }
  }
  return problems;
}

export function decideIncident(command: IncidentCommand, state: IncidentState, context: CommandContext): IncidentEvent[] {
  const by = context.actor;
  switch (command.type) {
    case 'RecordIncident': {
      if (state.exists) throw IncidentErrors.codeTaken(command.details.code);
      const { details } = command;
      const problems = [
        ...checkFuzzyDate(details, '', context.issuedAt.toISOString().slice(0, 10)),
        ...checkPlace(details.place, '/place'),
        ...checkReported(details.reported),
      ];
      if (details.perpetrator !== undefined && !command.knownPerpetrators.has(details.perpetrator)) {
        problems.push({ path: '/perpetrator', message: 'is not a code from GET /perpetrators' });
      }
      if (problems.length > 0) throw DomainError.invalid('INCIDENT.INVALID', problems);
      return [{ type: 'IncidentRecorded', schemaVersion: 1, data: { incidentId: command.incidentId, ...details, recordedBy: by } }];
    }
    case 'LinkClaims': {
      if (!state.exists) throw new DomainError('INCIDENT.NOT_FOUND', 'not-found', 'the incident does not exist');
      const fresh = [...new Set(command.claimIds)].filter((id) => !state.claimIds.includes(id));
      return fresh.length === 0 ? [] : [{ type: 'IncidentClaimsLinked', schemaVersion: 1, data: { claimIds: fresh, by } }];
    }
    case 'AttachIncidentSource': {
      if (!state.exists) throw new DomainError('INCIDENT.NOT_FOUND', 'not-found', 'the incident does not exist');
      return [{ type: 'IncidentSourceAttached', schemaVersion: 1, data: { sourceId: command.sourceId, ...command.source, attachedBy: by } }];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled incident command ${JSON.stringify(unreachable)}`);
    }
  }
}
