import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Clock, IdGenerator, type CommandContext } from '@ledger/domain';
import { canonicalize } from '@ledger/proof';
import { DataSource, type QueryRunner } from 'typeorm';
import { parseEnvelope, type HashedEnvelope } from './envelope.js';
import {
  EventStore,
  IdempotencyConflictError,
  VersionMismatchError,
  type AppendedEvents,
  type CommandExecution,
  type CommandOutcome,
  type CommandResponse,
  type LedgerTransaction,
  type NewEvent,
  type StreamRead,
} from './event-store.port.js';

const UNIQUE_VIOLATION = '23505';
const MAX_ATTEMPTS = 5;

interface PendingRow {
  streamId: string;
  streamType: string;
  version: number;
  eventId: string;
  type: string;
  prevHash: string | null;
  hash: string;
  canonical: string;
  recordedAt: string;
}

class PostgresLedgerTransaction implements LedgerTransaction {
  readonly pending: PendingRow[] = [];
  private readonly heads = new Map<string, { version: number; hash: string | null }>();

  constructor(
    private readonly runner: QueryRunner,
    private readonly context: CommandContext,
    private readonly lockedStreams: ReadonlySet<string>,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async readStream(streamId: string): Promise<StreamRead> {
    this.assertLocked(streamId);
    const { read, headHash } = await this.load(streamId);
    this.heads.set(streamId, { version: read.version, hash: headHash });
    return read;
  }

  async peekStream(streamId: string): Promise<StreamRead> {
    return (await this.load(streamId)).read;
  }

  private async load(streamId: string): Promise<{ read: StreamRead; headHash: string | null }> {
    const rows: Array<{ canonical: string; hash: string; version: number }> = await this.runner.query(
      `SELECT canonical, hash, version FROM ledger_events WHERE stream_id = $1 ORDER BY version`,
      [streamId],
    );
    const last = rows.at(-1);
    const read = { streamId, version: last?.version ?? 0, events: rows.map((r) => parseEnvelope(r.canonical)) };
    return { read, headHash: last?.hash ?? null };
  }

  append(streamId: string, streamType: string, expectedVersion: number, events: NewEvent[]): AppendedEvents {
    this.assertLocked(streamId);
    const head = this.heads.get(streamId);
    if (!head) throw new Error(`read stream ${streamId} before appending to it`);
    if (head.version !== expectedVersion) throw new VersionMismatchError(streamId, expectedVersion, head.version);
    const recordedAt = this.clock.now().toISOString();
    const occurredAt = this.context.issuedAt.toISOString();
    let { version, hash: prevHash } = head;
    const eventIds: string[] = [];
    for (const event of events) {
      version += 1;
      const envelope: HashedEnvelope = {
        streamId,
        streamType,
        version,
        eventId: this.ids.uuid(),
        type: event.type,
        schemaVersion: event.schemaVersion,
        occurredAt,
        recordedAt,
        actor: { id: this.context.actor.id, role: this.context.actor.role },
        commandId: this.context.commandId,
        correlationId: this.context.correlationId,
        causationId: this.context.causationId,
        payload: event.data as Record<string, unknown>,
        prevHash,
      };
      const canonical = canonicalize(envelope);
      const hash = createHash('sha256').update(canonical, 'utf8').digest('hex');
      this.pending.push({ ...envelope, hash, canonical, recordedAt });
      eventIds.push(envelope.eventId);
      prevHash = hash;
    }
    this.heads.set(streamId, { version, hash: prevHash });
    return { streamId, version, eventIds };
  }

  private assertLocked(streamId: string): void {
    if (!this.lockedStreams.has(streamId)) throw new Error(`stream ${streamId} was not declared by the command`);
  }
}

/**
 * Appends in one short transaction that takes every stream's advisory lock before its first write
 * (so xid order agrees with version order, SEQUENCER.md), then decides against the locked state.
 * A concurrent command on the same stream simply waits and decides after it: nothing to re-try.
 */
@Injectable()
export class PostgresEventStore extends EventStore {
  private readonly logger = new Logger(PostgresEventStore.name);
  private readonly appendListeners: Array<() => void> = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {
    super();
  }

  /** Called after every commit that appended events (the sequencer's doorbell). */
  onAppended(listener: () => void): void {
    this.appendListeners.push(listener);
  }

  async execute<R extends CommandResponse>(command: CommandExecution<R>): Promise<CommandOutcome<R>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.attempt(command);
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && isUniqueViolation(error)) {
          // Two requests with one command id on different streams: the loser re-reads the winner's answer.
          this.logger.debug(`unique violation on attempt ${attempt}; deciding again`);
          continue;
        }
        throw error;
      }
    }
  }

  private async attempt<R extends CommandResponse>(command: CommandExecution<R>): Promise<CommandOutcome<R>> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const streams = [...new Set(command.streamIds)].sort();
      for (const streamId of streams) {
        await runner.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [streamId]);
      }
      const previous: Array<{ request_hash: string; status: number; response: R }> = await runner.query(
        `SELECT request_hash, status, response FROM ledger_commands WHERE command_id = $1`,
        [command.context.commandId],
      );
      if (previous.length > 0) {
        await runner.rollbackTransaction();
        const [first] = previous;
        if (first.request_hash !== command.requestHash) throw new IdempotencyConflictError(command.context.commandId);
        return { response: first.response, status: first.status, replayed: true };
      }
      const tx = new PostgresLedgerTransaction(runner, command.context, new Set(streams), this.clock, this.ids);
      const response = await command.decide(tx);
      await this.insert(runner, tx.pending, command, response);
      await runner.commitTransaction();
      for (const listener of this.appendListeners) listener();
      return { response, status: command.status, replayed: false };
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async insert<R extends CommandResponse>(
    runner: QueryRunner,
    rows: PendingRow[],
    command: CommandExecution<R>,
    response: R,
  ): Promise<void> {
    // A command that changes nothing (already linked, say) is still recorded: its retry must replay.
    await runner.query(
      `WITH appended AS (
         INSERT INTO ledger_events
           (stream_id, stream_type, version, event_id, type, command_id, prev_hash, hash, canonical, recorded_at)
         SELECT s, st, v, e, t, $10, p, h, c, r
         FROM unnest($1::text[], $2::text[], $3::int[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
           AS x(s, st, v, e, t, p, h, c, r)
         RETURNING 1)
       INSERT INTO ledger_commands (command_id, request_hash, status, response)
       SELECT $10, $11, $12, $13 WHERE (SELECT count(*) FROM appended) = $14`,
      [
        rows.map((r) => r.streamId),
        rows.map((r) => r.streamType),
        rows.map((r) => r.version),
        rows.map((r) => r.eventId),
        rows.map((r) => r.type),
        rows.map((r) => r.prevHash),
        rows.map((r) => r.hash),
        rows.map((r) => r.canonical),
        rows.map((r) => r.recordedAt),
        command.context.commandId,
        command.requestHash,
        command.status,
        JSON.stringify(response),
        rows.length,
      ],
    );
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code;
  return code === UNIQUE_VIOLATION || (error as { code?: string }).code === UNIQUE_VIOLATION;
}
