import type {
  AgeGroup,
  Cause,
  CivilianStatus,
  DatePrecision,
  PlacePrecision,
  ProtectedRole,
  Sex,
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
