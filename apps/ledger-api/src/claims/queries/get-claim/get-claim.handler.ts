import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { InjectRepository } from '@nestjs/typeorm';
import { Doorbell } from '@ledger/event-store';
import { ClaimView } from '@ledger/read-models';
import { Repository } from 'typeorm';
import { GetClaimQuery } from './get-claim.query.js';

export const MIN_VERSION_WAIT_MS = 5000;
const POLL_MS = 25;

export class ReadModelBehindError extends Error {
  readonly code = 'READMODEL.BEHIND';
  readonly status = 503;
  readonly headers = { 'Retry-After': '1' };
  constructor(readonly wanted: number) {
    super(`the claim read model has not applied version ${wanted} yet`);
  }
}

@QueryHandler(GetClaimQuery)
export class GetClaimHandler implements IQueryHandler<GetClaimQuery> {
  private readonly doorbell = new Doorbell();

  constructor(@InjectRepository(ClaimView) private readonly claims: Repository<ClaimView>) {}

  async execute({ claimId, minVersion }: GetClaimQuery): Promise<ClaimView | null> {
    const deadline = Date.now() + MIN_VERSION_WAIT_MS;
    for (;;) {
      const claim = await this.claims.findOneBy({ id: claimId });
      if (minVersion === undefined || (claim && claim.version >= minVersion)) return claim;
      if (Date.now() >= deadline) throw new ReadModelBehindError(minVersion);
      await this.doorbell.wait(POLL_MS);
    }
  }
}
