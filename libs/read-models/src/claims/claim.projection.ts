import { Injectable, Optional } from '@nestjs/common';
import { DataKeyVault, openVictimNames, sealedVictimNameOf } from '@ledger/protection';
import { isClaimEventType, nameSearchKey, parseDataSubject, withoutVictimName, type FiledClaim } from '@ledger/domain';
import type { EntityManager } from 'typeorm';
import type { FeedEvent } from '../feed-event.js';
import { UnappliableEventError, type Projection } from '../projection.js';
import { claimFacts, foldClaimRecord, sameFacts, type ClaimFacts, type ClaimRecord, type DisputeView } from './claim-record.js';

const CLAIM_STREAM_PREFIX = 'claim-';
const NAME_CHANGES: ReadonlySet<string> = new Set(['ClaimFiled', 'ClaimAmended', 'VictimFoundAlive']);
/** On a data subject's stream: a victim's erasure takes their name out of the claim (its key is gone). */
const ERASED = 'PersonalDataErased';

interface StoredRecordRow {
  id: string;
  version: number;
  name_key: string;
  state: FiledClaim;
  testimony: ClaimRecord['testimony'];
  sources: ClaimRecord['sources'];
  verifications: ClaimRecord['verifications'];
  disputes: DisputeView[];
  filed_at: Date;
  filed_seq: string;
  last_seq: string;
  updated_at: Date;
}

interface FactsStretch extends ClaimFacts {
  claimId: string;
  fromSeq: number;
  toSeq: number | null;
}

/**
 * Claims as readers search, count and review them. A batch is folded in memory (one read of the
 * claims it touches, one write of each table), which is what lets a replay run at feed speed.
 * `claim_facts` keeps every stretch of a claim's statistical facts, so counts "as of seq n" are
 * exact even while partitions are applied out of global order.
 */
@Injectable()
export class ClaimProjection implements Projection {
  readonly name = 'claims';
  /** Raised when the tables are rebuilt from scratch: a new consumer group reads the topic from its start. */
  readonly version = 2;
  readonly tables = ['claim_view', 'claim_documents', 'claim_facts'] as const;

  /** Opens sealed victim names (names, search keys, duplicates); without it a sealed name stops the projection. */
  constructor(@Optional() private readonly vault?: DataKeyVault) {}

  canHandle(type: string): boolean {
    return isClaimEventType(type) || type === ERASED;
  }

