import { ArrayMaxSize, ArrayMinSize, IsArray, IsUUID } from 'class-validator';

/** POST /incidents/{id}/claims */
export class LinkIncidentClaimsDto {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @IsUUID('all', { each: true, message: 'each must be a claim id' }) claimIds!: string[];
}
