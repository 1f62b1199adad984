import { IncidentCommand } from '../../incident.command.js';
import type { RecordIncidentDto } from './record-incident.dto.js';

export class RecordIncidentCommand extends IncidentCommand<RecordIncidentDto> {}
