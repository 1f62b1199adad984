import { ClaimCommand } from '../claim-command.js';
import type { AmendClaimDto } from './amend-claim.dto.js';

export class AmendClaimCommand extends ClaimCommand<AmendClaimDto> {}
