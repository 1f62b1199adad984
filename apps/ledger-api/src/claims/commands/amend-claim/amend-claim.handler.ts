import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ClaimErrors, refuseIfClosed, victimSubject, type ClaimDetails, type SealedData } from '@ledger/domain';
import { victimNameAad } from '@ledger/proof';
import { DataKeyVault } from '@ledger/protection';
import type { CommandOutcome } from '@ledger/event-store';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { AmendClaimCommand } from './amend-claim.command.js';

@CommandHandler(AmendClaimCommand)
export class AmendClaimHandler implements ICommandHandler<AmendClaimCommand> {
  constructor(
    private readonly claims: ClaimLedger,
    private readonly vault: DataKeyVault,
  ) {}

  /** A new victim name is sealed under victim:<claimId> (value key bound to this amendment) before the domain decides. */
  execute({ request, claimId, body }: AmendClaimCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    return this.claims.run(request, claimId, async ({ knownPerpetrators, state, tx, newId }) => {
      const changes = { ...body.changes } as Partial<ClaimDetails>; // a copy: a race re-runs this decision
      const amendmentId = newId();
      let sealedVictimName: SealedData | undefined;
      if (changes.victim?.name !== undefined) {
        // No key is made, or asked of an erased victim, for a claim that accepts nothing more.
        if (!state.exists) throw ClaimErrors.notFound(claimId);
        refuseIfClosed(state);
        const { name, ...victim } = changes.victim;
        const subject = victimSubject(claimId);
        sealedVictimName = (await this.vault.sealUnderValueKey(subject, name, victimNameAad(subject, amendmentId), tx)) as SealedData;
        changes.victim = victim;
      }
      return {
        command: {
          type: 'AmendClaim',
          amendmentId,
          changes,
          ...(sealedVictimName ? { sealedVictimName } : {}),
          reason: body.reason,
          knownPerpetrators: await knownPerpetrators([body.changes.perpetrator]),
        },
      };
    });
  }
}
