import { ClaimCommand } from '../claim-command.js';
import type { AttachSourceDto } from './attach-source.dto.js';

export class AttachSourceCommand extends ClaimCommand<AttachSourceDto> {}
