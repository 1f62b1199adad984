import { Command } from '@nestjs/cqrs';
import type { CommandOutcome } from '@ledger/event-store';
import type { CommandRequest } from '../../commands/command-request.js';
import type { ClaimCommandResponse } from '../../streams/claim-stream.js';

/** A command on one existing claim, carrying its validated request body. */
export abstract class ClaimCommand<Body> extends Command<CommandOutcome<ClaimCommandResponse>> {
  constructor(
    readonly request: CommandRequest,
    readonly claimId: string,
    readonly body: Body,
  ) {
    super();
  }
}
