import type { Actor } from '../shared/actor.js';
import type { CommandContext } from '../shared/command-context.js';
import { DomainError } from '../shared/domain-error.js';
import { INITIAL_PERPETRATORS } from '../claim/claim.vocabulary.js';

/** The managed list of alleged perpetrators: the seed of API.md plus what admins add. */
export type PerpetratorEvent = { type: 'PerpetratorAdded'; schemaVersion: 1; data: { code: string; name: string; by: Actor } };

export interface Perpetrator {
  code: string;
  name: string;
}

export type PerpetratorListState = readonly Perpetrator[];

export const initialPerpetratorList: PerpetratorListState = INITIAL_PERPETRATORS;

export function perpetratorEventFromStored(type: string, schemaVersion: number, payload: object): PerpetratorEvent {
  if (type !== 'PerpetratorAdded' || schemaVersion !== 1) throw new Error(`${type} v${schemaVersion} is not a perpetrator list event`);
  return { type, schemaVersion, data: payload } as PerpetratorEvent;
}

export function evolvePerpetratorList(state: PerpetratorListState, event: PerpetratorEvent): PerpetratorListState {
  return [...state, { code: event.data.code, name: event.data.name }];
}

export function decidePerpetratorList(
  command: { type: 'AddPerpetrator'; code: string; name: string },
  state: PerpetratorListState,
  context: CommandContext,
): PerpetratorEvent[] {
  if (state.some((p) => p.code === command.code)) {
    throw new DomainError('PERPETRATOR.EXISTS', 'conflict', `the list already has ${command.code}`);
  }
  return [{ type: 'PerpetratorAdded', schemaVersion: 1, data: { code: command.code, name: command.name, by: context.actor } }];
}
