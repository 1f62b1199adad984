import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, decideClaim, INITIAL_PERPETRATORS } from '@ledger/domain';
import { EventStore, type CommandOutcome } from '@ledger/event-store';
import { claimIdFor, ClaimStream, type ClaimCommandResponse } from '../../claim-stream.js';
import { FileClaimCommand } from './file-claim.command.js';

const KNOWN_PERPETRATORS: ReadonlySet<string> = new Set(INITIAL_PERPETRATORS.map((p) => p.code));

@CommandHandler(FileClaimCommand)
export class FileClaimHandler implements ICommandHandler<FileClaimCommand> {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  execute({ request, details }: FileClaimCommand): Promise<CommandOutcome<ClaimCommandResponse>> {
    const context = { ...request.context, issuedAt: this.clock.now() };
    // Derived from the command id, so a retried request lands on the same stream and finds its answer.
    const claimId = claimIdFor(context.commandId);
    const streamId = ClaimStream.id(claimId);
    return this.store.execute({
      context,
      requestHash: request.requestHash,
      status: 201,
      streamIds: [streamId],
      decide: async (tx) => {
        const { state, version } = await ClaimStream.load(tx, claimId);
        const events = decideClaim(
          { type: 'FileClaim', claimId, details, knownPerpetrators: KNOWN_PERPETRATORS },
          state,
          context,
        );
        const appended = tx.append(streamId, ClaimStream.type, version, events.map(ClaimStream.toNewEvent));
        return { id: claimId, version: appended.version, eventIds: appended.eventIds };
      },
    });
  }
}
