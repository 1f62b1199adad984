import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Clock } from '@ledger/domain';
import { openSealedJson, valueKey, victimNameAad, type SealedValue } from '@ledger/proof';
import { throwawayNameKeys } from '@ledger/protection';
import {
  EventStore,
  IdempotencyConflictError,
  type CommandExecution,
  type CommandOutcome,
  type CommandResponse,
  type HashedEnvelope,
  type LedgerTransaction,
  type NewEvent,
} from '@ledger/event-store';
import { GAZA_MAPPING } from './built-in-mappings.js';
import { ClaimImport, type ClaimImportOptions, type RejectedRow } from './claim-import.js';
import { digestFile, type FileDigest } from './csv-records.js';
import { importedClaimId } from './import-ids.js';
import { overrideMapping } from './mapping.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/import/gaza-excerpt.csv', import.meta.url));

interface StoredEvent {
  type: string;
  data: Record<string, unknown>;
  actor: { id: string; role: string };
  commandId: string;
  correlationId: string;
}

/**
 * The event store port's contract in memory: a command replays its stored answer (or refuses
 * another request with its id), decides against the streams as they are, and either all its
 * events and its record are kept or, when decide throws, nothing. Commands run one at a time,
 * as the advisory locks would order them on shared streams.
 */
class MemoryEventStore extends EventStore {
  readonly streams = new Map<string, StoredEvent[]>();
  readonly commands = new Map<string, { requestHash: string; response: CommandResponse; status: number }>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Fails the command with this ordinal (1-based) before it commits: a crash mid-import. */
  failAt: number | null = null;
  executed = 0;

  execute<R extends CommandResponse>(command: CommandExecution<R>): Promise<CommandOutcome<R>> {
    const run = this.queue.then(() => this.run(command));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run<R extends CommandResponse>(command: CommandExecution<R>): Promise<CommandOutcome<R>> {
    const { context } = command;
    const previous = this.commands.get(context.commandId);
    if (previous) {
      if (previous.requestHash !== command.requestHash) throw new IdempotencyConflictError(context.commandId);
      return { response: previous.response as R, status: previous.status, replayed: true };
    }
    const declared = new Set(command.streamIds);
    const pending = new Map<string, StoredEvent[]>();
    const read = (streamId: string) => {
      const events = this.streams.get(streamId) ?? [];
      return { streamId, version: events.length, events: events.map((e) => ({ type: e.type, schemaVersion: 1, payload: e.data }) as unknown as HashedEnvelope) };
    };
    const tx: LedgerTransaction = {
      readStream: async (streamId) => {
        if (!declared.has(streamId)) throw new Error(`undeclared stream ${streamId}`);
        return read(streamId);
      },
      peekStream: async (streamId) => read(streamId),
      append: (streamId: string, _type: string, expectedVersion: number, events: NewEvent[]) => {
        if ((this.streams.get(streamId)?.length ?? 0) !== expectedVersion) throw new Error('version mismatch');
        pending.set(streamId, events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, actor: context.actor, commandId: context.commandId, correlationId: context.correlationId })));
        return { streamId, version: expectedVersion + events.length, eventIds: events.map(() => randomUUID()) };
      },
    };
    const response = await command.decide(tx);
    this.executed += 1;
    if (this.executed === this.failAt) throw new Error('the connection was lost');
    for (const [streamId, events] of pending) this.streams.set(streamId, events);
    this.commands.set(context.commandId, { requestHash: command.requestHash, response, status: command.status });
    return { response, status: command.status, replayed: false };
  }

  eventCount(): number {
    return [...this.streams.values()].reduce((n, events) => n + events.length, 0);
  }
}

class FixedClock extends Clock {
  now(): Date {
    return new Date('2025-11-25T12:00:00Z');
  }
}

