import { Command } from '@nestjs/cqrs';
import type { ClaimDetails } from '@ledger/domain';
import type { CommandOutcome } from '@ledger/event-store';
import type { CommandRequest } from '../../../commands/command-request.js';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';

export class FileClaimCommand extends Command<CommandOutcome<ClaimCommandResponse>> {
  constructor(
    readonly request: CommandRequest,
    readonly details: ClaimDetails,
  ) {
    super();
  }
}
