import { IsIn } from 'class-validator';
import { DISPUTE_OUTCOMES, type DisputeOutcome } from '@ledger/domain';
import { oneOf, RationaleDto } from '../../evidence.dto.js';

/** POST /claims/{id}/disputes/{disputeId}/resolution */
export class ResolveDisputeDto extends RationaleDto {
  @IsIn(DISPUTE_OUTCOMES, oneOf(DISPUTE_OUTCOMES)) outcome!: DisputeOutcome;
}
