import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandOutcome } from '@ledger/event-store';
import { ClaimStream, type ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { MarkDuplicateCommand } from './mark-duplicate.command.js';

@CommandHandler(MarkDuplicateCommand)
export class MarkDuplicateHandler implements ICommandHandler<MarkDuplicateCommand> {
  constructor(private readonly claims: ClaimLedger) {}

  execute({ request, claimId, body }: MarkDuplicateCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    const survivorId = body.claimId;
    // The survivor is locked too: it cannot be retracted or merged away while this decides.
    const others = survivorId === claimId ? [] : [ClaimStream.id(survivorId)];
    return this.claims.run(
      request,
      claimId,
      async ({ tx, state }) => ({
        command: {
          type: 'MarkDuplicate',
          survivorId,
          survivor: survivorId === claimId ? state : (await ClaimStream.load(tx, survivorId)).state,
          rationale: body.rationale,
        },
      }),
      { otherStreams: others },
    );
  }
}
