import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { relativeSubject, witnessSubject, type SealedData } from '@ledger/domain';
import type { CommandOutcome } from '@ledger/event-store';
import { sealedValueAad, witnessIdentityAad } from '@ledger/proof';
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

  /**
   * Protected data is sealed before the domain sees it: the witness's identity (and a statement
   * marked sensitive) under the witness's own key, each relative under a new key of their own.
   */
  execute({ request, claimId, body }: RecordTestimonyCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    const { witness, statement, statementSensitive, relatives = [], ...testimony } = body;
    return this.claims.run(request, claimId, async ({ newId, tx }) => {
      const testimonyId = newId();
      const subject = witnessSubject(witness.pseudonym);
      const seal = async (under: string, value: unknown, aad: string): Promise<SealedData> => (await this.vault.seal(under, value, aad, tx)) as SealedData;
      const sealedIdentity = witness.identity ? await seal(subject, witness.identity, witnessIdentityAad(subject, testimonyId)) : undefined;
      const sealedStatement = statementSensitive ? await seal(subject, statement, sealedValueAad('testimony-statement', subject, testimonyId)) : undefined;
      const sealedRelatives: SealedData[] = [];
      for (const relative of relatives) {
        const named = relativeSubject(newId());
        sealedRelatives.push(await seal(named, relative, sealedValueAad('relative', named, testimonyId)));
      }
      return {
        command: {
          type: 'RecordTestimony',
          testimonyId,
          testimony: { ...testimony, ...(sealedStatement ? {} : { statement }), witness: { pseudonym: witness.pseudonym } },
          ...(sealedIdentity ? { sealedWitnessIdentity: sealedIdentity } : {}),
          ...(sealedStatement ? { sealedStatement } : {}),
          ...(sealedRelatives.length > 0 ? { sealedRelatives } : {}),
        },
      };
    });
  }
}
