import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** POST /claims/{id}/retraction */
export class RetractClaimDto {
  @IsString() @IsNotEmpty() @MaxLength(5000) reason!: string;
}
