import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandOutcome, CommandResponse } from '@ledger/event-store';
import { PerpetratorCodes } from '../../../streams/perpetrator-list-stream.js';
import { IncidentLedger } from '../../incident-ledger.js';
import { RecordIncidentCommand } from './record-incident.command.js';

@CommandHandler(RecordIncidentCommand)
export class RecordIncidentHandler implements ICommandHandler<RecordIncidentCommand> {
  constructor(
    private readonly incidents: IncidentLedger,
    private readonly perpetrators: PerpetratorCodes,
  ) {}

  execute({ request, incidentId, body }: RecordIncidentCommand): Promise<CommandOutcome<CommandResponse>> {
    return this.incidents.run(
      request,
      incidentId,
      async ({ tx }) => ({ type: 'RecordIncident', incidentId, details: body, knownPerpetrators: await this.perpetrators.including(tx, [body.perpetrator]) }),
      { status: 201 },
    );
  }
}
