import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUrl, Matches, MaxLength } from 'class-validator';
import { RELIABILITIES, SOURCE_CONNECTIONS, SOURCE_TYPES, type Reliability, type SourceConnection, type SourceType } from '@ledger/domain';

export const oneOf = (values: readonly string[]) => ({ message: `must be one of: ${values.join(', ')}` });
const HTTPS_URL = { protocols: ['https', 'http'], require_protocol: true, require_tld: true };

/** A source backing a claim or an incident (API.md POST /claims/{id}/sources). */
export class SourceDto {
  @IsIn(SOURCE_TYPES, oneOf(SOURCE_TYPES)) type!: SourceType;
  @IsString() @IsNotEmpty() @MaxLength(300) publisher!: string;
  @IsOptional() @IsUrl(HTTPS_URL, { message: 'must be an http(s) URL' }) @MaxLength(2000) url?: string;
  @IsOptional() @IsUrl(HTTPS_URL, { message: 'must be an http(s) URL' }) @MaxLength(2000) archivedUrl?: string;
  @IsOptional() @MaxLength(40) @IsISO8601({ strict: true, strictSeparator: true }, { message: 'must be an ISO 8601 date or time' }) retrievedAt?: string;
  @IsString() @Matches(/^[0-9a-f]{64}$/, { message: 'must be the SHA-256 of the content as 64 lowercase hex digits' }) contentSha256!: string;
  @IsIn(SOURCE_CONNECTIONS, oneOf(SOURCE_CONNECTIONS)) connection!: SourceConnection;
  @IsIn(RELIABILITIES, oneOf(RELIABILITIES)) reliability!: Reliability;
}

export class RationaleDto {
  @IsString() @IsNotEmpty() @MaxLength(5000) rationale!: string;
}
