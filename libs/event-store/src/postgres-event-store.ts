import { hash as digest } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Clock, IdGenerator, type CommandContext } from '@ledger/domain';
import { canonicalize } from '@ledger/proof';
import { DataSource } from 'typeorm';
import { parseEnvelope, type HashedEnvelope } from './envelope.js';
import { sqlLiteral } from './sql-literal.js';
import { StreamCache, type CachedPrefix, type StoredRow } from './stream-cache.js';
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
/** From this many events a command's rows travel as parameters, not as escaped literals (insertBatch). */
const BATCH_EVENTS = 64;
const LINE_BREAK = Buffer.from('\n');
/** Canonical text the stream cache may hold (a claim's stream is a few kilobytes). */
const STREAM_CACHE_BYTES = 32 * 1024 * 1024;
/** Commands touching more streams than this (an import's batches) leave the cache alone. */
const CACHED_STREAMS_PER_COMMAND = 4;

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

/** A connection checked out of the pool, as node-postgres gives it. */
interface PgClient {
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
  release(error?: Error | boolean): void;
}

interface PgPool {
  connect(): Promise<PgClient>;
}

interface PreparedNames {
  readonly read: string;
  readonly append: string;
}

/** The store's SQL prepared statements (see PostgresEventStore.prepared). */
const PREPARED: PreparedNames = { read: 'ledger_command_read', append: 'ledger_command_append' };

/**
 * Connections known to have the prepared statements in their session. Kept for the process, not
 * per store: two stores may share a pool, and an embedded database shares one session between
 * all its connections (they find the statements already there).
 */
const preparedOn = new WeakSet<PgClient>();
/** One connection at a time looks for the statements and prepares them (one session may be shared). */
let preparing: Promise<unknown> = Promise.resolve();

/** A locked stream: what the cache held of it, and the versions read after that. */
interface LockedStream {
  readonly cached: CachedPrefix | null;
  readonly fresh: StoredRow[];
}

class PostgresLedgerTransaction implements LedgerTransaction {
  readonly pending: PendingRow[] = [];
  private readonly heads = new Map<string, { version: number; hash: string | null }>();

  constructor(
    private readonly client: PgClient,
    private readonly context: CommandContext,
    /** The declared streams, read once the locks were held. */
    private readonly locked: ReadonlyMap<string, LockedStream>,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async query(sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
    return (await this.client.query(sql, params)).rows;
  }

  async readStream(streamId: string): Promise<StreamRead> {
    const stream = this.locked.get(streamId);
    if (!stream) throw new Error(`stream ${streamId} was not declared by the command`);
    const last = stream.fresh.at(-1) ?? stream.cached?.rows.at(-1);
    this.heads.set(streamId, { version: last?.version ?? 0, hash: last?.hash ?? null });
    const fresh = stream.fresh.map((row) => parseEnvelope(row.canonical));
    return { streamId, version: last?.version ?? 0, events: stream.cached ? [...stream.cached.events(), ...fresh] : fresh };
  }

  async peekStream(streamId: string): Promise<StreamRead> {
    const { rows } = await this.client.query<StoredRow>(
      `SELECT canonical, hash, version FROM ledger_events WHERE stream_id = $1 ORDER BY version`,
      [streamId],
    );
    return toStreamRead(streamId, rows);
  }

  append(streamId: string, streamType: string, expectedVersion: number, events: NewEvent[]): AppendedEvents {
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
      const hash = digest('sha256', canonical, 'hex');
      this.pending.push({ ...envelope, hash, canonical, recordedAt });
      eventIds.push(envelope.eventId);
      prevHash = hash;
    }
    this.heads.set(streamId, { version, hash: prevHash });
    return { streamId, version, eventIds };
  }
}

function toStreamRead(streamId: string, rows: StoredRow[]): StreamRead {
  return { streamId, version: rows.at(-1)?.version ?? 0, events: rows.map((r) => parseEnvelope(r.canonical)) };
}

/**
 * Appends in one short transaction that takes every stream's advisory lock before its first write
 * (so xid order agrees with version order, SEQUENCER.md), then decides against the locked state.
 * A concurrent command on the same stream simply waits and decides after it: nothing to re-try.
 * Two round trips: BEGIN, the locks and the reads; then the inserts with COMMIT.
 */
@Injectable()
export class PostgresEventStore extends EventStore {
  private readonly logger = new Logger(PostgresEventStore.name);
  private readonly appendListeners: Array<(types: readonly string[]) => void> = [];
  private readonly pool: PgPool;
  private readonly cache = new StreamCache(STREAM_CACHE_BYTES);

