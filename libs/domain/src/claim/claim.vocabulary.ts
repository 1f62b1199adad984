/** The enumerations of API.md "Commands"; kebab-case, fixed by the contract. */
export const SEXES = ['female', 'male', 'unknown'] as const;
export const AGE_GROUPS = ['child', 'adult', 'unknown'] as const;
export const CIVILIAN_STATUSES = ['civilian', 'non-civilian', 'unknown'] as const;
export const PROTECTED_ROLES = ['medical', 'civil-defence', 'journalist', 'humanitarian'] as const;
export const DATE_PRECISIONS = ['day', 'month', 'year', 'range', 'unknown'] as const;
export const PLACE_PRECISIONS = ['exact', 'locality', 'district', 'governorate', 'unknown'] as const;
export const CAUSES = [
  'shooting',
  'shelling',
  'airstrike',
  'double-tap-airstrike',
  'field-execution',
  'torture-in-detention',
  'siege',
  'chemical',
  'explosive-device',
  'other',
  'unknown',
] as const;
export const CLAIM_STATUSES = [
  'submitted',
  'under-review',
  'verified',
  'disputed',
  'rejected',
  'retracted',
  'duplicate',
] as const;

export type Sex = (typeof SEXES)[number];
export type AgeGroup = (typeof AGE_GROUPS)[number];
export type CivilianStatus = (typeof CIVILIAN_STATUSES)[number];
export type ProtectedRole = (typeof PROTECTED_ROLES)[number];
export type DatePrecision = (typeof DATE_PRECISIONS)[number];
export type PlacePrecision = (typeof PLACE_PRECISIONS)[number];
export type Cause = (typeof CAUSES)[number];
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** The managed list's initial content (API.md); admins extend it. */
export const INITIAL_PERPETRATORS: ReadonlyArray<{ code: string; name: string }> = [
  { code: 'russian-forces', name: 'Russian forces' },
  { code: 'syrian-regime-forces', name: 'Syrian regime forces' },
  { code: 'iranian-backed-militias', name: 'Iranian-backed militias' },
  { code: 'armed-opposition', name: 'Armed opposition' },
  { code: 'hts', name: 'Hay’at Tahrir al-Sham' },
  { code: 'isis', name: 'ISIS' },
  { code: 'sdf', name: 'Syrian Democratic Forces' },
  { code: 'international-coalition', name: 'International coalition' },
  { code: 'turkish-forces', name: 'Turkish forces' },
  { code: 'not-identified', name: 'Not identified' },
];

export const SOURCE_TYPES = [
  'monitoring-report',
  'news-article',
  'video',
  'photo',
  'social-media-post',
  'hospital-record',
  'death-certificate',
  'official-statement',
  'other',
] as const;
export const SOURCE_CONNECTIONS = ['victim', 'witness', 'perpetrator', 'third-party'] as const;
export const RELIABILITIES = ['high', 'medium', 'low', 'unknown'] as const;
export const WITNESS_RELATIONS = ['eyewitness', 'family', 'medical-staff', 'other'] as const;
export const CONSENT_SCOPES = ['internal', 'legal-proceedings', 'public'] as const;
export const VERDICTS = ['approve', 'dispute'] as const;
export const GRADES = ['confirmed', 'fair', 'weak', 'contested', 'discounted'] as const;
export const DISPUTE_OUTCOMES = ['dismiss-dispute', 'reject-claim'] as const;

export type SourceType = (typeof SOURCE_TYPES)[number];
export type SourceConnection = (typeof SOURCE_CONNECTIONS)[number];
export type Reliability = (typeof RELIABILITIES)[number];
export type WitnessRelation = (typeof WITNESS_RELATIONS)[number];
export type ConsentScope = (typeof CONSENT_SCOPES)[number];
export type Verdict = (typeof VERDICTS)[number];
export type Grade = (typeof GRADES)[number];
export type DisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];
