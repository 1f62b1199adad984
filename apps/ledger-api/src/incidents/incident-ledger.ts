import { Injectable } from '@nestjs/common';
import { Clock, decideIncident, type CommandContext, type IncidentCommand, type IncidentState } from '@ledger/domain';
import { EventStore, VersionMismatchError, type CommandOutcome, type CommandResponse, type LedgerTransaction } from '@ledger/event-store';
import type { CommandRequest } from '../commands/command-request.js';
import { IncidentStream } from '../streams/incident-stream.js';

export interface IncidentDecisionInput {
  tx: LedgerTransaction;
  state: IncidentState;
  context: CommandContext;
}

/** The shared path of every incident command: lock, check If-Match, decide, append, answer. */
@Injectable()
export class IncidentLedger {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  run(
    request: CommandRequest,
    incidentId: string,
    decide: (input: IncidentDecisionInput) => Promise<IncidentCommand> | IncidentCommand,
    options: { status?: number; otherStreams?: string[]; alongside?: (input: IncidentDecisionInput) => Promise<void> } = {},
  ): Promise<CommandOutcome<CommandResponse>> {
    const context: CommandContext = { ...request.context, issuedAt: this.clock.now() };
    const streamId = IncidentStream.id(incidentId);
    return this.store.execute({
      context,
      requestHash: request.requestHash,
      status: options.status ?? 200,
      streamIds: [streamId, ...(options.otherStreams ?? [])],
      decide: async (tx) => {
        const { state, version } = await IncidentStream.load(tx, incidentId);
        if (request.expectedVersion !== undefined && request.expectedVersion !== version) {
          throw new VersionMismatchError(streamId, request.expectedVersion, version);
        }
        const input = { tx, state, context };
        const events = decideIncident(await decide(input), state, context);
        const appended = events.length > 0 ? tx.append(streamId, IncidentStream.type, version, events.map(IncidentStream.toNewEvent)) : null;
        await options.alongside?.(input);
        return { id: incidentId, version: appended?.version ?? version, eventIds: appended?.eventIds ?? [] };
      },
    });
  }
}
