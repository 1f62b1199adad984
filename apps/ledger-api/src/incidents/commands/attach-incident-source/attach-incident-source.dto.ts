/** POST /incidents/{id}/sources: a source about the incident as a whole (an addition to API.md). */
export { SourceDto as AttachIncidentSourceDto } from '../../../claims/evidence.dto.js';
