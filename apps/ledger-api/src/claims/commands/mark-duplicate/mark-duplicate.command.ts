import { ClaimCommand } from '../claim-command.js';
import type { MarkDuplicateDto } from './mark-duplicate.dto.js';

export class MarkDuplicateCommand extends ClaimCommand<MarkDuplicateDto> {}
