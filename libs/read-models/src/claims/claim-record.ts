import {
  claimEventFromStored,
  evolveClaim,
  initialClaimState,
  withoutVictimName,
  type ClaimEvent,
  type ClaimStatus,
  type FiledClaim,
  type FuzzyDate,
} from '@ledger/domain';

/** The members of an envelope a read model needs (what the feed and the ledger both carry). */
export interface RecordedClaimEvent {
  /** Absent only when time travel folds an event not sequenced yet. */
  seq?: number;
  version: number;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  payload: object;
}

export interface DisputeView {
  disputeId: string;
  rationale: string;
  openedBy: unknown;
  openedAt: string;
  resolution: null | Record<string, unknown>;
}

/**
 * A claim as readers see it: the domain's own state (so status and the verification policy mean
 * exactly what they mean on the write side) plus the lists a reader is shown. Protected personal
 * data (witness identities) never enters it.
 */
export interface ClaimRecord {
  state: FiledClaim;
  version: number;
  testimony: Array<Record<string, unknown>>;
  sources: Array<Record<string, unknown>>;
  verifications: Array<Record<string, unknown>>;
  disputes: DisputeView[];
  filedAt: string;
  filedSeq: number | null;
  lastSeq: number | null;
  updatedAt: string;
}

export class UnappliableClaimEvent extends Error {
  override readonly name = 'UnappliableClaimEvent';
}

/** Pure: the record after one more event of the claim's stream. Replays give the same record anywhere. */
export function foldClaimRecord(record: ClaimRecord | null, stored: RecordedClaimEvent): ClaimRecord {
  const event = claimEventFromStored(stored.type, stored.schemaVersion, stored.payload);
  if (record === null) {
    if (event.type !== 'ClaimFiled') throw new UnappliableClaimEvent(`${stored.type} at version ${stored.version} comes before the claim was filed`);
    const state = evolveClaim(initialClaimState, event) as FiledClaim;
    return {
      state,
      version: stored.version,
      testimony: [],
      sources: [],
      verifications: [],
      disputes: [],
      filedAt: stored.occurredAt,
      filedSeq: stored.seq ?? null,
      lastSeq: stored.seq ?? null,
      updatedAt: stored.recordedAt,
    };
  }
  if (stored.version !== record.version + 1) {
    throw new UnappliableClaimEvent(`version ${stored.version} does not follow version ${record.version}`);
  }
  if (event.type === 'ClaimFiled') throw new UnappliableClaimEvent(`ClaimFiled again at version ${stored.version}`);
  const next: ClaimRecord = {
    ...record,
    state: evolveClaim(record.state, event) as FiledClaim,
    version: stored.version,
    lastSeq: stored.seq ?? record.lastSeq,
    updatedAt: stored.recordedAt,
  };
  showChange(next, event, stored.occurredAt);
  return next;
}

