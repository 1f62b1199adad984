import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** POST /data-subjects/{subject}/erasure */
export class ErasePersonalDataDto {
  @IsString() @IsNotEmpty() @MaxLength(2000) reason!: string;
}
