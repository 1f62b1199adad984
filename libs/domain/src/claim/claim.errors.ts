import { DomainError } from '../shared/domain-error.js';

/** Every refusal of the claim aggregate, with its stable code. */
export const ClaimErrors = {
  notFound: (id: string) => new DomainError('CLAIM.NOT_FOUND', 'not-found', `claim ${id} does not exist`),
  alreadyExists: (id: string) => new DomainError('CLAIM.ALREADY_EXISTS', 'conflict', `claim ${id} already exists`),
  retracted: (id: string) => new DomainError('CLAIM.RETRACTED', 'conflict', `claim ${id} was retracted: it accepts no further changes`),
  duplicate: (id: string, survivor: string | null) =>
    new DomainError('CLAIM.DUPLICATE', 'conflict', `claim ${id} is a duplicate of ${survivor ?? 'another claim'}: it accepts no further changes`),
  rejected: (id: string) => new DomainError('CLAIM.REJECTED', 'conflict', `claim ${id} was rejected: it accepts no further verifications`),
  notFiler: () => new DomainError('CLAIM.NOT_FILER', 'forbidden', 'only the documenter who filed a claim, a lead verifier or an admin may retract it'),
  duplicateOfItself: () => new DomainError('CLAIM.DUPLICATE_OF_ITSELF', 'conflict', 'a claim cannot be a duplicate of itself'),
  survivorClosed: (id: string) => new DomainError('CLAIM.SURVIVOR_CLOSED', 'conflict', `claim ${id} is retracted or itself a duplicate: it cannot be the surviving record`),
  nothingToAmend: () => DomainError.invalid('CLAIM.INVALID', [{ path: '/changes', message: 'must change at least one member' }]),
  ownWork: () =>
    new DomainError('VERIFICATION.OWN_WORK', 'conflict', 'verifiers may not verify a claim they filed or gave testimony on (four-eyes)'),
  alreadyApproved: () => new DomainError('VERIFICATION.ALREADY_APPROVED', 'conflict', 'this verifier has already approved this claim'),
  disputeNotFound: (id: string) => new DomainError('DISPUTE.NOT_FOUND', 'not-found', `dispute ${id} does not exist on this claim`),
  disputeResolved: (id: string) => new DomainError('DISPUTE.ALREADY_RESOLVED', 'conflict', `dispute ${id} is already resolved`),
  ownDispute: () => new DomainError('VERIFICATION.OWN_DISPUTE', 'conflict', 'a dispute must be resolved by another lead verifier than the one who raised it'),
  incidentNotFound: (id: string) => new DomainError('INCIDENT.NOT_FOUND', 'not-found', `incident ${id} does not exist`),
  /** The edge must seal a victim's name before the domain decides: a name in the clear is never stored. */
  nameNotSealed: () => new DomainError('PROTECTION.NOT_SEALED', 'invalid', 'a victim name must be sealed under the victim\'s key before it is recorded'),
  /** The edge sealed a value under another subject than the one it belongs to: never stored. */
  wrongSubject: (what: string, expected: string) =>
    new DomainError('PROTECTION.WRONG_SUBJECT', 'invalid', `a sealed ${what} must be sealed under ${expected}`),
};
