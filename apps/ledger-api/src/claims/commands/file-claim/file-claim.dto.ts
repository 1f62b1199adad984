/** POST /claims: one victim (API.md "Commands"). */
export { ClaimDetailsDto as FileClaimDto } from '../../claim-details.dto.js';
