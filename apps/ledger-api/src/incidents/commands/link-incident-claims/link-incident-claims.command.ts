import { IncidentCommand } from '../../incident.command.js';
import type { LinkIncidentClaimsDto } from './link-incident-claims.dto.js';

export class LinkIncidentClaimsCommand extends IncidentCommand<LinkIncidentClaimsDto> {}
