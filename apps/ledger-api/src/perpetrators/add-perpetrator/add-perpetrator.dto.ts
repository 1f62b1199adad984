import { IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';

/** POST /perpetrators (admin) */
export class AddPerpetratorDto {
  @IsString() @Matches(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'must be a kebab-case code' }) @MaxLength(80) code!: string;
  @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
}
