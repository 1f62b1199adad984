import { Query } from '@nestjs/cqrs';

/** The claim now (the read model), or as it stood at a version or a moment (its stream, replayed). */
export type ClaimPointInTime = { kind: 'now'; minVersion?: number } | { kind: 'version'; version: number } | { kind: 'time'; at: string };

export class GetClaimQuery extends Query<Record<string, unknown> | null> {
  constructor(
    readonly claimId: string,
    readonly when: ClaimPointInTime,
  ) {
    super();
  }
}
