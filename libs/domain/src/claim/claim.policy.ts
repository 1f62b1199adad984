import type { FiledClaim } from './claim.state.js';

/** How many independent approvals make a claim verified (configurable per ledger). */
export interface VerificationPolicy {
  requiredApprovals: number;
}

export const DEFAULT_VERIFICATION_POLICY: VerificationPolicy = { requiredApprovals: 2 };

/** Approvals that count: by distinct verifiers, none of whom filed the claim or gave its testimony. */
export function independentApprovals(claim: FiledClaim): string[] {
  const ownWork = new Set([claim.filedBy.id, ...claim.testimonyRecorders]);
  return claim.approvals.filter((id) => !ownWork.has(id));
}

/** Verified when enough independent approvals, at least one source or testimony, and no open dispute. */
export function meetsVerificationPolicy(claim: FiledClaim, policy: VerificationPolicy): boolean {
  return (
    claim.status === 'under-review' &&
    claim.evidence > 0 &&
    !claim.disputes.some((d) => d.open) &&
    independentApprovals(claim).length >= policy.requiredApprovals
  );
}
