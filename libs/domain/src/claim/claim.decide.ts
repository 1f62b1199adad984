import type { CommandContext } from '../shared/command-context.js';
import { DomainError } from '../shared/domain-error.js';
import type { ClaimEvent } from './claim.events.js';
import { checkClaimDetails } from './claim.rules.js';
import type { ClaimState } from './claim.state.js';
import type { ClaimDetails } from './claim.types.js';

export interface FileClaim {
  type: 'FileClaim';
  claimId: string;
  details: ClaimDetails;
  knownPerpetrators: ReadonlySet<string>;
}

export type ClaimCommand = FileClaim;

export const ClaimErrors = {
  alreadyExists: (id: string) => new DomainError('CLAIM.ALREADY_EXISTS', 'conflict', `claim ${id} already exists`),
  notFound: (id: string) => new DomainError('CLAIM.NOT_FOUND', 'not-found', `claim ${id} does not exist`),
};

/** Every rule of the claim lives here: the command and the current state decide the events. */
export function decideClaim(command: ClaimCommand, state: ClaimState, context: CommandContext): ClaimEvent[] {
  switch (command.type) {
    case 'FileClaim': {
      if (state.exists) throw ClaimErrors.alreadyExists(command.claimId);
      const problems = checkClaimDetails(
        command.details,
        command.knownPerpetrators,
        context.issuedAt.toISOString().slice(0, 10),
      );
      if (problems.length > 0) throw DomainError.invalid('CLAIM.INVALID', problems);
      return [
        {
          type: 'ClaimFiled',
          schemaVersion: 1,
          data: { claimId: command.claimId, filedBy: context.actor, ...command.details },
        },
      ];
    }
    default: {
      const unreachable: never = command.type;
      throw new Error(`unhandled claim command ${String(unreachable)}`);
    }
  }
}
