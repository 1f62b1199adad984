import { Type } from 'class-transformer';
import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

export class FamilyContactDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(300) name?: string;
  /** To the victim: mother, brother, neighbour… */
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(100) relation?: string;
  @IsString() @IsNotEmpty() @MaxLength(300) contact!: string;
}

export class MedicalDetailsDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(10000) injuries?: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(10000) causeOfDeath?: string;
  /** What the hospital record says, or where it is kept (the record itself goes in as a source, by hash). */
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(10000) hospitalRecord?: string;
}

/**
 * POST /claims/{id}/protected-details: personal data about the victim that must stay erasable,
 * sealed under `victim:<claimId>` and never shown by a read model.
 */
export class RecordVictimDetailsDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => FamilyContactDto) familyContact?: FamilyContactDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => MedicalDetailsDto) medical?: MedicalDetailsDto;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(10000) note?: string;
}
