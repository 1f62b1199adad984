import { ClaimCommand } from '../claim-command.js';
import type { RecordVictimAliveDto } from './record-victim-alive.dto.js';

export class RecordVictimAliveCommand extends ClaimCommand<RecordVictimAliveDto> {}
