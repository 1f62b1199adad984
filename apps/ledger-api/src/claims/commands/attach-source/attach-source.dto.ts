import { SourceDto } from '../../evidence.dto.js';

/** POST /claims/{id}/sources */
export class AttachSourceDto extends SourceDto {}
