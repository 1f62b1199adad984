import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** POST /claims/{id}/victim-alive */
export class RecordVictimAliveDto {
  /**
   * How it is known that the person is alive. Recorded in the clear, in the ledger, forever: say how
   * it was established, never where the person is or how to reach them.
   */
  @IsString() @IsNotEmpty() @MaxLength(5000) justification!: string;
}
