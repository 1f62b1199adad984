import { parseMapping, type ImportMapping } from './mapping.js';

/**
 * Names of people killed in Gaza as published on 2024-09-21 (TechForPalestine/palestine-datasets,
 * public domain): `id,name,en_name,age,dob,sex,source`. The list gives no date, place or cause of
 * death, so every claim has an unknown date, the whole Strip as its place and an unknown cause.
 * `id` (an identity-card number, or a placeholder such as "طفل رضيع66" for an infant) and `dob`
 * are not imported: a claim has no member for either, and the age is given.
 */
export const GAZA_MAPPING: ImportMapping = parseMapping({
  description: 'Gaza Ministry of Health list of people killed (TechForPalestine/palestine-datasets)',
  columns: ['id', 'name', 'en_name', 'age', 'dob', 'sex', 'source'],
  claim: {
    'victim.name.arabic': 'name',
    'victim.name.latin': 'en_name',
    'victim.sex': { column: 'sex', values: { m: 'male', f: 'female' }, default: 'unknown' },
    // The age group follows from the age (a child is under 18).
    'victim.age': { column: 'age' },
    'victim.civilianStatus': { value: 'unknown' },
    'place.governorate': { value: 'Gaza Strip' },
    'place.precision': { value: 'governorate' },
    cause: { value: 'unknown' },
    perpetrator: { value: 'not-identified' },
  },
  source: {
    type: { value: 'official-statement' },
    publisher: {
      column: 'source',
      values: { h: 'Gaza Ministry of Health (health ministry records)', c: 'Gaza Ministry of Health (public submission)' },
      default: 'Gaza Ministry of Health',
    },
    connection: { value: 'third-party' },
    reliability: { value: 'unknown' },
  },
});

const SEX_AND_AGE = ['Adult - Male', 'Adult - Female', 'Child - Male', 'Child - Female'];

/** Ranks that say "civilian" or "unknown", misspellings included; any other rank is an affiliation. */
const CIVILIAN_STATUS_BY_RANK: Record<string, string> = {
  civilian: 'civilian',
  civillian: 'civilian',
  'civilian defense': 'civilian',
  unknown: 'unknown',
  unkown: 'unknown',
  unknown5: 'unknown',
  'unknown `': 'unknown',
  // Values that are not ranks at all (a province, a marital status): the column is unusable there.
  aleppo: 'unknown',
  'damascus suburbs': 'unknown',
  single: 'unknown',
};

/**
 * Violations Documentation Center (Syria) fatality records 2011-2015:
 * `Province,Cause_of_Death,Name,Area,Date_of_Death,Sex,Rank`. `Sex` holds the age group too;
 * `0000-00-00` is an unknown date; "Unidentified 3" is no name; `Rank` is a military rank, an
 * affiliation, or civilian/unknown in many spellings.
 */
export const VDC_MAPPING: ImportMapping = parseMapping({
  description: 'Violations Documentation Center in Syria fatality records 2011-2015',
  columns: ['Province', 'Cause_of_Death', 'Name', 'Area', 'Date_of_Death', 'Sex', 'Rank'],
  claim: {
    'victim.name.latin': { column: 'Name', emptyPattern: '^unidentified( \\d+)?$' },
    'victim.sex': { column: 'Sex', values: Object.fromEntries(SEX_AND_AGE.map((v) => [v, v.endsWith('Female') ? 'female' : 'male'])), default: 'unknown' },
    'victim.ageGroup': { column: 'Sex', values: Object.fromEntries(SEX_AND_AGE.map((v) => [v, v.startsWith('Child') ? 'child' : 'adult'])), default: 'unknown' },
    'victim.civilianStatus': { column: 'Rank', values: CIVILIAN_STATUS_BY_RANK, default: 'unknown', otherwise: 'non-civilian' },
    'victim.protectedRole': { column: 'Rank', values: { 'civilian defense': 'civil-defence' }, otherwise: null },
    'death.date': { column: 'Date_of_Death', empty: ['0000-00-00'] },
    'place.governorate': { column: 'Province', default: 'Unknown' },
    'place.locality': { column: 'Area' },
    cause: {
      column: 'Cause_of_Death',
      values: {
        shooting: 'shooting',
        shelling: 'shelling',
        'warplane shelling': 'airstrike',
        'field execution': 'field-execution',
        'kidnapping - execution': 'field-execution',
        'detention - execution': 'field-execution',
        'kidnapping - torture': 'torture-in-detention',
        'kidnapping - torture - execution': 'torture-in-detention',
        'detention - torture - execution': 'torture-in-detention',
        siege: 'siege',
        'chemical and toxic gases': 'chemical',
        explosion: 'explosive-device',
        other: 'other',
      },
      default: 'unknown',
    },
    perpetrator: { value: 'not-identified' },
  },
  source: {
    type: { value: 'monitoring-report' },
    publisher: { value: 'Violations Documentation Center in Syria' },
    connection: { value: 'third-party' },
    reliability: { value: 'unknown' },
  },
});

export const BUILT_IN_MAPPINGS = { gaza: GAZA_MAPPING, vdc: VDC_MAPPING } as const;
export type BuiltInFormat = keyof typeof BUILT_IN_MAPPINGS;
