import { ClaimCommand } from '../claim-command.js';
import type { ResolveDisputeDto } from './resolve-dispute.dto.js';

export class ResolveDisputeCommand extends ClaimCommand<ResolveDisputeDto & { disputeId: string }> {}
