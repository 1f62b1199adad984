import { ClaimCommand } from '../claim-command.js';
import type { RecordVictimDetailsDto } from './record-victim-details.dto.js';

export class RecordVictimDetailsCommand extends ClaimCommand<RecordVictimDetailsDto> {}
