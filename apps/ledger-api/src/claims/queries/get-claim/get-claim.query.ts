import { Query } from '@nestjs/cqrs';
import type { ClaimView } from '@ledger/read-models';

export class GetClaimQuery extends Query<ClaimView | null> {
  constructor(
    readonly claimId: string,
    /** Wait until the read model has applied at least this version (read-your-writes). */
    readonly minVersion?: number,
  ) {
    super();
  }
}
