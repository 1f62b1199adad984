import { IsIn, IsOptional } from 'class-validator';
import { GRADES, VERDICTS, type Grade, type Verdict } from '@ledger/domain';
import { oneOf, RationaleDto } from '../../evidence.dto.js';

/** POST /claims/{id}/verifications */
export class RecordVerificationDto extends RationaleDto {
  @IsIn(VERDICTS, oneOf(VERDICTS)) verdict!: Verdict;
  @IsOptional() @IsIn(GRADES, oneOf(GRADES)) grade?: Grade;
}
