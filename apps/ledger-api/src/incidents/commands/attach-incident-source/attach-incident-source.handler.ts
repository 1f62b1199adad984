import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { IdGenerator } from '@ledger/domain';
import type { CommandOutcome, CommandResponse } from '@ledger/event-store';
import { IncidentLedger } from '../../incident-ledger.js';
import { AttachIncidentSourceCommand } from './attach-incident-source.command.js';

@CommandHandler(AttachIncidentSourceCommand)
export class AttachIncidentSourceHandler implements ICommandHandler<AttachIncidentSourceCommand> {
  constructor(
    private readonly incidents: IncidentLedger,
    private readonly ids: IdGenerator,
  ) {}

  execute({ request, incidentId, body }: AttachIncidentSourceCommand): Promise<CommandOutcome<CommandResponse>> {
    return this.incidents.run(request, incidentId, () => ({ type: 'AttachIncidentSource', sourceId: this.ids.uuid(), source: body }));
  }
}