function showChange(record: ClaimRecord, event: Exclude<ClaimEvent, { type: 'ClaimFiled' }>, at: string): void {
  switch (event.type) {
    case 'TestimonyRecorded': {
      // Protected values never enter a read model: only which subjects hold some (for disclosure
      // and erasure), and that a sensitive statement is sealed.
      const { protected: sealed, ...testimony } = event.data;
      const relatives = (sealed.relatives ?? []).map((value) => value.subject);
      record.testimony = [
        ...record.testimony,
        { ...testimony, ...(sealed.statement ? { statementSealed: true } : {}), ...(relatives.length > 0 ? { relativeSubjects: relatives } : {}), recordedAt: at },
      ];
      return;
    }
    case 'SourceAttached':
      record.sources = [...record.sources, { ...event.data, attachedAt: at }];
      return;
    case 'VerificationRecorded':
      record.verifications = [...record.verifications, { ...event.data, recordedAt: at }];
      return;
    case 'ClaimDisputed':
      record.disputes = [
        ...record.disputes,
        { disputeId: event.data.disputeId, rationale: event.data.rationale, openedBy: event.data.by, openedAt: at, resolution: null },
      ];
      return;
    case 'DisputeResolved': {
      const { disputeId, ...resolution } = event.data;
      record.disputes = record.disputes.map((d) => (d.disputeId === disputeId ? { ...d, resolution: { ...resolution, resolvedAt: at } } : d));
      return;
    }
    case 'ReviewStarted':
    case 'ClaimVerified':
    case 'ClaimRejected':
    case 'ClaimAmended':
    case 'ReturnedToReview':
    case 'ClaimRetracted':
    case 'ClaimMarkedDuplicate':
    case 'ClaimLinkedToIncident':
    case 'VictimDetailsRecorded':
    case 'VictimFoundAlive':
      return; // carried by the domain state
    default: {
      const unreachable: never = event;
      throw new UnappliableClaimEvent(`unknown claim event ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * The body of GET /claims/{id} (API.md "Reading claims"), for the live read model and for time
 * travel alike. A victim found alive is shown without a name at every version (`victimAlive`:
 * the claim as it stands now says so).
 */
export function claimDocument(
  record: Pick<ClaimRecord, 'state' | 'version' | 'testimony' | 'sources' | 'verifications' | 'disputes'>,
  options: { victimAlive?: boolean } = {},
): Record<string, unknown> {
  const { state } = record;
  const victimAlive = options.victimAlive === true || state.victimAlive === true;
  return {
    id: state.id,
    version: record.version,
    status: state.status,
    grade: state.grade,
    ...(victimAlive ? { victimAlive: true } : {}),
    victim: victimAlive ? withoutVictimName(state.details).victim : state.details.victim,
    death: state.details.death,
    place: state.details.place,
    cause: state.details.cause,
    perpetrator: state.details.perpetrator,
    incidentId: state.details.incidentId ?? null,
    duplicateOf: state.duplicateOf,
    testimony: record.testimony,
    sources: record.sources,
    verifications: record.verifications,
    disputes: record.disputes,
  };
}

/** What statistics count a claim under: one value per dimension (null when not known or not applicable). */
export interface ClaimFacts {
  status: ClaimStatus;
  perpetrator: string;
  cause: string;
  governorate: string;
  sex: string;
  ageGroup: string;
  civilianStatus: string;
  protectedRole: string | null;
  incident: string | null;
  month: string | null;
  year: string | null;
  deathFrom: string | null;
  deathTo: string | null;
}

export function claimFacts(state: FiledClaim): ClaimFacts {
  const { victim, death, place, cause, perpetrator, incidentId } = state.details;
  const [deathFrom, deathTo] = deathInterval(death);
  const sameMonth = deathFrom !== null && deathTo !== null && deathFrom.slice(0, 7) === deathTo.slice(0, 7);
  const sameYear = deathFrom !== null && deathTo !== null && deathFrom.slice(0, 4) === deathTo.slice(0, 4);
  return {
    status: state.status,
    perpetrator,
    cause,
    governorate: place.governorate,
    sex: victim.sex,
    ageGroup: victim.ageGroup,
    civilianStatus: victim.civilianStatus,
    protectedRole: victim.protectedRole ?? null,
    incident: incidentId ?? null,
    month: sameMonth ? deathFrom.slice(0, 7) : null,
    year: sameYear ? deathFrom.slice(0, 4) : null,
    deathFrom,
    deathTo,
  };
}

const FACT_NAMES: ReadonlyArray<keyof ClaimFacts> = [
  'status',
  'perpetrator',
  'cause',
  'governorate',
  'sex',
  'ageGroup',
  'civilianStatus',
  'protectedRole',
  'incident',
  'month',
  'year',
  'deathFrom',
  'deathTo',
];

/** Compares the facts only: either side may carry more members (a stored stretch does). */
export function sameFacts(a: ClaimFacts, b: ClaimFacts): boolean {
  return FACT_NAMES.every((key) => a[key] === b[key]);
}

/** The first and last day a fuzzy date can mean (YYYY-MM-DD), or nulls when unknown. */
export function deathInterval(death: FuzzyDate): [string, string] | [null, null] {
  switch (death.precision) {
    case 'day':
      return death.date ? [death.date.slice(0, 10), death.date.slice(0, 10)] : [null, null];
    case 'month': {
      if (!death.date) return [null, null];
      const month = death.date.slice(0, 7);
      return [`${month}-01`, lastDayOfMonth(month)];
    }
    case 'year': {
      if (!death.date) return [null, null];
      const year = death.date.slice(0, 4);
      return [`${year}-01-01`, `${year}-12-31`];
    }
    case 'range':
      return death.from && death.to ? [death.from, death.to] : [null, null];
    case 'unknown':
      return [null, null];
    default: {
      const unreachable: never = death.precision;
      return unreachable;
    }
  }
}

function lastDayOfMonth(month: string): string {
  const [year, m] = month.split('-').map(Number);
  const day = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return `${month}-${String(day).padStart(2, '0')}`;
}
