import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideIncident, DomainError, victimSubject, type SealedData } from '@ledger/domain';
import { victimNameAad } from '@ledger/proof';
import { DataKeyVault } from '@ledger/protection';
import type { CommandOutcome } from '@ledger/event-store';
import { claimIdFor, type ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { IncidentStream } from '../../../streams/incident-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { FileClaimCommand } from './file-claim.command.js';

@CommandHandler(FileClaimCommand)
export class FileClaimHandler implements ICommandHandler<FileClaimCommand> {
  constructor(
    private readonly claims: ClaimLedger,
    private readonly vault: DataKeyVault,
  ) {}

  execute({ request, details }: FileClaimCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    const claimId = claimIdFor(request.context.commandId);
    const { incidentId } = details;
    return this.claims.run(
      request,
      claimId,
      async ({ knownPerpetrators, state, tx }) => {
        // The victim's name is sealed under victim:<claimId> before the domain sees it; its key is
        // created in this transaction, so it commits (or not) with the ClaimFiled that uses it.
        const { name, ...victim } = details.victim;
        const subject = victimSubject(claimId);
        const sealedVictimName =
          name !== undefined && !state.exists ? ((await this.vault.sealUnderValueKey(subject, name, victimNameAad(subject, claimId), tx)) as SealedData) : undefined;
        return {
          command: {
            type: 'FileClaim',
            claimId,
            details: { ...details, victim },
            ...(sealedVictimName ? { sealedVictimName } : {}),
            knownPerpetrators: await knownPerpetrators([details.perpetrator]),
          },
        };
      },
      {
        status: 201,
        otherStreams: incidentId ? [IncidentStream.id(incidentId)] : [],
        // A claim filed into an incident is listed by the incident in the same transaction.
        alongside: async ({ tx, context }) => {
          if (!incidentId) return;
          const incident = await IncidentStream.load(tx, incidentId);
          if (!incident.state.exists) {
            throw DomainError.invalid('CLAIM.INVALID', [{ path: '/incidentId', message: 'is not the id of an incident' }]);
          }
          const events = decideIncident({ type: 'LinkClaims', claimIds: [claimId] }, incident.state, context);
          tx.append(IncidentStream.id(incidentId), IncidentStream.type, incident.version, events.map(IncidentStream.toNewEvent));
        },
      },
    );
  }
}
