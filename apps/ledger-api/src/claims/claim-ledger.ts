import { Injectable } from '@nestjs/common';
import { LedgerConfig } from '@ledger/config';
import { Clock, decideClaim, IdGenerator, type ClaimCommand, type ClaimState, type CommandContext } from '@ledger/domain';
import { EventStore, VersionMismatchError, type CommandOutcome, type LedgerTransaction } from '@ledger/event-store';
import type { CommandRequest } from '../commands/command-request.js';
import { ClaimStream, type ClaimCommandResponse } from '../streams/claim-stream.js';
import { PerpetratorListStream } from '../streams/perpetrator-list-stream.js';

/** What a claim use case may consult while its claim is locked. */
export interface ClaimDecisionInput {
  tx: LedgerTransaction;
  state: ClaimState;
  context: CommandContext;
  newId(): string;
  knownPerpetrators(): Promise<ReadonlySet<string>>;
}

export interface ClaimDecision {
  command: ClaimCommand;
  /** Members added to the response beside id, version and eventIds (e.g. disputeId). */
  extras?: Record<string, string>;
}

export interface ClaimRunOptions {
  /** 201 for a new claim, 200 otherwise. */
  status?: number;
  /** Other streams the command changes or must see unchanged (locked too, in sorted order). */
  otherStreams?: string[];
  /** Appends to the other streams after the claim's events are decided. */
  alongside?: (input: ClaimDecisionInput) => Promise<void>;
}

/** The shared path of every claim command: lock, check If-Match, decide, append, answer. */
@Injectable()
export class ClaimLedger {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly config: LedgerConfig,
  ) {}

  run(
    request: CommandRequest,
    claimId: string,
    decide: (input: ClaimDecisionInput) => Promise<ClaimDecision> | ClaimDecision,
    options: ClaimRunOptions = {},
  ): Promise<CommandOutcome<ClaimCommandResponse>> {
    const context: CommandContext = { ...request.context, issuedAt: this.clock.now() };
    const streamId = ClaimStream.id(claimId);
    return this.store.execute({
      context,
      requestHash: request.requestHash,
      status: options.status ?? 200,
      streamIds: [streamId, ...(options.otherStreams ?? [])],
      decide: async (tx) => {
        const { state, version } = await ClaimStream.load(tx, claimId);
        if (request.expectedVersion !== undefined && request.expectedVersion !== version) {
          throw new VersionMismatchError(streamId, request.expectedVersion, version);
        }
        const input: ClaimDecisionInput = {
          tx,
          state,
          context,
          newId: () => this.ids.uuid(),
          knownPerpetrators: () => PerpetratorListStream.codes(tx),
        };
        const { command, extras = {} } = await decide(input);
        const events = decideClaim(command, state, context, { requiredApprovals: this.config.LEDGER_REQUIRED_APPROVALS });
        const appended = events.length > 0 ? tx.append(streamId, ClaimStream.type, version, events.map(ClaimStream.toNewEvent)) : null;
        await options.alongside?.(input);
        const eventIds = appended?.eventIds ?? [];
        return { id: claimId, version: appended?.version ?? version, eventIds, ...extras };
      },
    });
  }
}
