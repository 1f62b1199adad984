import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandOutcome } from '@ledger/event-store';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { RecordTestimonyCommand } from './record-testimony.command.js';

@CommandHandler(RecordTestimonyCommand)
export class RecordTestimonyHandler implements ICommandHandler<RecordTestimonyCommand> {
  constructor(private readonly claims: ClaimLedger) {}

  execute({ request, claimId, body }: RecordTestimonyCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    const { witness, ...testimony } = body;
    return this.claims.run(request, claimId, ({ newId }) => ({
      command: {
        type: 'RecordTestimony',
        testimonyId: newId(),
        testimony: { ...testimony, witness: { pseudonym: witness.pseudonym } },
        witnessIdentity: witness.identity,
      },
    }));
  }
}
