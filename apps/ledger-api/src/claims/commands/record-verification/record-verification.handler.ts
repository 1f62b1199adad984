import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandOutcome } from '@ledger/event-store';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { RecordVerificationCommand } from './record-verification.command.js';

@CommandHandler(RecordVerificationCommand)
export class RecordVerificationHandler implements ICommandHandler<RecordVerificationCommand> {
  constructor(private readonly claims: ClaimLedger) {}

  execute({ request, claimId, body }: RecordVerificationCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    return this.claims.run(request, claimId, ({ newId }) => {
      const disputeId = newId();
      const extras: Record<string, string> = body.verdict === 'dispute' ? { disputeId } : {};
      return {
        command: { type: 'RecordVerification', verificationId: newId(), verdict: body.verdict, rationale: body.rationale, grade: body.grade, disputeId },
        extras,
      };
    });
  }
}
