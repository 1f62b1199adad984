import { hash } from 'node:crypto';
import {
  checkClaimDetails,
  Clock,
  decideClaim,
  DomainError,
  evolveClaim,
  evolvePerpetratorList,
  initialClaimState,
  initialPerpetratorList,
  perpetratorEventFromStored,
  type Actor,
  type ClaimEvent,
  type CommandContext,
  type SealedData,
} from '@ledger/domain';
import type { CommandResponse, EventStore, LedgerTransaction } from '@ledger/event-store';
import { canonicalize } from '@ledger/proof';
import { sealVictimNames, type VictimNameKeys } from '@ledger/protection';
import { readCsvRecords, type CsvRecord, type FileDigest } from './csv-records.js';
import { importBatchId, importedClaimId, importedSourceId, importRunId } from './import-ids.js';
import type { ImportMapping } from './mapping.js';
import { RowMapper, type MappedClaim, type RowProblem } from './row-mapper.js';

/** How claim streams are named and typed in the ledger (the API's ClaimStream). */
const claimStream = (claimId: string): string => `claim-${claimId}`;
const CLAIM_STREAM_TYPE = 'claim';
/** The managed perpetrator list's stream (the API's PerpetratorListStream). */
const PERPETRATOR_LIST_STREAM = 'perpetrators';

export interface ImportCounts {
  /** Data rows read from the file (header excluded). */
  rowsRead: number;
  /** Claims this run filed. */
  created: number;
  /** Rows whose claim an earlier run (or a concurrent one) already filed. */
  alreadyImported: number;
  /** Rows that are not claims, each written to the report with its reasons. */
  rejected: number;
}

export interface RejectedRow {
  row: number;
  line: number;
  problems: RowProblem[];
  raw: string;
  fields: string[];
}

export interface ClaimImportOptions {
  store: EventStore;
  clock: Clock;
  /** The importer, recorded on every event (role documenter: filing claims is a documenter's work). */
  actor: Actor;
  /** Seals each victim's name under `victim:<claimId>`, the batch's keys created in its transaction (the DataKeyVault). */
  keys: VictimNameKeys;
  file: FileDigest;
  mapping: ImportMapping;
  /** Claims per command (one transaction); each claim is two events. */
  batchSize: number;
  /** Commands in flight at once. */
  concurrency: number;
  /** Called for every rejected row, in the order they are found (batches may finish out of order). */
  onRejected(row: RejectedRow): void;
  /** Asked before each row: true stops reading; the rows already read are still filed. */
  shouldStop?: () => boolean;
}

interface PendingClaim {
  record: CsvRecord;
  claimId: string;
  claim: MappedClaim;
}

interface BatchResponse extends CommandResponse {
  created: number;
  /** Rows whose claim stream already existed when the batch was decided. */
  existing: number[];
  /** Rows the ledger's rules refused when filing (an unknown perpetrator code, say). */
  refused: Array<{ row: number; problems: RowProblem[] }>;
}

/** A batch with nothing left to file: thrown from decide so the transaction writes nothing at all. */
class NothingToFile extends Error {
  constructor(readonly outcome: Pick<BatchResponse, 'existing' | 'refused'>) {
    super('every claim of the batch is already filed or refused');
  }
}

/**
 * Files a casualty list as claims: streams the file, maps each row, and files the claims in
 * batches, each one command through the event store (one short transaction that locks its
 * streams, the domain's decideClaim for every claim, the same hash chain and sequencer as any
 * command). Every claim gets ClaimFiled and SourceAttached (the file's SHA-256 as its content
 * hash). Claim ids come from the file's hash and the row, so a re-run, after a crash or not,
 * files only what is missing; memory holds at most (concurrency + 1) batches.
 */
export class ClaimImport {
  readonly counts: ImportCounts = { rowsRead: 0, created: 0, alreadyImported: 0, rejected: 0 };
  /** Bytes of the file parsed so far (for progress: the rows are not counted before the end). */
  bytesRead = 0;
  /** True when shouldStop ended the run before the end of the file. */
  stopped = false;
  private readonly mappingSha256: string;
  private readonly correlationId: string;
  private perpetrators: ReadonlySet<string> = new Set(initialPerpetratorList.map((p) => p.code));

  constructor(private readonly options: ClaimImportOptions) {
    this.mappingSha256 = hash('sha256', canonicalize(options.mapping), 'hex');
    this.correlationId = importRunId(options.file.sha256, options.actor.id);
  }

  async run(path: string): Promise<ImportCounts> {
    const { mapping, batchSize, concurrency } = this.options;
    const today = this.options.clock.now().toISOString().slice(0, 10);
    let mapper: RowMapper | null = mapping.header === false ? new RowMapper(mapping, null, today) : null;
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | null = null;
    const dispatch = (batch: PendingClaim[]): void => {
      const done: Promise<void> = this.file(batch)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    };
    let batch: PendingClaim[] = [];
    for await (const item of readCsvRecords(path, { delimiter: mapping.delimiter, header: mapping.header !== false })) {
      if ('header' in item) {
        mapper = new RowMapper(mapping, item.header, today);
        continue;
      }
      if (this.options.shouldStop?.()) {
        this.stopped = true;
        break;
      }
      this.counts.rowsRead += 1;
      this.bytesRead = item.bytesRead;
      const outcome = this.notUtf8(item) ?? (mapper as RowMapper).map(item.fields, item.row);
      if (!outcome.ok) {
        this.reject(item, outcome.problems);
        continue;
      }
      batch.push({ record: item, claimId: importedClaimId(this.options.file.sha256, item.row), claim: outcome.claim });
      if (batch.length >= batchSize) {
        dispatch(batch);
        batch = [];
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        if (failure) break;
      }
    }
    if (batch.length > 0 && !failure) dispatch(batch);
    await Promise.all(inFlight);
    if (failure) throw (failure as { error: unknown }).error;
    const { rowsRead, created, alreadyImported, rejected } = this.counts;
    if (rowsRead !== created + alreadyImported + rejected) {
      throw new Error(`import counts do not add up: ${rowsRead} rows read, ${created} created + ${alreadyImported} already imported + ${rejected} rejected`);
    }
    return this.counts;
  }

