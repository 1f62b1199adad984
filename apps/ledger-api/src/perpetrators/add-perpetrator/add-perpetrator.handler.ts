import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock, decidePerpetratorList } from '@ledger/domain';
import { EventStore, type CommandOutcome, type CommandResponse } from '@ledger/event-store';
import { PerpetratorListStream } from '../../streams/perpetrator-list-stream.js';
import { AddPerpetratorCommand } from './add-perpetrator.command.js';

@CommandHandler(AddPerpetratorCommand)
export class AddPerpetratorHandler implements ICommandHandler<AddPerpetratorCommand> {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  execute({ request, body }: AddPerpetratorCommand): Promise<CommandOutcome<CommandResponse>> {
    const context = { ...request.context, issuedAt: this.clock.now() };
    const streamId = PerpetratorListStream.id;
    return this.store.execute({
      context,
      requestHash: request.requestHash,
      status: 201,
      streamIds: [streamId],
      decide: async (tx) => {
        const stream = await tx.readStream(streamId);
        const events = decidePerpetratorList({ type: 'AddPerpetrator', ...body }, PerpetratorListStream.state(stream), context);
        const appended = tx.append(streamId, PerpetratorListStream.type, stream.version, events);
        return { id: body.code, version: appended.version, eventIds: appended.eventIds };
      },
    });
  }
}
