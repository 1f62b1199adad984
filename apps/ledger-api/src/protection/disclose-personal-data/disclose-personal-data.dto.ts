import { IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

/** POST /data-subjects/{subject}/disclosures */
export class DisclosePersonalDataDto {
  /** Why the data is read (a court order, a family tracing request): recorded in the ledger. */
  @IsString() @IsNotEmpty() @MaxLength(2000) purpose!: string;
  /** The claim whose events hold the data; implied by a `victim:<claimId>` subject, required for the others. */
  @IsOptional() @IsUUID('all') claimId?: string;
}
