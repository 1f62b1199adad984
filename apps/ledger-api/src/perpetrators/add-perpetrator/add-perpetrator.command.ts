import { Command } from '@nestjs/cqrs';
import type { CommandOutcome, CommandResponse } from '@ledger/event-store';
import type { CommandRequest } from '../../commands/command-request.js';
import type { AddPerpetratorDto } from './add-perpetrator.dto.js';

export class AddPerpetratorCommand extends Command<CommandOutcome<CommandResponse>> {
  constructor(
    readonly request: CommandRequest,
    readonly body: AddPerpetratorDto,
  ) {
    super();
  }
}
