import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { BUNDLE_FORMAT, BundleWriter, claimSummaryHtml, ProvBuilder, sourceLine } from '@ledger/bundle';
import { LedgerConfig } from '@ledger/config';
import { Clock, DomainError, decideExport, EXPORT_STREAM_TYPE, exportStreamId, type ExportedStream, type ExportScope } from '@ledger/domain';
import { CheckpointIssuer, Doorbell, EventStore, LedgerIdentity, LedgerReader, servedEnvelope, type CommandOutcome, type CommandResponse } from '@ledger/event-store';
import { isSealedValue, openSealedJson, toBase64, valueKey, witnessIdentityAad, type LedgerEnvelope } from '@ledger/proof';
import { DataKeyVault, sealedVictimNameOf, type SealedVictimName } from '@ledger/protection';
import { parseClaimFilter } from '@ledger/read-models';
import { DataSource } from 'typeorm';
import type { CommandRequest } from '../commands/command-request.js';
import { filterConditions } from '../read-side/filter-sql.js';
import { readSeq } from '../read-side/read-model-wait.js';

/** A court bundle is for a case, not an archive: 10,000 claims at most, streamed in bounded memory. */
export const EXPORT_MAX_CLAIMS = 10_000;
const STREAMS_PER_READ = 200;
const SEQUENCED_WAIT_MS = 10_000;

export interface ExportRequest {
  scope: ExportScope;
  redacted: boolean;
  justification?: string;
  consistencyFrom: number[];
}

export interface PreparedExport {
  exportId: string;
  /** Writes the bundle; resolves with its digest once the ExportCompleted event is recorded. */
  write(out: Writable): Promise<{ sha256: string; lines: number }>;
}

interface StoredRow {
  stream_id: string;
  version: number;
  seq: string;
  canonical: string;
  hash: string;
}

/**
 * Builds evidence bundles (docs/BUNDLE-FORMAT.md): records the export in the ledger with the heads
 * of every stream it covers, waits until that record is in the signed log, then streams every
 * event with its inclusion proof against one checkpoint, the sources, the disclosures asked for,
 * the PROV document and a summary per claim, and finally records the file's SHA-256.
 */
