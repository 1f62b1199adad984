import { ClaimDetailsDto } from '../../claim-details.dto.js';

/** POST /claims: one victim (API.md "Commands"). */
export class FileClaimDto extends ClaimDetailsDto {}
