import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { CAUSES, DATE_PRECISIONS, type Cause, type DatePrecision } from '@ledger/domain';
import { PlaceDto } from '../../../claims/claim-details.dto.js';
import { oneOf } from '../../../claims/evidence.dto.js';

/** Far above any reported toll, far below where integers stop being exact. */
const REPORTED_MAX = 100_000_000;

/** "At least 80" is { min: 80, max: null }. */
export class ReportedRangeDto {
  @IsInt() @Min(0) @Max(REPORTED_MAX) min!: number;
  @IsDefined({ message: 'must be a number or null (no upper bound)' }) @ValidateIf((range: ReportedRangeDto) => range.max !== null) @IsInt() @Min(0) @Max(REPORTED_MAX)
  max!: number | null;
}

export class ReportedTotalsDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ReportedRangeDto) killed?: ReportedRangeDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ReportedRangeDto) children?: ReportedRangeDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ReportedRangeDto) women?: ReportedRangeDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ReportedRangeDto) injured?: ReportedRangeDto;
}

/** POST /incidents */
export class RecordIncidentDto {
  @IsString() @Matches(/^[A-Z0-9][A-Z0-9-]{2,79}$/, { message: 'must be a stable code of capitals, digits and dashes, e.g. IDL-2018-07-16-ZARDANA' })
  code!: string;
  @IsOptional() @IsString() @Matches(/^\d{4}(-\d{2}(-\d{2})?)?$/, { message: 'must be YYYY, YYYY-MM or YYYY-MM-DD' }) date?: string;
  @IsOptional() @IsString() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be YYYY-MM-DD' }) from?: string;
  @IsOptional() @IsString() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be YYYY-MM-DD' }) to?: string;
  @IsIn(DATE_PRECISIONS, oneOf(DATE_PRECISIONS)) precision!: DatePrecision;
  @IsObject() @ValidateNested() @Type(() => PlaceDto) place!: PlaceDto;
  @IsIn(CAUSES, oneOf(CAUSES)) attackType!: Cause;
  @IsOptional() @IsString() @MaxLength(80) @Matches(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'must be a code from GET /perpetrators' }) perpetrator?: string;
  @IsString() @IsNotEmpty() @MaxLength(50000) narrative!: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ReportedTotalsDto) reported?: ReportedTotalsDto;
}