  private notUtf8(record: CsvRecord): { ok: false; problems: RowProblem[] } | null {
    const at = this.options.file.firstInvalidUtf8;
    if (at === null || !record.fields.some((f) => f.includes('\uFFFD'))) return null;
    return { ok: false, problems: [{ path: '', message: `holds bytes that are not UTF-8 (the file is not UTF-8 from byte ${at} on): save it as UTF-8 and import it again` }] };
  }

  private reject(record: CsvRecord, problems: RowProblem[]): void {
    this.counts.rejected += 1;
    this.options.onRejected({ row: record.row, line: record.line, problems, raw: record.raw, fields: record.fields });
  }

  /** One batch as one command; its counts are added once it has committed (or was found done). */
  private async file(batch: PendingClaim[]): Promise<void> {
    const { store, clock, actor, file } = this.options;
    const rows = batch.map((p) => p.record.row);
    const commandId = importBatchId(file.sha256, actor.id, this.mappingSha256, rows);
    const context: CommandContext = { commandId, correlationId: this.correlationId, causationId: commandId, actor, issuedAt: clock.now() };
    const requestHash = hash('sha256', canonicalize({ import: file.sha256, mapping: this.mappingSha256, actor, rows }), 'hex');
    let outcome: Pick<BatchResponse, 'created' | 'existing' | 'refused'>;
    let replayed = false;
    try {
      const result = await store.execute<BatchResponse>({
        context,
        requestHash,
        status: 201,
        streamIds: batch.map((p) => claimStream(p.claimId)),
        decide: (tx) => this.decide(tx, batch, context),
      });
      outcome = result.response;
      replayed = result.replayed;
    } catch (error) {
      if (!(error instanceof NothingToFile)) throw error;
      outcome = { created: 0, ...error.outcome };
    }
    const byRow = new Map(batch.map((p) => [p.record.row, p.record]));
    for (const { row, problems } of outcome.refused) this.reject(byRow.get(row) as CsvRecord, problems);
    // A replayed batch was filed by an earlier run: its claims are this run's "already imported".
    this.counts.created += replayed ? 0 : outcome.created;
    this.counts.alreadyImported += outcome.existing.length + (replayed ? outcome.created : 0);
  }

  private async decide(tx: LedgerTransaction, batch: PendingClaim[], context: CommandContext): Promise<BatchResponse> {
    if (batch.some((p) => !this.perpetrators.has(p.claim.details.perpetrator))) {
      const list = (await tx.peekStream(PERPETRATOR_LIST_STREAM)).events.reduce(
        (state, e) => evolvePerpetratorList(state, perpetratorEventFromStored(e.type, e.schemaVersion, e.payload)),
        initialPerpetratorList,
      );
      this.perpetrators = new Set(list.map((p) => p.code));
    }
    const existing: number[] = [];
    const refused: BatchResponse['refused'] = [];
    const eventIds: string[] = [];
    const today = context.issuedAt.toISOString().slice(0, 10);
    // The rows to file: not filed before, and valid (checked before any key is made for them).
    const toFile: PendingClaim[] = [];
    for (const pending of batch) {
      const { version } = await tx.readStream(claimStream(pending.claimId));
      if (version > 0) {
        existing.push(pending.record.row);
        continue;
      }
      const problems = checkClaimDetails(pending.claim.details, this.perpetrators, today);
      if (problems.length > 0) refused.push({ row: pending.record.row, problems });
      else toFile.push(pending);
    }
    // Every name of the batch sealed under its victim's key; the keys go in with one statement.
    const names = toFile.flatMap(({ claimId, claim }) => (claim.details.victim.name !== undefined ? [{ claimId, name: claim.details.victim.name }] : []));
    const sealed = await sealVictimNames(this.options.keys, names, tx);
    let first: string | undefined;
    for (const { record, claimId, claim } of toFile) {
      const streamId = claimStream(claimId);
      const { name: _name, ...victim } = claim.details.victim;
      const sealedVictimName = sealed.get(claimId) as SealedData | undefined;
      let events: ClaimEvent[];
      try {
        const filed = decideClaim(
          { type: 'FileClaim', claimId, details: { ...claim.details, victim }, ...(sealedVictimName ? { sealedVictimName } : {}), knownPerpetrators: this.perpetrators },
          initialClaimState,
          context,
        );
        const state = filed.reduce(evolveClaim, initialClaimState);
        const source = { ...claim.source, contentSha256: this.options.file.sha256 };
        events = [...filed, ...decideClaim({ type: 'AttachSource', sourceId: importedSourceId(claimId), source }, state, context)];
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        refused.push({ row: record.row, problems: error.fields.length > 0 ? error.fields : [{ path: '', message: error.message }] });
        continue;
      }
      eventIds.push(...tx.append(streamId, CLAIM_STREAM_TYPE, 0, events.map((e) => ({ type: e.type, schemaVersion: e.schemaVersion, data: e.data }))).eventIds);
      first ??= claimId;
    }
    if (first === undefined) throw new NothingToFile({ existing, refused });
    return { id: first, version: 2, eventIds, created: batch.length - existing.length - refused.length, existing, refused };
  }
}
