import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ClaimErrors, DomainError, refuseIfClosed, victimSubject, type SealedData } from '@ledger/domain';
import type { CommandOutcome } from '@ledger/event-store';
import { sealedValueAad } from '@ledger/proof';
import { DataKeyVault } from '@ledger/protection';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { RecordVictimDetailsCommand } from './record-victim-details.command.js';

@CommandHandler(RecordVictimDetailsCommand)
export class RecordVictimDetailsHandler implements ICommandHandler<RecordVictimDetailsCommand> {
  constructor(
    private readonly claims: ClaimLedger,
    private readonly vault: DataKeyVault,
  ) {}

  /** Sealed under the victim's key before the domain sees it; an erased victim's details are never recorded again. */
  execute({ request, claimId, body }: RecordVictimDetailsCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    if (Object.keys(body).length === 0) throw DomainError.invalid('CLAIM.INVALID', [{ path: '', message: 'must hold familyContact, medical or note' }]);
    return this.claims.run(request, claimId, async ({ state, newId, tx }) => {
      // No key is made for a claim that does not exist or accepts nothing more.
      if (!state.exists) throw ClaimErrors.notFound(claimId);
      refuseIfClosed(state);
      const detailsId = newId();
      const subject = victimSubject(claimId);
      const sealedDetails = (await this.vault.seal(subject, body, sealedValueAad('victim-details', subject, detailsId), tx)) as SealedData;
      return { command: { type: 'RecordVictimDetails', detailsId, sealedDetails }, extras: { detailsId } };
    });
  }
}
