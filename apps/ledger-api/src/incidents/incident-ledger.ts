import { Injectable } from '@nestjs/common';
import { decideIncident, type IncidentCommand, type IncidentEvent, type IncidentState } from '@ledger/domain';
import type { CommandOutcome, CommandResponse } from '@ledger/event-store';
import { AggregateLedger, type AggregateDecisionInput, type AggregateRunOptions } from '../commands/aggregate-ledger.js';
import type { CommandRequest } from '../commands/command-request.js';
import { IncidentStream } from '../streams/incident-stream.js';

/** Incident commands. */
@Injectable()
export class IncidentLedger {
  constructor(private readonly ledger: AggregateLedger) {}

  run(
    request: CommandRequest,
    incidentId: string,
    decide: (input: AggregateDecisionInput<IncidentState>) => Promise<IncidentCommand> | IncidentCommand,
    options: AggregateRunOptions<IncidentState> = {},
  ): Promise<CommandOutcome<CommandResponse>> {
    return this.ledger.run<IncidentState, IncidentEvent>(
      request,
      IncidentStream,
      incidentId,
      async (input) => ({ events: decideIncident(await decide(input), input.state, input.context) }),
      options,
    );
  }
}
