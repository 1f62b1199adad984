import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideClaim, DomainError } from '@ledger/domain';
import type { CommandOutcome, CommandResponse } from '@ledger/event-store';
import { ClaimStream } from '../../../streams/claim-stream.js';
import { IncidentLedger } from '../../incident-ledger.js';
import { LinkIncidentClaimsCommand } from './link-incident-claims.command.js';

/** Links claims to an incident: the incident lists them and each claim names the incident, in one transaction. */
@CommandHandler(LinkIncidentClaimsCommand)
export class LinkIncidentClaimsHandler implements ICommandHandler<LinkIncidentClaimsCommand> {
  constructor(private readonly incidents: IncidentLedger) {}

  execute({ request, incidentId, body }: LinkIncidentClaimsCommand): Promise<CommandOutcome<CommandResponse>> {
    const claimIds = [...new Set(body.claimIds)];
    return this.incidents.run(request, incidentId, () => ({ type: 'LinkClaims', claimIds }), {
      otherStreams: claimIds.map(ClaimStream.id),
      alongside: async ({ tx, context }) => {
        for (const [index, claimId] of claimIds.entries()) {
          const { state, version } = await ClaimStream.load(tx, claimId);
          if (!state.exists) throw DomainError.invalid('INCIDENT.INVALID', [{ path: `/claimIds/${index}`, message: 'is not the id of a claim' }]);
          const events = decideClaim({ type: 'LinkToIncident', incidentId }, state, context);
          if (events.length > 0) tx.append(ClaimStream.id(claimId), ClaimStream.type, version, events.map(ClaimStream.toNewEvent));
        }
      },
    });
  }
}
