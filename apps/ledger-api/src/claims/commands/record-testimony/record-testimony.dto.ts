import { Type } from 'class-transformer';
import { IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { CONSENT_SCOPES, WITNESS_RELATIONS, type ConsentScope, type WitnessRelation } from '@ledger/domain';
import { oneOf } from '../../evidence.dto.js';

/** Protected personal data: never logged, kept apart in the event, readable only by allowed roles. */
export class WitnessIdentityDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(300) name?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(300) contact?: string;
}

export class WitnessDto {
  @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, { message: 'must be a pseudonym such as W-17 (letters, digits, . _ -)' })
  pseudonym!: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => WitnessIdentityDto) identity?: WitnessIdentityDto;
}

/** POST /claims/{id}/testimony */
export class RecordTestimonyDto {
  @IsObject() @ValidateNested() @Type(() => WitnessDto) witness!: WitnessDto;
  @IsIn(WITNESS_RELATIONS, oneOf(WITNESS_RELATIONS)) relation!: WitnessRelation;
  @IsString() @IsNotEmpty() @MaxLength(50000) statement!: string;
  @IsString() @MaxLength(35) @Matches(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'must be a BCP 47 language tag such as ar or en' }) language!: string;
  @IsIn(CONSENT_SCOPES, oneOf(CONSENT_SCOPES)) consent!: ConsentScope;
}