  async applyBatch(manager: EntityManager, sealedEvents: FeedEvent[]): Promise<void> {
    const events = await this.opened(manager, sealedEvents);
    const ids = [...new Set(events.flatMap((event) => (event.type === ERASED ? (erasedClaimOf(event) ?? []) : [claimIdOf(event)])))];
    if (ids.length === 0) return;
    // Locked first, in id order, then read by a statement of its own (a fresh snapshot, after any
    // wait): a victim's erasure comes on its own stream, so on another partition than the claim's
    // events, and two partitions' batches are applied at once. Without the lock both could read a
    // claim, and the later commit would write back the state the other had replaced.
    await manager.query(`SELECT id FROM claim_view WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
    const rows: StoredRecordRow[] = await manager.query(
      `SELECT v.id, v.version, v.name_key, d.state, d.testimony, d.sources, d.verifications, d.disputes, v.filed_at, v.filed_seq, v.last_seq, v.updated_at
       FROM claim_view v JOIN claim_documents d ON d.id = v.id WHERE v.id = ANY($1::uuid[])`,
      [ids],
    );
    const records = new Map<string, ClaimRecord>(rows.map((row) => [row.id, fromRow(row)]));
    // Folding names for search is the costliest part of a row: only when a name may have changed.
    const nameKeys = new Map<string, string>(rows.map((row) => [row.id, row.name_key]));
    const changed = new Set<string>();
    const closedInStore: Array<{ claimId: string; toSeq: number }> = [];
    const stretches: FactsStretch[] = [];
    const openStretch = new Map<string, FactsStretch>();
    // Each claim's facts as of its last folded event: derived once per event, reused for its row.
    const currentFacts = new Map<string, ClaimFacts>();

    for (const event of events) {
      if (event.type === ERASED) {
        // The victim's data key is destroyed: the name the live row still holds goes too. A claim
        // not projected yet needs nothing: its name no longer opens. Version and facts are unchanged.
        const id = erasedClaimOf(event);
        const held = id ? records.get(id) : undefined;
        if (!id || !held || held.state.details.victim.name === undefined) continue;
        records.set(id, { ...held, state: { ...held.state, details: withoutVictimName(held.state.details) } });
        nameKeys.set(id, nameSearchKey(undefined));
        changed.add(id);
        continue;
      }
      const id = claimIdOf(event);
      const before = records.get(id) ?? null;
      if (before && event.version <= before.version) continue; // applied before this checkpoint existed
      let after: ClaimRecord;
      try {
        after = foldClaimRecord(before, event);
        if (after.state.id !== id) throw new Error(`stream ${event.streamId} files claim ${after.state.id}`);
      } catch (error) {
        throw new UnappliableEventError(this.name, event, error);
      }
      records.set(id, after);
      changed.add(id);
      // A victim found alive leaves the state without a name: search finds them no more.
      if (!nameKeys.has(id) || NAME_CHANGES.has(event.type)) nameKeys.set(id, nameSearchKey(after.state.details.victim.name));
      const facts = claimFacts(after.state);
      const previous = currentFacts.get(id) ?? (before ? claimFacts(before.state) : null);
      currentFacts.set(id, facts);
      if (previous && sameFacts(previous, facts)) continue;
      const open = openStretch.get(id);
      if (open) open.toSeq = event.seq;
      else if (before) closedInStore.push({ claimId: id, toSeq: event.seq });
      const stretch: FactsStretch = { claimId: id, fromSeq: event.seq, toSeq: null, ...facts };
      stretches.push(stretch);
      openStretch.set(id, stretch);
    }

    if (changed.size === 0) return;
    const changedRecords = [...changed].map((id) => records.get(id) as ClaimRecord);
    const viewRows = changedRecords.map((record) => toRow(record, currentFacts.get(record.state.id) ?? claimFacts(record.state), nameKeys.get(record.state.id) as string));
    await manager.query(UPSERT_CLAIM_VIEW, [JSON.stringify(viewRows)]);
    await manager.query(UPSERT_CLAIM_DOCUMENTS, [JSON.stringify(changedRecords.map(documentRow))]);
    if (closedInStore.length > 0) {
      await manager.query(
        `UPDATE claim_facts f SET to_seq = c.to_seq
         FROM jsonb_to_recordset($1::jsonb) AS c(claim_id uuid, to_seq bigint)
         WHERE f.claim_id = c.claim_id AND f.to_seq IS NULL`,
        [JSON.stringify(closedInStore.map((c) => ({ claim_id: c.claimId, to_seq: c.toSeq })))],
      );
    }
    if (stretches.length > 0) await manager.query(INSERT_CLAIM_FACTS, [JSON.stringify(stretches.map(factsRow))]);
  }

  /** The batch with every victim name the keys still open, read in this transaction (PGlite is one session). */
  private async opened(manager: EntityManager, events: FeedEvent[]): Promise<FeedEvent[]> {
    if (this.vault) return openVictimNames(this.vault, events, manager);
    const sealed = events.find((event) => sealedVictimNameOf(event) !== null);
    if (sealed) throw new UnappliableEventError(this.name, sealed, new Error('a sealed victim name needs the data key vault (LEDGER_MASTER_KEY)'));
    return events;
  }
}

/** The claim whose victim a PersonalDataErased erases (`victim:<claimId>`), or null for another subject. */
function erasedClaimOf(event: FeedEvent): string | null {
  const subject = (event.payload as { subject?: unknown }).subject;
  const parsed = typeof subject === 'string' ? parseDataSubject(subject) : null;
  return parsed?.kind === 'victim' ? parsed.id : null;
}

function claimIdOf(event: FeedEvent): string {
  return event.streamId.slice(CLAIM_STREAM_PREFIX.length);
}

function fromRow(row: StoredRecordRow): ClaimRecord {
  return {
    state: row.state,
    version: row.version,
    testimony: row.testimony,
    sources: row.sources,
    verifications: row.verifications,
    disputes: row.disputes,
    filedAt: row.filed_at.toISOString(),
    filedSeq: Number(row.filed_seq),
    lastSeq: Number(row.last_seq),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The statistical facts as columns: the same in claim_view (now) and claim_facts (each stretch). */
const FACT_COLUMN_OF: ReadonlyArray<[column: string, type: string, fact: Exclude<keyof ClaimFacts, 'status'>]> = [
  ['perpetrator', 'text', 'perpetrator'],
  ['cause', 'text', 'cause'],
  ['governorate', 'text', 'governorate'],
  ['sex', 'text', 'sex'],
  ['age_group', 'text', 'ageGroup'],
  ['civilian_status', 'text', 'civilianStatus'],
  ['protected_role', 'text', 'protectedRole'],
  ['incident_id', 'uuid', 'incident'],
  ['death_from', 'date', 'deathFrom'],
  ['death_to', 'date', 'deathTo'],
  ['death_month', 'text', 'month'],
  ['death_year', 'text', 'year'],
];
const DIMENSION_COLUMNS: Array<[string, string]> = FACT_COLUMN_OF.map(([column, type]) => [column, type]);

function factColumns(facts: ClaimFacts): Record<string, unknown> {
  return Object.fromEntries(FACT_COLUMN_OF.map(([column, , fact]) => [column, facts[fact]]));
}

const VIEW_COLUMNS: Array<[string, string]> = [
  ['id', 'uuid'],
  ['version', 'integer'],
  ['status', 'text'],
  ['grade', 'text'],
  ['details', 'jsonb'],
  ['filed_by', 'text'],
  ['filed_at', 'timestamptz'],
  ['filed_seq', 'bigint'],
  ['last_seq', 'bigint'],
  ['updated_at', 'timestamptz'],
  ...DIMENSION_COLUMNS,
  ['duplicate_of', 'uuid'],
  ['name_key', 'text'],
  ['evidence', 'integer'],
  ['involved', 'text[]'],
  ['approvals', 'text[]'],
  ['dispute_openers', 'text[]'],
];

/** One statement writes every changed row of a table: rows arrive as one JSON array. */
function upsert(table: string, columns: Array<[string, string]>): string {
  const names = columns.map(([name]) => name).join(', ');
  return `
  INSERT INTO ${table} (${names})
  SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS r(${columns.map(([name, type]) => `${name} ${type}`).join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${columns
    .filter(([name]) => name !== 'id')
    .map(([name]) => `${name} = EXCLUDED.${name}`)
    .join(', ')}`;
}

const UPSERT_CLAIM_VIEW = upsert('claim_view', VIEW_COLUMNS);
const UPSERT_CLAIM_DOCUMENTS = upsert('claim_documents', [
  ['id', 'uuid'],
  ['state', 'jsonb'],
  ['testimony', 'jsonb'],
  ['sources', 'jsonb'],
  ['verifications', 'jsonb'],
  ['disputes', 'jsonb'],
]);

const FACT_COLUMNS: Array<[string, string]> = [['claim_id', 'uuid'], ['from_seq', 'bigint'], ['to_seq', 'bigint'], ['status', 'text'], ...DIMENSION_COLUMNS];

const INSERT_CLAIM_FACTS = `
  INSERT INTO claim_facts (${FACT_COLUMNS.map(([name]) => name).join(', ')})
  SELECT ${FACT_COLUMNS.map(([name]) => name).join(', ')}
  FROM jsonb_to_recordset($1::jsonb) AS r(${FACT_COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')})`;

function documentRow(record: ClaimRecord): Record<string, unknown> {
  return { id: record.state.id, state: record.state, testimony: record.testimony, sources: record.sources, verifications: record.verifications, disputes: record.disputes };
}

function toRow(record: ClaimRecord, facts: ClaimFacts, nameKey: string): Record<string, unknown> {
  const { state } = record;
  return {
    id: state.id,
    version: record.version,
    status: state.status,
    grade: state.grade,
    details: state.details,
    filed_by: state.filedBy.id,
    filed_at: record.filedAt,
    filed_seq: record.filedSeq,
    last_seq: record.lastSeq,
    updated_at: record.updatedAt,
    ...factColumns(facts),
    duplicate_of: state.duplicateOf,
    name_key: nameKey,
    evidence: state.evidence,
    involved: [...new Set([state.filedBy.id, ...state.testimonyRecorders])],
    approvals: [...state.approvals],
    dispute_openers: state.disputes.filter((d) => d.open).map((d) => d.openedBy),
  };
}

function factsRow(stretch: FactsStretch): Record<string, unknown> {
  return { claim_id: stretch.claimId, from_seq: stretch.fromSeq, to_seq: stretch.toSeq, status: stretch.status, ...factColumns(stretch) };
}
