import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** POST /claims/{id}/testimony/{testimonyId}/witness-identity/disclosures */
export class DiscloseWitnessIdentityDto {
  /** Why the identity is read (a court order, a protection assessment): recorded in the ledger. */
  @IsString() @IsNotEmpty() @MaxLength(2000) purpose!: string;
}
