import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandOutcome } from '@ledger/event-store';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { RetractClaimCommand } from './retract-claim.command.js';

@CommandHandler(RetractClaimCommand)
export class RetractClaimHandler implements ICommandHandler<RetractClaimCommand> {
  constructor(private readonly claims: ClaimLedger) {}

  execute({ request, claimId, body }: RetractClaimCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    return this.claims.run(request, claimId, () => ({ command: { type: 'RetractClaim', reason: body.reason } }));
  }
}
