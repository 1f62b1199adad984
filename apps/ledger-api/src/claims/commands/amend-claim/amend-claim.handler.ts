import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ClaimDetails } from '@ledger/domain';
import type { CommandOutcome } from '@ledger/event-store';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { AmendClaimCommand } from './amend-claim.command.js';

@CommandHandler(AmendClaimCommand)
export class AmendClaimHandler implements ICommandHandler<AmendClaimCommand> {
  constructor(private readonly claims: ClaimLedger) {}

  execute({ request, claimId, body }: AmendClaimCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    return this.claims.run(request, claimId, async ({ knownPerpetrators }) => ({
      command: { type: 'AmendClaim', changes: body.changes as Partial<ClaimDetails>, reason: body.reason, knownPerpetrators: await knownPerpetrators([body.changes.perpetrator]) },
    }));
  }
}
