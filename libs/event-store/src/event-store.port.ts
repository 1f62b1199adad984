import type { CommandContext } from '@ledger/domain';
import type { HashedEnvelope } from './envelope.js';

export interface NewEvent {
  type: string;
  schemaVersion: number;
  data: object;
}

/** The state of one stream as read inside an append transaction. */
export interface StreamRead {
  streamId: string;
  /** 0 when the stream has no events yet. */
  version: number;
  events: HashedEnvelope[];
}

export interface AppendedEvents {
  streamId: string;
  version: number;
  eventIds: string[];
}

/** What a command handler may do while its streams are locked. */
export interface LedgerTransaction {
  /** Reads a stream the command declared (and so holds locked), before appending to it. */
  readStream(streamId: string): Promise<StreamRead>;
  /** Reads a stream the command only consults (reference data): not locked, not appendable. */
  peekStream(streamId: string): Promise<StreamRead>;
  append(streamId: string, streamType: string, expectedVersion: number, events: NewEvent[]): AppendedEvents;
  /**
   * Runs a statement in the command's own transaction, for what is kept beside the ledger and must
   * commit or roll back with its events (a new data subject's key). Also the only safe way to touch
   * the database while the transaction is open: on embedded PGlite, one session, a second
   * connection would wait for this transaction's end forever. Optional: a store keeping nothing
   * beside the ledger need not offer it.
   */
  query?(sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
}

export interface CommandResponse {
  id: string;
  version: number;
  eventIds: string[];
  [extra: string]: unknown;
}

export interface CommandExecution<R extends CommandResponse> {
  context: CommandContext;
  /** Hash of everything that makes the request what it is (route, actor, body): a retry must match it. */
  requestHash: string;
  /** HTTP-ish status to replay (201 for a creation, 200 otherwise). */
  status: number;
  /** Every stream the command may touch; locked, in sorted order, before anything is written. */
  streamIds: string[];
  decide(tx: LedgerTransaction): Promise<R>;
}

export interface CommandOutcome<R extends CommandResponse> {
  response: R;
  status: number;
  /** True when this is the stored answer to an earlier request with the same command id. */
  replayed: boolean;
}

/** The one port every command handler appends through. */
export abstract class EventStore {
  abstract execute<R extends CommandResponse>(command: CommandExecution<R>): Promise<CommandOutcome<R>>;
}

export class IdempotencyConflictError extends Error {
  readonly code = 'LEDGER.IDEMPOTENCY_KEY_REUSED';
  readonly status = 422;
  constructor(readonly commandId: string) {
    super(`command id ${commandId} was already used for a different request`);
    this.name = 'IdempotencyConflictError';
  }
}

export class VersionMismatchError extends Error {
  readonly code = 'LEDGER.VERSION_MISMATCH';
  readonly status = 412;
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`stream ${streamId} is at version ${actual}, not ${expected}`);
    this.name = 'VersionMismatchError';
  }

  get extensions(): Record<string, unknown> {
    return { currentVersion: this.actual };
  }
}
