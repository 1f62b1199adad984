import { ClaimCommand } from '../claim-command.js';
import type { RecordTestimonyDto } from './record-testimony.dto.js';

export class RecordTestimonyCommand extends ClaimCommand<RecordTestimonyDto> {}