@Injectable()
export class EvidenceExporter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly reader: LedgerReader,
    private readonly checkpoints: CheckpointIssuer,
    private readonly identity: LedgerIdentity,
    private readonly vault: DataKeyVault,
    private readonly config: LedgerConfig,
    private readonly clock: Clock,
  ) {}

  async prepare(request: CommandRequest, body: ExportRequest): Promise<PreparedExport> {
    // The command id names the export: a retry with the same Idempotency-Key re-delivers the same
    // export, with the streams its first request recorded.
    const exportId = request.context.commandId;
    const claimIds = await this.claimsOf(body.scope);
    const streamIds = [...(body.scope.type === 'incident' ? [`incident-${body.scope.incidentId}`] : []), ...claimIds.map((id) => `claim-${id}`)];
    let streams = await this.heads(streamIds);
    if (body.scope.type !== 'query' && streams.length !== streamIds.length) {
      const missing = streamIds.find((id) => !streams.some((s) => s.streamId === id)) ?? '';
      throw new DomainError(missing.startsWith('incident-') ? 'INCIDENT.NOT_FOUND' : 'CLAIM.NOT_FOUND', 'not-found', `${missing} is not in the ledger`);
    }
    const recorded = await this.record(request, { type: 'RecordExport', exportId, scope: body.scope, redacted: body.redacted, justification: body.justification, streams });
    if (recorded.replayed) streams = await this.recordedStreams(exportId);
    const exportSeq = await this.sequenced(exportStreamId(exportId), streams);
    const size = Math.max(exportSeq, await this.reader.treeSize());
    for (const from of body.consistencyFrom) {
      if (from < 1 || from > size) throw DomainError.invalid('EXPORT.INVALID', [{ path: '/consistencyFrom', message: `${from} is not a tree size from 1 to ${size}` }]);
    }
    const note = await this.checkpoints.at(size);
    return {
      exportId,
      write: async (out) => {
        const digest = await this.writeBundle(out, { exportId, body, streams: [{ streamId: exportStreamId(exportId), version: 1, headHash: '' }, ...streams], size, note });
        await this.record(request, { type: 'CompleteExport', exportId, bundleSha256: digest.sha256, lines: digest.lines });
        return digest;
      },
    };
  }

  private async recordedStreams(exportId: string): Promise<ExportedStream[]> {
    const [row]: Array<{ streams: ExportedStream[] }> = await this.dataSource.query(
      `SELECT canonical::jsonb -> 'payload' -> 'streams' AS streams FROM ledger_events WHERE stream_id = $1 AND version = 1`,
      [exportStreamId(exportId)],
    );
    return row.streams;
  }

  private async writeBundle(
    out: Writable,
    job: { exportId: string; body: ExportRequest; streams: ExportedStream[]; size: number; note: string },
  ): Promise<{ sha256: string; lines: number }> {
    const writer = new BundleWriter();
    const emit = async (line: Record<string, unknown>): Promise<void> => {
      if (!out.write(writer.line(line))) await once(out, 'drain');
    };
    const verifierKey = await this.identity.verifierKey();
    const createdAt = this.clock.now().toISOString();
    await emit({
      kind: 'bundle',
      format: BUNDLE_FORMAT,
      exportId: job.exportId,
      origin: this.config.LEDGER_ORIGIN,
      createdAt,
      scope: job.body.scope,
      redacted: job.body.redacted,
      verifierKey,
    });
    await emit({ kind: 'checkpoint', note: job.note });
    for (const from of job.body.consistencyFrom) {
      const proof = await this.reader.consistency(from, job.size);
      const earlier = await this.reader.checkpointAt(from).catch(() => null);
      await emit({ kind: 'consistency', fromSize: from, toSize: job.size, proof: proof.proof, ...(earlier ? { note: earlier } : {}) });
    }

    const prov = new ProvBuilder();
    const sources: Array<Record<string, unknown>> = [];
    const sealed: Array<{ eventId: string; testimonyId: string; value: Parameters<DataKeyVault['open']>[0] }> = [];
    const sealedNames: Array<{ eventId: string; place: SealedVictimName }> = [];
    for (const streams of chunks(job.streams, STREAMS_PER_READ)) {
      const rows = await this.eventsOf(streams);
      const proofs = await this.reader.inclusionProofs(rows.map((row) => Number(row.seq)), job.size);
      for (const row of rows) {
        const text = servedEnvelope({ canonical: row.canonical, hash: row.hash, seq: Number(row.seq) });
        const envelope = JSON.parse(text) as LedgerEnvelope;
        prov.add(envelope);
        const payload = envelope.payload as Record<string, unknown>;
        if (envelope.type === 'SourceAttached' || envelope.type === 'IncidentSourceAttached') sources.push(sourceLine(envelope.eventId, payload));
        const identity = (payload.protected as { witnessIdentity?: unknown } | undefined)?.witnessIdentity;
        if (envelope.type === 'TestimonyRecorded' && isSealedValue(identity)) sealed.push({ eventId: envelope.eventId, testimonyId: String(payload.testimonyId), value: identity });
        const name = sealedVictimNameOf(envelope);
        if (name) sealedNames.push({ eventId: envelope.eventId, place: name });
        const line = writer.eventLine(text, proofs.get(Number(row.seq)) ?? []);
        if (!out.write(line)) await once(out, 'drain');
      }
    }
    for (const source of sources) await emit(source);

    const disclosures = new Map<string, unknown>();
    if (!job.body.redacted) {
      for (const { eventId, testimonyId, value } of sealed) {
        const aad = witnessIdentityAad(value.subject, testimonyId);
        // An erased witness stays erased, in every export after the erasure.
        const plaintext = await this.vault.open(value, aad).catch(() => undefined);
        if (plaintext === undefined) continue;
        disclosures.set(eventId, plaintext);
        await emit({ kind: 'disclosure', eventId, subject: value.subject, dataKey: (await this.vault.exportKey(value.subject)).toString('base64'), plaintext });
      }
    }
    // Victims' names, in every bundle: each with the value key that opens that one name (never the
    // victim's data key, which also opens their sealed details). An erased victim has no line.
    const victimNames = new Map<string, unknown>();
    for (const part of chunks(sealedNames, 1000)) {
      const keys = await this.vault.dataKeys(part.map(({ place }) => place.sealed.subject));
      for (const { eventId, place } of part) {
        const dataKey = keys.get(place.sealed.subject);
        if (!dataKey) continue;
        const nameKey = valueKey(dataKey, place.aad);
        const plaintext = openSealedJson(place.sealed, nameKey, place.aad);
        victimNames.set(eventId, plaintext);
        await emit({ kind: 'disclosure', eventId, subject: place.sealed.subject, dataKey: toBase64(nameKey), plaintext });
      }
    }
    await emit({ kind: 'prov', document: prov.document() });

    for (const streams of chunks(job.streams.filter((s) => s.streamId.startsWith('claim-')), STREAMS_PER_READ)) {
      const byStream = new Map<string, LedgerEnvelope[]>();
      for (const row of await this.eventsOf(streams)) {
        const list = byStream.get(row.stream_id) ?? [];
        list.push(JSON.parse(servedEnvelope({ canonical: row.canonical, hash: row.hash, seq: Number(row.seq) })) as LedgerEnvelope);
        byStream.set(row.stream_id, list);
      }
      for (const { streamId } of streams) {
        const claimId = streamId.slice('claim-'.length);
        const html = claimSummaryHtml({
          claimId,
          envelopes: byStream.get(streamId) ?? [],
          origin: this.config.LEDGER_ORIGIN,
          exportId: job.exportId,
          createdAt,
          treeSize: job.size,
          verifierKey,
          redacted: job.body.redacted,
          disclosures,
          victimNames,
        });
        await emit({ kind: 'summary', claimId, html });
      }
    }
    const end = writer.end();
    if (!out.write(end)) await once(out, 'drain');
    const { lines, sha256 } = JSON.parse(end) as { lines: number; sha256: string };
    return { lines, sha256 };
  }

  /** The claims a scope covers, in filed order; a query's come from the claims read model. */
  private async claimsOf(scope: ExportScope): Promise<string[]> {
    switch (scope.type) {
      case 'claim':
        return [scope.claimId];
      case 'claims':
        return [...new Set(scope.claimIds)];
      case 'incident': {
        await this.claimsReflectLedger();
        const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM claim_view WHERE incident_id = $1 ORDER BY filed_seq`, [scope.incidentId]);
        return rows.map((r) => r.id);
      }
      case 'query': {
        await this.claimsReflectLedger();
        const problems: Array<{ path: string; message: string }> = [];
        const filter = parseClaimFilter(scope.filters, problems);
        if (problems.length > 0) throw DomainError.invalid('EXPORT.INVALID', problems.map((p) => ({ path: `/scope/filters/${p.path.replace(/^query:/, '')}`, message: p.message })));
        const params: unknown[] = [];
        const conditions = filterConditions(filter, params, 'c');
        params.push(EXPORT_MAX_CLAIMS + 1);
        const rows: Array<{ id: string }> = await this.dataSource.query(
          `SELECT c.id FROM claim_view c ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY c.filed_seq LIMIT $${params.length}`,
          params,
        );
        if (rows.length > EXPORT_MAX_CLAIMS) throw new DomainError('EXPORT.TOO_LARGE', 'invalid', `the query matches more than ${EXPORT_MAX_CLAIMS} claims: narrow it`);
        return rows.map((r) => r.id);
      }
      default: {
        const unreachable: never = scope;
        throw new Error(`unknown scope ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** An incident's or a query's claims come from the read model: first let it reflect the whole log. */
  private async claimsReflectLedger(): Promise<void> {
    await readSeq(this.dataSource, 'claims', await this.reader.treeSize());
  }

  private async heads(streamIds: string[]): Promise<ExportedStream[]> {
    const heads = new Map<string, ExportedStream>();
    for (const part of chunks(streamIds, 1000)) {
      const rows: Array<{ stream_id: string; version: number; hash: string }> = await this.dataSource.query(
        `SELECT DISTINCT ON (stream_id) stream_id, version, hash FROM ledger_events WHERE stream_id = ANY($1) ORDER BY stream_id, version DESC`,
        [part],
      );
      for (const row of rows) heads.set(row.stream_id, { streamId: row.stream_id, version: row.version, headHash: row.hash });
    }
    return streamIds.flatMap((id) => heads.get(id) ?? []);
  }

  /** Every event of these streams up to the exported version, in stream order then version order. */
  private async eventsOf(streams: ExportedStream[]): Promise<StoredRow[]> {
    const order = new Map(streams.map((s, i) => [s.streamId, i]));
    const rows: StoredRow[] = await this.dataSource.query(
      `SELECT e.stream_id, e.version, l.seq, e.canonical, e.hash
       FROM ledger_events e JOIN ledger_log l ON l.event_id = e.event_id
       JOIN unnest($1::text[], $2::int[]) AS s(stream_id, version) ON e.stream_id = s.stream_id AND e.version <= s.version
       ORDER BY e.stream_id, e.version`,
      [streams.map((s) => s.streamId), streams.map((s) => s.version)],
    );
    return rows.sort((a, b) => (order.get(a.stream_id) ?? 0) - (order.get(b.stream_id) ?? 0) || a.version - b.version);
  }

  /**
   * Waits until the export's own record, and the last event of every stream it covers, are in the
   * log (the sequencer runs every few milliseconds): every event exported then has a proof.
   */
  private async sequenced(streamId: string, streams: ExportedStream[]): Promise<number> {
    const doorbell = new Doorbell();
    const deadline = Date.now() + SEQUENCED_WAIT_MS;
    for (;;) {
      const rows: Array<{ seq: string | null }> = await this.dataSource.query(
        `SELECT max(l.seq) FILTER (WHERE e.stream_id = $1) AS seq, count(*) FILTER (WHERE l.seq IS NULL) AS pending
         FROM unnest($2::text[], $3::int[]) AS s(stream_id, version)
         JOIN ledger_events e ON e.stream_id = s.stream_id AND e.version = s.version
         LEFT JOIN ledger_log l ON l.event_id = e.event_id
         HAVING count(*) FILTER (WHERE l.seq IS NULL) = 0`,
        [streamId, [streamId, ...streams.map((s) => s.streamId)], [1, ...streams.map((s) => s.version)]],
      );
      if (rows.length > 0 && rows[0].seq !== null) return Number(rows[0].seq);
      if (Date.now() > deadline) throw new DomainError('EXPORT.NOT_SEQUENCED', 'conflict', 'the ledger has not sequenced the export record yet; try again');
      await doorbell.wait(20);
    }
  }

  private record(request: CommandRequest, command: Parameters<typeof decideExport>[0]): Promise<CommandOutcome<CommandResponse>> {
    const exportId = command.exportId;
    const streamId = exportStreamId(exportId);
    const context = { ...request.context, ...(command.type === 'CompleteExport' ? { commandId: randomUUID() } : {}), issuedAt: this.clock.now() };
    return this.store.execute({
      context,
      requestHash: command.type === 'CompleteExport' ? createHash('sha256').update(`${request.requestHash}:completed`).digest('hex') : request.requestHash,
      status: 201,
      streamIds: [streamId],
      decide: async (tx) => {
        const { version } = await tx.readStream(streamId);
        const events = decideExport(command, version, context);
        const appended = tx.append(streamId, EXPORT_STREAM_TYPE, version, events.map((e) => ({ type: e.type, schemaVersion: e.schemaVersion, data: e.data })));
        return { id: exportId, version: appended.version, eventIds: appended.eventIds };
      },
    });
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
