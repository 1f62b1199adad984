import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { EXPORT_MAX_CLAIMS } from './evidence-exporter.js';

/** What to export: exactly the members of its `type`. */
export class ExportScopeDto {
  @IsIn(['claim', 'claims', 'incident', 'query']) type!: 'claim' | 'claims' | 'incident' | 'query';
  @ValidateIf((o: ExportScopeDto) => o.type === 'claim' || o.claimId !== undefined) @IsUUID('all') claimId?: string;
  @ValidateIf((o: ExportScopeDto) => o.type === 'claims' || o.claimIds !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EXPORT_MAX_CLAIMS)
  @IsUUID('all', { each: true })
  claimIds?: string[];
  @ValidateIf((o: ExportScopeDto) => o.type === 'incident' || o.incidentId !== undefined) @IsUUID('all') incidentId?: string;
  /** The filters of GET /claims and the statistics (status, dimensions, from, to). */
  @ValidateIf((o: ExportScopeDto) => o.type === 'query' || o.filters !== undefined) @IsObject() filters?: Record<string, string>;
}

/** POST /exports (legal, admin) */
export class ExportEvidenceDto {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => ExportScopeDto) scope!: ExportScopeDto;
  /** Witness identities are redacted unless asked for here, with a justification; both are recorded. */
  @IsOptional() @IsBoolean() includeWitnessIdentities?: boolean;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2000) justification?: string;
  /** Earlier tree sizes the recipient holds checkpoints for: the bundle proves the ledger only grew since. */
  @IsOptional() @IsArray() @ArrayMaxSize(20) @IsInt({ each: true }) @Min(1, { each: true }) @Max(Number.MAX_SAFE_INTEGER, { each: true }) consistencyFrom?: number[];
}
