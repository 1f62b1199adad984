import { Injectable } from '@nestjs/common';
import { LedgerConfig } from '@ledger/config';
import { decideClaim, IdGenerator, type ClaimCommand, type ClaimEvent, type ClaimState } from '@ledger/domain';
import type { CommandOutcome } from '@ledger/event-store';
import { AggregateLedger, type AggregateDecisionInput, type AggregateRunOptions } from '../commands/aggregate-ledger.js';
import type { CommandRequest } from '../commands/command-request.js';
import { ClaimStream, type ClaimCommandResponse } from '../streams/claim-stream.js';
import { PerpetratorCodes } from '../streams/perpetrator-list-stream.js';

/** What a claim use case may consult while its claim is locked. */
export interface ClaimDecisionInput extends AggregateDecisionInput<ClaimState> {
  newId(): string;
  /** The managed perpetrator codes, current for the codes given. */
  knownPerpetrators(wanted: Array<string | undefined>): Promise<ReadonlySet<string>>;
}

export interface ClaimDecision {
  command: ClaimCommand;
  extras?: Record<string, string>;
}

/** Claim commands: the domain decides under the ledger's verification policy. */
@Injectable()
export class ClaimLedger {
  constructor(
    private readonly ledger: AggregateLedger,
    private readonly ids: IdGenerator,
    private readonly config: LedgerConfig,
    private readonly perpetrators: PerpetratorCodes,
  ) {}

  run(
    request: CommandRequest,
    claimId: string,
    decide: (input: ClaimDecisionInput) => Promise<ClaimDecision> | ClaimDecision,
    options: AggregateRunOptions<ClaimState> = {},
  ): Promise<CommandOutcome<ClaimCommandResponse>> {
    const policy = { requiredApprovals: this.config.LEDGER_REQUIRED_APPROVALS };
    return this.ledger.run<ClaimState, ClaimEvent>(
      request,
      ClaimStream,
      claimId,
      async (input) => {
        const { command, extras } = await decide({
          ...input,
          newId: () => this.ids.uuid(),
          knownPerpetrators: (wanted) => this.perpetrators.including(input.tx, wanted),
        });
        return { events: decideClaim(command, input.state, input.context, policy), extras };
      },
      options,
    );
  }
}
