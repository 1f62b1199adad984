import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandOutcome } from '@ledger/event-store';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { ResolveDisputeCommand } from './resolve-dispute.command.js';

@CommandHandler(ResolveDisputeCommand)
export class ResolveDisputeHandler implements ICommandHandler<ResolveDisputeCommand> {
  constructor(private readonly claims: ClaimLedger) {}

  execute({ request, claimId, body }: ResolveDisputeCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    return this.claims.run(request, claimId, () => ({
      command: { type: 'ResolveDispute', disputeId: body.disputeId, outcome: body.outcome, rationale: body.rationale },
    }));
  }
}
