import { PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsNotEmpty, IsObject, IsString, MaxLength, ValidateNested } from 'class-validator';
import { ClaimDetailsDto } from '../../claim-details.dto.js';

/** Any subset of the members of POST /claims. */
export const ClaimChangesDto = PartialType(ClaimDetailsDto);
export type ClaimChangesDto = InstanceType<typeof ClaimChangesDto>;

/** POST /claims/{id}/amendments */
export class AmendClaimDto {
  @IsObject() @ValidateNested() @Type(() => ClaimChangesDto) changes!: ClaimChangesDto;
  @IsString() @IsNotEmpty() @MaxLength(5000) reason!: string;
}
