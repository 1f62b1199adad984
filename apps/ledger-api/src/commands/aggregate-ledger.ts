import { Injectable } from '@nestjs/common';
import { Clock, type CommandContext } from '@ledger/domain';
import { EventStore, VersionMismatchError, type CommandOutcome, type CommandResponse, type LedgerTransaction, type NewEvent } from '@ledger/event-store';
import type { CommandRequest } from './command-request.js';

/** How one kind of aggregate maps onto ledger streams. */
export interface AggregateStream<State, Event> {
  readonly type: string;
  id(aggregateId: string): string;
  load(tx: LedgerTransaction, aggregateId: string): Promise<{ state: State; version: number }>;
  toNewEvent(event: Event): NewEvent;
}

export interface AggregateDecisionInput<State> {
  tx: LedgerTransaction;
  state: State;
  context: CommandContext;
}

export interface AggregateDecision<Event> {
  events: Event[];
  /** Members added to the response beside id, version and eventIds (e.g. disputeId). */
  extras?: Record<string, string>;
}

export interface AggregateRunOptions<State> {
  /** 201 for a creation, 200 otherwise. */
  status?: number;
  /** Other streams the command changes or must see unchanged (locked too, in sorted order). */
  otherStreams?: string[];
  /** Appends to the other streams after the aggregate's own events are decided. */
  alongside?: (input: AggregateDecisionInput<State>) => Promise<void>;
}

/** The shared path of every command on an aggregate: lock, check If-Match, decide, append, answer. */
@Injectable()
export class AggregateLedger {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  run<State, Event>(
    request: CommandRequest,
    stream: AggregateStream<State, Event>,
    aggregateId: string,
    decide: (input: AggregateDecisionInput<State>) => Promise<AggregateDecision<Event>>,
    options: AggregateRunOptions<State> = {},
  ): Promise<CommandOutcome<CommandResponse>> {
    const context: CommandContext = { ...request.context, issuedAt: this.clock.now() };
    const streamId = stream.id(aggregateId);
    return this.store.execute({
      context,
      requestHash: request.requestHash,
      status: options.status ?? 200,
      streamIds: [streamId, ...(options.otherStreams ?? [])],
      decide: async (tx) => {
        const { state, version } = await stream.load(tx, aggregateId);
        if (request.expectedVersion !== undefined && request.expectedVersion !== version) {
          throw new VersionMismatchError(streamId, request.expectedVersion, version);
        }
        const input = { tx, state, context };
        const { events, extras = {} } = await decide(input);
        const appended = events.length > 0 ? tx.append(streamId, stream.type, version, events.map((e) => stream.toNewEvent(e))) : null;
        await options.alongside?.(input);
        return { id: aggregateId, version: appended?.version ?? version, eventIds: appended?.eventIds ?? [], ...extras };
      },
    });
  }
}
