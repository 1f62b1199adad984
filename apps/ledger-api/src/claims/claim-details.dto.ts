import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsLatitude,
  IsLongitude,
  IsNotEmpty,
  IsNotEmptyObject,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  AGE_GROUPS,
  CAUSES,
  CIVILIAN_STATUSES,
  DATE_PRECISIONS,
  PLACE_PRECISIONS,
  PROTECTED_ROLES,
  SEXES,
  type AgeGroup,
  type Cause,
  type CivilianStatus,
  type DatePrecision,
  type PlacePrecision,
  type ProtectedRole,
  type Sex,
} from '@ledger/domain';

const oneOf = (values: readonly string[]) => ({ message: `must be one of: ${values.join(', ')}` });
const NAME_PART = 200;

export class VictimNameDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME_PART) arabic?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME_PART) latin?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME_PART) given?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME_PART) father?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME_PART) family?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME_PART) alias?: string;
}

export class VictimDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => VictimNameDto) name?: VictimNameDto;
  @IsIn(SEXES, oneOf(SEXES)) sex!: Sex;
  @IsOptional() @IsInt({ message: 'must be a whole number of years' }) @Min(0) @Max(130) age?: number;
  @IsIn(AGE_GROUPS, oneOf(AGE_GROUPS)) ageGroup!: AgeGroup;
  @IsIn(CIVILIAN_STATUSES, oneOf(CIVILIAN_STATUSES)) civilianStatus!: CivilianStatus;
  @IsOptional() @IsIn(PROTECTED_ROLES, oneOf(PROTECTED_ROLES)) protectedRole?: ProtectedRole;
}

const DATE_TEXT = /^\d{4}(-\d{2}(-\d{2})?)?$/;

export class FuzzyDateDto {
  @IsOptional() @IsString() @Matches(DATE_TEXT, { message: 'must be YYYY, YYYY-MM or YYYY-MM-DD' }) date?: string;
  @IsOptional() @IsString() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be YYYY-MM-DD' }) from?: string;
  @IsOptional() @IsString() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be YYYY-MM-DD' }) to?: string;
  @IsIn(DATE_PRECISIONS, oneOf(DATE_PRECISIONS)) precision!: DatePrecision;
}

export class PlaceDto {
  @IsString() @IsNotEmpty() @MaxLength(NAME_PART) governorate!: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME_PART) district?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME_PART) locality?: string;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsLatitude({ message: 'must be a latitude in degrees' }) lat?: number;
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsLongitude({ message: 'must be a longitude in degrees' }) lon?: number;
  @IsIn(PLACE_PRECISIONS, oneOf(PLACE_PRECISIONS)) precision!: PlacePrecision;
}

/** The members shared by filing and amending a claim (API.md POST /claims). */
export class ClaimDetailsDto {
  @IsObject() @IsNotEmptyObject() @ValidateNested() @Type(() => VictimDto) victim!: VictimDto;
  @IsObject() @ValidateNested() @Type(() => FuzzyDateDto) death!: FuzzyDateDto;
  @IsObject() @ValidateNested() @Type(() => PlaceDto) place!: PlaceDto;
  @IsIn(CAUSES, oneOf(CAUSES)) cause!: Cause;
  @IsString() @MaxLength(80) @Matches(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'must be a code from GET /perpetrators' })
  perpetrator!: string;
  @IsOptional() @IsUUID('all', { message: 'must be an incident id' }) incidentId?: string;
}
