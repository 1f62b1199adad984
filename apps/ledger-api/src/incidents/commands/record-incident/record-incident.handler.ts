import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandOutcome, CommandResponse } from '@ledger/event-store';
import { PerpetratorListStream } from '../../../streams/perpetrator-list-stream.js';
import { IncidentLedger } from '../../incident-ledger.js';
import { RecordIncidentCommand } from './record-incident.command.js';

@CommandHandler(RecordIncidentCommand)
export class RecordIncidentHandler implements ICommandHandler<RecordIncidentCommand> {
  constructor(private readonly incidents: IncidentLedger) {}

  execute({ request, incidentId, body }: RecordIncidentCommand): Promise<CommandOutcome<CommandResponse>> {
    return this.incidents.run(
      request,
      incidentId,
      async ({ tx }) => ({ type: 'RecordIncident', incidentId, details: body, knownPerpetrators: await PerpetratorListStream.codes(tx) }),
      { status: 201 },
    );
  }
}
