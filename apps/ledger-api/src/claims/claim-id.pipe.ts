import { ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from '@ledger/domain';

/** A claim id that is not a UUID names no claim: 404, like any unknown id. */
export const claimIdPipe = new ParseUUIDPipe({
  exceptionFactory: () => new DomainError('CLAIM.NOT_FOUND', 'not-found', 'No claim has that id.'),
});

export const disputeIdPipe = new ParseUUIDPipe({
  exceptionFactory: () => new DomainError('DISPUTE.NOT_FOUND', 'not-found', 'No dispute has that id.'),
});
