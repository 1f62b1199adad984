import { Command } from '@nestjs/cqrs';
import type { CommandOutcome, CommandResponse } from '@ledger/event-store';
import type { CommandRequest } from '../commands/command-request.js';

/** A command on an incident, carrying its validated request body. */
export abstract class IncidentCommand<Body> extends Command<CommandOutcome<CommandResponse>> {
  constructor(
    readonly request: CommandRequest,
    readonly incidentId: string,
    readonly body: Body,
  ) {
    super();
  }
}
