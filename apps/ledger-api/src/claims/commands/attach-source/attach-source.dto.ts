/** POST /claims/{id}/sources */
export { SourceDto as AttachSourceDto } from '../../evidence.dto.js';
