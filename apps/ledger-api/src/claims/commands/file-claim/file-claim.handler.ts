import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideIncident, DomainError } from '@ledger/domain';
import type { CommandOutcome } from '@ledger/event-store';
import { claimIdFor, type ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { IncidentStream } from '../../../streams/incident-stream.js';
import { ClaimLedger } from '../../claim-ledger.js';
import { FileClaimCommand } from './file-claim.command.js';

@CommandHandler(FileClaimCommand)
export class FileClaimHandler implements ICommandHandler<FileClaimCommand> {
  constructor(private readonly claims: ClaimLedger) {}

  execute({ request, details }: FileClaimCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    const claimId = claimIdFor(request.context.commandId);
    const { incidentId } = details;
    return this.claims.run(
      request,
      claimId,
      async ({ knownPerpetrators }) => ({ command: { type: 'FileClaim', claimId, details, knownPerpetrators: await knownPerpetrators([details.perpetrator]) } }),
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
