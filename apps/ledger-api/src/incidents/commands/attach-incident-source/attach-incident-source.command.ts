import { IncidentCommand } from '../../incident.command.js';
import type { AttachIncidentSourceDto } from './attach-incident-source.dto.js';

export class AttachIncidentSourceCommand extends IncidentCommand<AttachIncidentSourceDto> {}
