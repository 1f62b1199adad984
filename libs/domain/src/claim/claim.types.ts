import type {
  AgeGroup,
  Cause,
  CivilianStatus,
  ConsentScope,
  DatePrecision,
  PlacePrecision,
  ProtectedRole,
  Reliability,
  Sex,
  SourceConnection,
  SourceType,
  WitnessRelation,
} from './claim.vocabulary.js';

export interface VictimName {
  arabic?: string;
  latin?: string;
  given?: string;
  father?: string;
  family?: string;
  alias?: string;
}

export interface Victim {
  name?: VictimName;
  sex: Sex;
  age?: number;
  ageGroup: AgeGroup;
  civilianStatus: CivilianStatus;
  protectedRole?: ProtectedRole;
}

/** A date known to some precision: `date` for day/month/year, `from`/`to` for a range. */
export interface FuzzyDate {
  date?: string;
  from?: string;
  to?: string;
  precision: DatePrecision;
}

export interface Place {
  governorate: string;
  district?: string;
  locality?: string;
  lat?: number;
  lon?: number;
  precision: PlacePrecision;
}

/** One victim as reported: the body of POST /claims. */
export interface ClaimDetails {
  victim: Victim;
  death: FuzzyDate;
  place: Place;
  cause: Cause;
  perpetrator: string;
  incidentId?: string;
}

/** Who the witness is: protected personal data, kept apart from the rest of the testimony. */
export interface WitnessIdentity {
  name?: string;
  contact?: string;
}

/**
 * Protected personal data as events hold it: AES-256-GCM ciphertext under the data subject's own
 * key (sealed at the edge; the domain never sees keys or plaintext). Erasing the subject's key
 * leaves the ciphertext, and so every hash, intact and unreadable.
 */
export interface SealedData {
  alg: 'A256GCM';
  subject: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

/** Sealed since TestimonyRecorded v3; v1 and v2 events, read as v4, still carry it in plaintext. */
export type ProtectedWitnessIdentity = SealedData | WitnessIdentity;

/**
 * A relative of the victim named in testimony: protected personal data, sealed as a whole under
 * the relative's own key (`relative:<uuid>`), so that each can be erased alone.
 */
export interface Relative {
  name: string;
  /** To the victim, in the documenter's words (mother, brother, cousin…). */
  relation: string;
  contact?: string;
  note?: string;
}

/** Protected details about the victim, sealed under `victim:<claimId>`. */
export interface VictimProtectedDetails {
  familyContact?: { name?: string; relation?: string; contact: string };
  medical?: { injuries?: string; causeOfDeath?: string; hospitalRecord?: string };
  note?: string;
}

/**
 * `statement` is absent when the documenter marked it sensitive: it is then sealed under the
 * witness's key (TestimonyRecorded v4 `protected.statement`).
 */
export interface TestimonyDetails {
  witness: { pseudonym: string };
  relation: WitnessRelation;
  statement?: string;
  language: string;
  consent: ConsentScope;
}

export interface SourceDetails {
  type: SourceType;
  publisher: string;
  url?: string;
  archivedUrl?: string;
  retrievedAt?: string;
  contentSha256: string;
  connection: SourceConnection;
  reliability: Reliability;
}
