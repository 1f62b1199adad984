import { ClaimCommand } from '../claim-command.js';
import type { RecordVerificationDto } from './record-verification.dto.js';

export class RecordVerificationCommand extends ClaimCommand<RecordVerificationDto> {}
