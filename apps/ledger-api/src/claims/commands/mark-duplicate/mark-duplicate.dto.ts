import { IsUUID } from 'class-validator';
import { RationaleDto } from '../../evidence.dto.js';

/** POST /claims/{id}/duplicate-of */
export class MarkDuplicateDto extends RationaleDto {
  @IsUUID('all', { message: 'must be the id of the surviving claim' }) claimId!: string;
}
