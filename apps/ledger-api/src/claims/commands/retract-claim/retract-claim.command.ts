import { ClaimCommand } from '../claim-command.js';
import type { RetractClaimDto } from './retract-claim.dto.js';

export class RetractClaimCommand extends ClaimCommand<RetractClaimDto> {}
