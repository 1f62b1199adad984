import type { NewEvent, StreamRead } from '@ledger/event-store';

interface DomainEvent {
  type: string;
  schemaVersion: number;
  data: object;
}

/** Replays a stream read from the ledger into an aggregate's state (upcasting old versions). */
export function foldStream<State, Event>(
  stream: StreamRead,
  fromStored: (type: string, schemaVersion: number, payload: object) => Event,
  evolve: (state: State, event: Event) => State,
  initial: State,
): State {
  return stream.events.reduce((state, envelope) => evolve(state, fromStored(envelope.type, envelope.schemaVersion, envelope.payload)), initial);
}

/** A domain event as the ledger stores it. */
export function toNewEvent(event: DomainEvent): NewEvent {
  return { type: event.type, schemaVersion: event.schemaVersion, data: event.data };
}
