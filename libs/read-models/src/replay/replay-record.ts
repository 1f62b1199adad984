import { createHash } from 'node:crypto';
import { replayStreamId, REPLAY_STREAM_TYPE, type CommandContext, type ProjectionReplayed } from '@ledger/domain';
import type { CommandOutcome, CommandResponse, EventStore } from '@ledger/event-store';
import type { ReplayReport } from './projection-replayer.js';

/** Every replay is itself a ledger event: who asked, which projection, what matched, what was swapped. */
export function recordReplay(store: EventStore, context: CommandContext, report: ReplayReport): Promise<CommandOutcome<CommandResponse>> {
  const { eventsPerSecond: _rate, ...facts } = report;
  const data: ProjectionReplayed['data'] = { ...facts, requestedBy: context.actor };
  const streamId = replayStreamId(report.replayId);
  return store.execute({
    context,
    requestHash: createHash('sha256').update(JSON.stringify(data)).digest('hex'),
    status: 201,
    streamIds: [streamId],
    decide: async (tx) => {
      const { version } = await tx.readStream(streamId);
      const appended = tx.append(streamId, REPLAY_STREAM_TYPE, version, [{ type: 'ProjectionReplayed', schemaVersion: 1, data }]);
      return { id: report.replayId, version: appended.version, eventIds: appended.eventIds };
    },
  });
}
