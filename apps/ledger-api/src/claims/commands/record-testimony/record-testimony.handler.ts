import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { witnessSubject, type SealedData } from '@ledger/domain';
import type { CommandOutcome } from '@ledger/event-store';
import { witnessIdentityAad } from '@ledger/proof';
import { DataKeyVault } from '@ledger/protection';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { RecordTestimonyCommand } from './record-testimony.command.js';

@CommandHandler(RecordTestimonyCommand)
export class RecordTestimonyHandler implements ICommandHandler<RecordTestimonyCommand> {
  constructor(
    private readonly claims: ClaimLedger,
    private readonly vault: DataKeyVault,
  ) {}

  /** The witness's identity is sealed under the witness's own key before the domain sees it. */
  execute({ request, claimId, body }: RecordTestimonyCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    const { witness, ...testimony } = body;
    return this.claims.run(request, claimId, async ({ newId }) => {
      const testimonyId = newId();
      const subject = witnessSubject(witness.pseudonym);
      const sealed = witness.identity ? ((await this.vault.seal(subject, witness.identity, witnessIdentityAad(subject, testimonyId))) as SealedData) : undefined;
      return {
        command: {
          type: 'RecordTestimony',
          testimonyId,
          testimony: { ...testimony, witness: { pseudonym: witness.pseudonym } },
          ...(sealed ? { sealedWitnessIdentity: sealed } : {}),
        },
      };
    });
  }
}
