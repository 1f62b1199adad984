import { SourceDto } from '../../../claims/evidence.dto.js';

/** POST /incidents/{id}/sources: a source about the incident as a whole (an addition to API.md). */
export class AttachIncidentSourceDto extends SourceDto {}
