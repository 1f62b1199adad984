import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
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

/**
 * A relative of the victim named in the testimony: protected personal data, each relative sealed
 * under their own key (`relative:<uuid>`) and erasable alone.
 */
export class RelativeDto {
  @IsString() @IsNotEmpty() @MaxLength(300) name!: string;
  /** To the victim: mother, brother, cousin… */
  @IsString() @IsNotEmpty() @MaxLength(100) relation!: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(300) contact?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2000) note?: string;
}

/** POST /claims/{id}/testimony */
export class RecordTestimonyDto {
  @IsObject() @ValidateNested() @Type(() => WitnessDto) witness!: WitnessDto;
  @IsIn(WITNESS_RELATIONS, oneOf(WITNESS_RELATIONS)) relation!: WitnessRelation;
  /**
   * Never put identities here unless `statementSensitive` is set: a statement in the clear is in
   * the hash-chained ledger forever and cannot be erased.
   */
  @IsString() @IsNotEmpty() @MaxLength(50000) statement!: string;
  /** Seal the statement under the witness's key: readable only by disclosure, erased with the witness. */
  @IsOptional() @IsBoolean() statementSensitive?: boolean;
  /** Relatives of the victim the testimony names, each their own data subject. */
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => RelativeDto) relatives?: RelativeDto[];
  @IsString() @MaxLength(35) @Matches(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'must be a BCP 47 language tag such as ar or en' }) language!: string;
  @IsIn(CONSENT_SCOPES, oneOf(CONSENT_SCOPES)) consent!: ConsentScope;
}