  constructor(
    dataSource: DataSource,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {
    super();
    // The pool TypeORM opened: one set of connections, settings and limits for the whole app.
    this.pool = (dataSource.driver as unknown as { master: PgPool }).master;
  }

  /** Called after every command's commit with the types of the events it appended (the sequencer's doorbell, metrics). */
  onAppended(listener: (types: readonly string[]) => void): void {
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
    const client = await this.pool.connect();
    let inTransaction = false;
    let broken: Error | undefined;
    try {
      const streams = [...new Set(command.streamIds)].sort();
      const literal = sqlLiteral;
      // One simple-protocol batch: BEGIN, the locks in sorted order before any write, then the
      // command's earlier answer and the locked streams, read by a statement that starts (and
      // takes its snapshot) only once every lock is held. The locks are one statement: unnest
      // yields the sorted names in order and each row takes its lock as it is produced, so a batch
      // command locking a thousand streams costs one statement, not a thousand.
      const names = streams.map(literal).join(',');
      // Cached streams are read from after their cached prefix, the others whole.
      const prefixes = new Map(streams.map((s) => [s, this.cache.prefix(s)]));
      const uncached = streams.filter((s) => prefixes.get(s) === null);
      const wanted = [
        ...(uncached.length > 0 ? [`stream_id IN (${uncached.map(literal).join(',')})`] : []),
        ...streams.flatMap((s) => {
          const prefix = prefixes.get(s);
          return prefix ? [`(stream_id = ${literal(s)} AND version > ${prefix.rows.length})`] : [];
        }),
      ].join(' OR ');
      // One stream (most commands) needs no ordering, and is read by the session's prepared
      // statement, planned once per connection rather than on every command.
      const single =
        streams.length === 1
          ? await this.prepared(client).catch((error: unknown) => {
              // A session left half prepared is not used again: the pool closes it.
              broken = error instanceof Error ? error : new Error(String(error));
              throw error;
            })
          : null;
      inTransaction = true;
      const read = single
        ? `SELECT pg_advisory_xact_lock(hashtextextended(${names}, 0));
           EXECUTE ${single.read}(${literal(command.context.commandId)}, ${names}, ${prefixes.get(streams[0])?.rows.length ?? 0})`
        : `SELECT count(*) FROM (SELECT pg_advisory_xact_lock(hashtextextended(s, 0)) FROM unnest(ARRAY[${names}]::text[]) WITH ORDINALITY AS l(s, i) ORDER BY i) AS locked;
           SELECT 0 AS part, request_hash AS a, response::text AS b, status::int AS n, NULL::text AS s
             FROM ledger_commands WHERE command_id = ${literal(command.context.commandId)}::uuid
           UNION ALL
           SELECT 1, canonical, hash, version, stream_id FROM ledger_events
             WHERE ${wanted}
           ORDER BY part, s, n`;
      const results = await client.query(`BEGIN; ${read}`);
      const rows = (results as unknown as Array<{ rows: Array<{ part: number; a: string; b: string; n: number; s: string | null }> }>).at(-1)?.rows ?? [];
      const previous = rows.find((row) => row.part === 0);
      if (previous) {
        await client.query('ROLLBACK');
        inTransaction = false;
        if (previous.a !== command.requestHash) throw new IdempotencyConflictError(command.context.commandId);
        return { response: JSON.parse(previous.b) as R, status: previous.n, replayed: true };
      }
      const locked = new Map<string, LockedStream>(streams.map((s) => [s, { cached: prefixes.get(s) ?? null, fresh: [] }]));
      for (const row of rows) locked.get(row.s as string)?.fresh.push({ canonical: row.a, hash: row.b, version: row.n });
      const tx = new PostgresLedgerTransaction(client, command.context, locked, this.clock, this.ids);
      const response = await command.decide(tx);
      if (tx.pending.length >= BATCH_EVENTS) {
        await this.insertBatch(client, tx.pending, command, response);
        await client.query('COMMIT');
      } else if (single && tx.pending.length === 1) {
        const [r] = tx.pending;
        const text = (value: string | null): string => (value === null ? 'NULL' : literal(value));
        await client.query(
          `EXECUTE ${single.append}(${text(r.streamId)}, ${text(r.streamType)}, ${Number(r.version)}, ${text(r.eventId)}, ${text(r.type)}, ${text(command.context.commandId)}, ${text(r.prevHash)}, ${text(r.hash)}, ${text(r.canonical)}, ${text(r.recordedAt)}, ${text(command.requestHash)}, ${Number(command.status)}, ${text(JSON.stringify(response))});COMMIT`,
        );
      } else {
        await client.query(`${this.insertSql(tx.pending, command, response)};COMMIT`);
      }
      inTransaction = false;
      if (streams.length <= CACHED_STREAMS_PER_COMMAND) this.remember(locked, tx.pending);
      const types = tx.pending.map((row) => row.type);
      for (const listener of this.appendListeners) listener(types);
      return { response, status: command.status, replayed: false };
    } catch (error) {
      if (inTransaction) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * The one-stream read and the one-event append as SQL prepared statements of this connection's
   * session (EXECUTE rides in the same simple-protocol batch as BEGIN and COMMIT), prepared once
   * per session: an embedded database's connections share one, and find them there.
   */
  private async prepared(client: PgClient): Promise<PreparedNames> {
    if (preparedOn.has(client)) return PREPARED;
    const done = preparing.then(async () => {
      const { rows } = await client.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name IN ('${PREPARED.read}', '${PREPARED.append}')`);
      const present = new Set(rows.map((row) => row.name));
      const statements = [
        ...(present.has(PREPARED.read)
          ? []
          : [
              `PREPARE ${PREPARED.read} (uuid, text, int) AS
                 SELECT 0 AS part, request_hash AS a, response::text AS b, status::int AS n, NULL::text AS s
                   FROM ledger_commands WHERE command_id = $1
                 UNION ALL
                 SELECT 1, canonical, hash, version, stream_id FROM ledger_events WHERE stream_id = $2 AND version > $3
                 ORDER BY part, s, n`,
            ]),
        ...(present.has(PREPARED.append)
          ? []
          : [
              `PREPARE ${PREPARED.append} (text, text, int, uuid, text, uuid, text, text, text, timestamptz, text, int, jsonb) AS
                 WITH appended AS (
                   INSERT INTO ledger_events (stream_id, stream_type, version, event_id, type, command_id, prev_hash, hash, canonical, recorded_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10))
                 INSERT INTO ledger_commands (command_id, request_hash, status, response) VALUES ($6, $11, $12, $13)`,
            ]),
      ];
      if (statements.length > 0) await client.query(statements.join(';'));
      preparedOn.add(client);
    });
    preparing = done.catch(() => undefined);
    await done;
    return PREPARED;
  }

  /** After a commit: each stream the command locked, as it now stands, for the next command on it. */
  private remember(locked: ReadonlyMap<string, LockedStream>, appended: readonly PendingRow[]): void {
    for (const [streamId, stream] of locked) {
      const rows = [...(stream.cached?.rows ?? []), ...stream.fresh, ...appended.filter((row) => row.streamId === streamId)];
      this.cache.remember(streamId, rows);
    }
  }

  /**
   * The events and the command record in one statement, values inlined as escaped literals so
   * that COMMIT can ride in the same round trip. A command that changes nothing (already linked,
   * say) is still recorded: its retry must replay.
   */
  private insertSql<R extends CommandResponse>(rows: PendingRow[], command: CommandExecution<R>, response: R): string {
    const text = (value: string | null): string => (value === null ? 'NULL' : sqlLiteral(value));
    const commandId = text(command.context.commandId);
    const record = `INSERT INTO ledger_commands (command_id, request_hash, status, response) VALUES (${commandId}::uuid, ${text(command.requestHash)}, ${Number(command.status)}, ${text(JSON.stringify(response))}::jsonb)`;
    if (rows.length === 0) return record;
    const values = rows
      .map(
        (r) =>
          `(${text(r.streamId)}, ${text(r.streamType)}, ${Number(r.version)}, ${text(r.eventId)}::uuid, ${text(r.type)}, ${commandId}::uuid, ${text(r.prevHash)}, ${text(r.hash)}, ${text(r.canonical)}, ${text(r.recordedAt)}::timestamptz)`,
      )
      .join(',');
    return `INSERT INTO ledger_events (stream_id, stream_type, version, event_id, type, command_id, prev_hash, hash, canonical, recorded_at) VALUES ${values};${record}`;
  }

  /**
   * A batch command's events (an import's thousands) and its record in one statement with
   * parameters: the canonical texts as one UTF-8 blob split on line breaks (canonical JSON has
   * none), the other columns as arrays, inserted in the order given. Megabytes of escaped literals
   * in one query string cost the importer more CPU than the rest of the command; COMMIT then
   * takes its own round trip.
   */
  private async insertBatch<R extends CommandResponse>(client: PgClient, rows: PendingRow[], command: CommandExecution<R>, response: R): Promise<void> {
    const texts: Buffer[] = [];
    for (const row of rows) {
      if (row.canonical.includes('\n')) throw new Error(`event ${row.eventId}: a canonical form holds a line break`);
      if (texts.length > 0) texts.push(LINE_BREAK);
      texts.push(Buffer.from(row.canonical, 'utf8'));
    }
    await client.query(
      `WITH appended AS (
         INSERT INTO ledger_events (stream_id, stream_type, version, event_id, type, command_id, prev_hash, hash, canonical, recorded_at)
         SELECT e.stream_id, e.stream_type, e.version, e.event_id::uuid, e.type, $9::uuid, e.prev_hash, e.hash, e.canonical, e.recorded_at::timestamptz
           FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], string_to_array(convert_from($8::bytea, 'UTF8'), E'\\n'), $10::text[])
                WITH ORDINALITY AS e(stream_id, stream_type, version, event_id, type, prev_hash, hash, canonical, recorded_at, n)
          ORDER BY e.n)
       INSERT INTO ledger_commands (command_id, request_hash, status, response) VALUES ($9::uuid, $11, $12, $13::jsonb)`,
      [
        rows.map((r) => r.streamId),
        rows.map((r) => r.streamType),
        rows.map((r) => r.version),
        rows.map((r) => r.eventId),
        rows.map((r) => r.type),
        rows.map((r) => r.prevHash),
        rows.map((r) => r.hash),
        Buffer.concat(texts),
        command.context.commandId,
        rows.map((r) => r.recordedAt),
        command.requestHash,
        Number(command.status),
        JSON.stringify(response),
      ],
    );
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === UNIQUE_VIOLATION;
}