describe('ClaimImport', () => {
  let file: FileDigest;
  const keysMade = new Map<string, Uint8Array>();
  beforeAll(async () => {
    file = await digestFile(FIXTURE);
  });

  const importer = (store: EventStore, overrides: Partial<ClaimImportOptions> = {}) => {
    const rejected: RejectedRow[] = [];
    const run = new ClaimImport({
      store,
      clock: new FixedClock(),
      actor: { id: 'u-importer', role: 'documenter' },
      keys: { createDataKeys: async (subjects, within) => {
        const made = await throwawayNameKeys.createDataKeys(subjects, within);
        for (const [subject, key] of made) keysMade.set(subject, key);
        return made;
      } },
      file,
      mapping: GAZA_MAPPING,
      batchSize: 40,
      concurrency: 3,
      onRejected: (row) => rejected.push(row),
      ...overrides,
    });
    return { run, rejected, go: () => run.run(FIXTURE) };
  };

  it('files every row as a claim with the file as its source, in batches, by the importer', async () => {
    const store = new MemoryEventStore();
    const counts = await importer(store).go();
    expect(counts).toEqual({ rowsRead: 300, created: 300, alreadyImported: 0, rejected: 0 });
    expect(store.commands.size).toBe(Math.ceil(300 / 40));
    expect(store.streams.size).toBe(300);
    const first = store.streams.get(`claim-${importedClaimId(file.sha256, 1)}`) ?? [];
    expect(first.map((e) => e.type)).toEqual(['ClaimFiled', 'SourceAttached']);
    const claimId = importedClaimId(file.sha256, 1);
    expect(first[0].data).toMatchObject({ claimId, filedBy: { id: 'u-importer', role: 'documenter' }, victim: { sex: 'female' } });
    // The name is sealed under the victim's key (created with the batch), never in the clear.
    expect(JSON.stringify(first[0].data)).not.toMatch(/Amal|أمل/);
    const sealed = (first[0].data as { protected: { victimName: SealedValue } }).protected.victimName;
    expect(sealed.subject).toBe(`victim:${claimId}`);
    const aad = victimNameAad(sealed.subject, claimId);
    expect(openSealedJson(sealed, valueKey(keysMade.get(sealed.subject) as Uint8Array, aad), aad)).toMatchObject({ latin: 'Amal Muhammad Jmuaah Abu Sois', arabic: 'أمل محمد جمعة أبو صويص' });
    expect(keysMade.size).toBe(300);
    expect(first[1].data).toMatchObject({ contentSha256: file.sha256, type: 'official-statement', attachedBy: { id: 'u-importer', role: 'documenter' } });
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    const correlations = new Set([...store.streams.values()].flat().map((e) => e.correlationId));
    expect(correlations.size).toBe(1);
  });

  it('appends nothing when the same file is imported again, whatever the batch size or the actor', async () => {
    const store = new MemoryEventStore();
    await importer(store).go();
    const [events, commands] = [store.eventCount(), store.commands.size];
    expect(await importer(store).go()).toEqual({ rowsRead: 300, created: 0, alreadyImported: 300, rejected: 0 });
    expect(await importer(store, { batchSize: 77 }).go()).toEqual({ rowsRead: 300, created: 0, alreadyImported: 300, rejected: 0 });
    expect(await importer(store, { actor: { id: 'u-other', role: 'documenter' } }).go()).toEqual({ rowsRead: 300, created: 0, alreadyImported: 300, rejected: 0 });
    expect([store.eventCount(), store.commands.size]).toEqual([events, commands]);
  });

  it('finishes after a crash with no claim twice: the committed batches count as already imported', async () => {
    const store = new MemoryEventStore();
    store.failAt = 4;
    const crashed = importer(store, { concurrency: 1 });
    await expect(crashed.go()).rejects.toThrow('the connection was lost');
    const committed = store.streams.size;
    expect(committed).toBe(3 * 40);
    store.failAt = null;
    expect(await importer(store, { concurrency: 1 }).go()).toEqual({ rowsRead: 300, created: 300 - committed, alreadyImported: committed, rejected: 0 });
    expect(store.streams.size).toBe(300);
    expect(store.eventCount()).toBe(600);
  });

  it('reports every row it cannot file, with the row itself, again on every run, and the counts add up', async () => {
    const store = new MemoryEventStore();
    const onlyMen = overrideMapping(GAZA_MAPPING, { claim: { 'victim.sex': { column: 'sex', values: { m: 'male' } } } });
    const first = importer(store, { mapping: onlyMen });
    const counts = await first.go();
    const women = first.rejected.length;
    expect(women).toBeGreaterThan(50);
    expect(counts).toEqual({ rowsRead: 300, created: 300 - women, alreadyImported: 0, rejected: women });
    expect(first.rejected[0]).toEqual({
      row: 1,
      line: 2,
      problems: [{ path: '/victim/sex', column: 'sex', message: expect.stringContaining('"f" is not one of the mapping\'s values (m)') }],
      raw: 'طفل رضيع66,أمل محمد جمعة أبو صويص,Amal Muhammad Jmuaah Abu Sois,0,2023-12-05,f,c',
      fields: ['طفل رضيع66', 'أمل محمد جمعة أبو صويص', 'Amal Muhammad Jmuaah Abu Sois', '0', '2023-12-05', 'f', 'c'],
    });
    const again = importer(store, { mapping: onlyMen });
    expect(await again.go()).toEqual({ rowsRead: 300, created: 0, alreadyImported: 300 - women, rejected: women });
    // With a mapping that reads both sexes, the same file files only the rows the first run rejected.
    expect(await importer(store).go()).toEqual({ rowsRead: 300, created: women, alreadyImported: 300 - women, rejected: 0 });
  });

  it('leaves the perpetrator code to the ledger: a code its list does not have is refused when filing, and nothing is written', async () => {
    const store = new MemoryEventStore();
    const unknownCode = overrideMapping(GAZA_MAPPING, { claim: { perpetrator: { value: 'someone-else' } } });
    const run = importer(store, { mapping: unknownCode });
    expect(await run.go()).toEqual({ rowsRead: 300, created: 0, alreadyImported: 0, rejected: 300 });
    expect(run.rejected[0].problems).toEqual([{ path: '/perpetrator', message: 'is not a code from GET /perpetrators' }]);
    expect([store.eventCount(), store.commands.size]).toEqual([0, 0]);
  });

  it('stops reading when asked and still files what it read', async () => {
    const store = new MemoryEventStore();
    let asked = 0;
    const { run, go } = importer(store, { shouldStop: () => (asked += 1) > 100 });
    expect(await go()).toEqual({ rowsRead: 100, created: 100, alreadyImported: 0, rejected: 0 });
    expect(run.stopped).toBe(true);
    expect(store.streams.size).toBe(100);
  });
});
