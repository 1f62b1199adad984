import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandOutcome } from '@ledger/event-store';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { AttachSourceCommand } from './attach-source.command.js';

@CommandHandler(AttachSourceCommand)
export class AttachSourceHandler implements ICommandHandler<AttachSourceCommand> {
  constructor(private readonly claims: ClaimLedger) {}

  execute({ request, claimId, body }: AttachSourceCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    return this.claims.run(request, claimId, ({ newId }) => ({ command: { type: 'AttachSource', sourceId: newId(), source: body } }));
  }
}
