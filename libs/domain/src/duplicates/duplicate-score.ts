import type { VictimName } from '../claim/claim.types.js';
import type { AgeGroup, ClaimStatus, Sex } from '../claim/claim.vocabulary.js';
import { nameSkeleton, nameTokens } from '../names/name-key.js';
import { compareTokens, nameForms, type NameForm, type TokenAgreement } from './name-comparison.js';

/**
 * Duplicate candidates (record linkage): whether two claims may be about the same person, as a
 * score from 0 to 1 with the reasons behind it, so that a verifier can judge and confirm with
 * `duplicate-of`. Each compared feature adds a weight (a log-odds in the manner of
 * Fellegi-Sunter); the score is the logistic of their sum and BIAS. The weights are set by hand
 * from what tells people apart in casualty lists, not fitted: see docs/DUPLICATES.md.
 */

/** What the scorer needs to know of a claim. */
export interface DuplicateProfileInput {
  id: string;
  status: ClaimStatus;
  name?: VictimName;
  sex: Sex;
  age?: number;
  ageGroup: AgeGroup;
  /** The first and last day the death may have happened (YYYY-MM-DD), null when unknown. */
  deathFrom: string | null;
  deathTo: string | null;
  place: { governorate?: string; district?: string; locality?: string };
  /** The lists the claim was taken from: its sources' publishers. */
  lists: readonly string[];
}

/** A claim prepared for many comparisons: its name forms folded and its blocking keys computed once. */
export interface DuplicateProfile extends DuplicateProfileInput {
  readonly forms: { arabic: NameForm | null; latin: NameForm | null };
  /** Two claims are compared only when they share one of these (see blockingKeys). */
  readonly keys: readonly string[];
  /** The place names folded for comparison: [tokens, skeletons], null when not known. */
  readonly places: Readonly<Record<PlaceLevel, readonly [string, string] | null>>;
}

export interface DuplicateReason {
  /** What was compared: names-compared, given-name, father-name, family-name, middle-names, name-order, generation, name-parts, name-number, age, age-group, sex, death-date, governorate, district, locality, lists. */
  feature: string;
  /** How it compared, e.g. same, variant, different, 2-years-apart. */
  outcome: string;
  /** Its part of the score: positive for the same person, negative against. */
  weight: number;
}

export interface DuplicateScore {
  /** 0..1: the logistic of BIAS plus the reasons' weights. */
  score: number;
  reasons: DuplicateReason[];
}

/** Where the score starts: two claims that share a blocking key are more often two people than one. */
export const DUPLICATE_BIAS = -4;

const GIVEN: Record<TokenAgreement, number> = { same: 3, variant: 2, similar: -2.5, none: -4 };
const FAMILY: Record<Exclude<TokenAgreement, 'none'>, number> = { same: 1.5, variant: 1, similar: 0.3 };
const FAMILY_DIFFERENT = -3;
const WOMAN_FAMILY_DIFFERENT = -1.5;
const FATHER: Record<Exclude<TokenAgreement, 'none'>, number> = { same: 1.5, variant: 1, similar: -1 };
const FATHER_DIFFERENT = -3.5;
const MIDDLE: Record<Exclude<TokenAgreement, 'none'>, number> = { same: 1, variant: 0.7, similar: 0.2 };
const MIDDLE_DIFFERENT = -3;
const MIDDLE_MISSING = -0.3;
const MIDDLE_REORDERED = 0.3;
const FAMILY_NAME_FIRST = -0.5;
const PARENT_AND_CHILD = -3;
const SHORT_NAME = -1;
const NUMBERED_DIFFERENT = -5;

export function duplicateProfile(input: DuplicateProfileInput): DuplicateProfile {
  const forms = nameForms(input.name);
  const fold = (text: string | undefined): readonly [string, string] | null => {
    if (text === undefined || text.trim() === '' || text.trim().toLowerCase() === 'unknown') return null;
    const tokens = nameTokens(text);
    return [tokens.join(' '), tokens.map((t) => nameSkeleton(t)).join(' ')];
  };
  const places = { governorate: fold(input.place.governorate), district: fold(input.place.district), locality: fold(input.place.locality) };
  return { ...input, forms, keys: blockingKeys(forms), places };
}

/** Retracted claims and claims already linked as duplicates are never candidates. */
export function linkable(profile: Pick<DuplicateProfileInput, 'status'>): boolean {
  return profile.status !== 'retracted' && profile.status !== 'duplicate';
}

export function sexesCompatible(a: Sex, b: Sex): boolean {
  return a === b || a === 'unknown' || b === 'unknown';
}

/** Whether two claims are compared at all (blocking): both linkable, sexes compatible, a key in common. */
export function mayBeDuplicates(a: DuplicateProfile, b: DuplicateProfile): boolean {
  if (a.id === b.id || !linkable(a) || !linkable(b) || !sexesCompatible(a.sex, b.sex)) return false;
  return b.keys.some((k) => a.keys.includes(k));
}

/**
 * Blocking keys: the given name with the family name, the given name with the father's name, and
 * (for a family name written first) the second name with the first, each as consonant skeletons
 * so that spellings and scripts meet. A key part is '~' + skeleton, or '=' + the folded token when
 * it has no consonants ("Aya"); both are in the claim's name_key as ' ~skeleton ' and ' token ',
 * which is how the read side finds a claim's candidates with the name_key index (blockingPatterns).
 * Names of one part have no key: "Mohammed" alone says too little to compare.
 */
export function blockingKeys(forms: { arabic: NameForm | null; latin: NameForm | null }): string[] {
  const keys = new Set<string>();
  for (const form of [forms.arabic, forms.latin]) {
    if (form === null || form.tokens.length < 2) continue;
    const part = (i: number): string => form.keyParts[i];
    // A family name's key is its skeleton without a glued "Abu" when that is long enough to say something.
    const family = (i: number): string => (form.cores[i] !== form.skeletons[i] && form.cores[i].length >= 2 ? `~${form.cores[i]}` : part(i));
    const n = form.tokens.length;
    keys.add(`${part(0)}|${family(n - 1)}`);
    if (n >= 3) {
      keys.add(`${part(0)}|${part(1)}`);
      keys.add(`${part(1)}|${family(0)}`);
    }
  }
  return [...keys];
}

/** For each blocking key, the two LIKE patterns a name_key holding it matches (a superset: the keys decide). */
export function blockingPatterns(keys: readonly string[]): Array<[string, string]> {
  const pattern = (part: string): string => {
    const text = part.slice(1).replace(/[\\%_]/g, (c) => `\\${c}`);
    return part.startsWith('~') ? `% ~${text} %` : `% ${text} %`;
  };
  return keys.map((key) => {
    const [first, second] = key.split('|');
    return [pattern(first), pattern(second)];
  });
}

export function scoreDuplicate(a: DuplicateProfile, b: DuplicateProfile): DuplicateScore {
  const reasons: DuplicateReason[] = [];
  const add = (feature: string, outcome: string, weight: number): void => void reasons.push({ feature, outcome, weight });
  compareNames(a.forms, b.forms, adultWoman(a) || adultWoman(b), add);
  compareAges(a, b, add);
  compareSexes(a.sex, b.sex, add);
  compareDeaths(a, b, add);
  comparePlaces(a.places, b.places, add);
  compareLists(a.lists, b.lists, add);
  const total = reasons.reduce((sum, r) => sum + r.weight, DUPLICATE_BIAS);
  return { score: Math.round(1000 / (1 + Math.exp(-total))) / 1000, reasons };
}

type Add = (feature: string, outcome: string, weight: number) => void;

const adultWoman = (p: DuplicateProfileInput): boolean => p.sex === 'female' && (p.age !== undefined ? p.age >= 18 : p.ageGroup === 'adult');

/** Arabic with Arabic when both have it (the lists' own script), else Latin with Latin, else across scripts. */
function compareNames(a: DuplicateProfile['forms'], b: DuplicateProfile['forms'], familyMayChange: boolean, add: Add): void {
  const [x, y, how] =
    a.arabic && b.arabic
      ? [a.arabic, b.arabic, 'arabic']
      : a.latin && b.latin
        ? [a.latin, b.latin, 'latin']
        : [a.arabic ?? a.latin, b.arabic ?? b.latin, 'across-scripts'];
  if (x === null || y === null) {
    add('names-compared', 'missing-on-one', 0);
    return;
  }
  add('names-compared', how, 0);
  // Victims listed by number ("Tamemi's Son 1", "Son 2") are as many people as numbers.
  const numbers = (form: NameForm): string => form.tokens.filter((t) => /^\d+$/.test(t)).join(' ');
  if (numbers(x) !== numbers(y) && numbers(x) !== '' && numbers(y) !== '') add('name-number', 'different', NUMBERED_DIFFERENT);
  // Every token of one against every token of the other, once: the chains below only look them up.
  const matrix = x.tokens.map((_, i) => y.tokens.map((__, j) => compareTokens(x, i, y, j)));
  const inOrder = (length: number): number[] => Array.from({ length }, (_, k) => k);
  const familyFirst = (length: number): number[] => [...inOrder(length).slice(1), 0];
  const straight = compareChains(matrix, inOrder(x.tokens.length), inOrder(y.tokens.length), familyMayChange);
  if (straight.given === 'none' && x.tokens.length === y.tokens.length) {
    // A family name written first ("al-Najjar Mohammed Khaled"): the same names, one moved to the
    // front; only a complete match in that order counts (a son's chain, shifted the other way,
    // never is).
    const turns: Array<[number[], number[]]> = [];
    if (x.tokens.length >= 2 && agrees(matrix[1][0])) turns.push([familyFirst(x.tokens.length), inOrder(y.tokens.length)]);
    if (y.tokens.length >= 2 && agrees(matrix[0][1])) turns.push([inOrder(x.tokens.length), familyFirst(y.tokens.length)]);
    for (const [ia, ib] of turns) {
      const turned = compareChains(matrix, ia, ib, familyMayChange);
      if (turned.complete) {
        add('name-order', 'family-name-first', FAMILY_NAME_FIRST);
        turned.reasons.forEach((r) => add(r.feature, r.outcome, r.weight));
        return;
      }
    }
  }
  straight.reasons.forEach((r) => add(r.feature, r.outcome, r.weight));
}

interface ChainComparison {
  given: TokenAgreement;
  parentAndChild: boolean;
  /** The given names agree and every name of the shorter chain agrees with one of the longer, in order. */
  complete: boolean;
  reasons: DuplicateReason[];
}

const agrees = (t: TokenAgreement | undefined): boolean => t === 'same' || t === 'variant';

/**
 * Given name with given name; the rest of the chains (father, grandfather, ..., family) aligned in
 * order (the best-weighted common subsequence), so that a missing middle name costs little and a
 * different one much. The father's name is the second of a chain of three or more: cousins named
 * after their grandfather share given, grandfather's and family names, but never the father's.
 * A woman's family name may be her husband's in one list and her father's in another.
 * `matrix[i][j]` compares token i of one name with token j of the other; `ia` and `ib` give the
 * order in which each name's tokens are read.
 */
function compareChains(matrix: TokenAgreement[][], ia: readonly number[], ib: readonly number[], familyMayChange: boolean): ChainComparison {
  const reasons: DuplicateReason[] = [];
  const add = (feature: string, outcome: string, weight: number): void => void reasons.push({ feature, outcome, weight });
  const at = (i: number, j: number): TokenAgreement => matrix[ia[i]][ib[j]];
  const n = ia.length;
  const m = ib.length;
  const given = at(0, 0);
  add('given-name', given === 'none' ? 'different' : given, GIVEN[given]);
  // Brothers share all but the given name; a son's chain is his father's shifted by one name.
  const childOfA = m >= 3 && n >= 2 && agrees(at(0, 1)) && agrees(at(1, 2));
  const childOfB = n >= 3 && m >= 2 && agrees(at(1, 0)) && agrees(at(2, 1));
  const parentAndChild = !agrees(given) && (childOfA || childOfB);
  if (parentAndChild) add('generation', 'parent-and-child', PARENT_AND_CHILD);
  if (Math.min(n, m) < 3) add('name-parts', Math.min(n, m) === 1 ? 'one-part' : 'two-parts', SHORT_NAME);

  const role = (i: number, length: number): 'father' | 'family' | 'middle' => (i === length - 1 ? 'family' : i === 1 && length >= 3 ? 'father' : 'middle');
  // Weight of aligning a's i-th name with b's j-th: names in the same role count as that role;
  // across roles only a clear agreement counts (a mere likeness there is chance).
  const weightOf = (i: number, j: number): number => {
    const t = at(i, j);
    if (t === 'none') return 0;
    const r = role(i, n);
    if (r === role(j, m) && r !== 'middle') return r === 'family' ? FAMILY[t] : Math.max(0.1, FATHER[t]);
    return t === 'similar' && r !== role(j, m) ? 0 : MIDDLE[t];
  };
  // Best-weighted order-preserving alignment of a[1..n-1] with b[1..m-1].
  const best: number[][] = Array.from({ length: n }, () => new Array<number>(m).fill(0));
  for (let i = 1; i < n; i++) {
    for (let j = 1; j < m; j++) {
      const w = weightOf(i, j);
      best[i][j] = Math.max(best[i - 1][j], best[i][j - 1], w > 0 ? best[i - 1][j - 1] + w : -Infinity);
    }
  }
  const pairs: Array<[number, number]> = [];
  for (let i = n - 1, j = m - 1; i > 0 && j > 0; ) {
    const w = weightOf(i, j);
    if (w > 0 && best[i][j] === best[i - 1][j - 1] + w) {
      pairs.push([i, j]);
      i--;
      j--;
    } else if (best[i][j] === best[i - 1][j]) i--;
    else j--;
  }
  const unmatchedA = new Set(Array.from({ length: n - 1 }, (_, k) => k + 1));
  const unmatchedB = new Set(Array.from({ length: m - 1 }, (_, k) => k + 1));
  let middleWeight = 0;
  let middles = 0;
  for (const [i, j] of pairs.reverse()) {
    unmatchedA.delete(i);
    unmatchedB.delete(j);
    const t = at(i, j) as Exclude<TokenAgreement, 'none'>;
    const r = role(i, n);
    if (r === role(j, m) && r === 'family') add('family-name', t, FAMILY[t]);
    else if (r === role(j, m) && r === 'father') add('father-name', t, FATHER[t]);
    else {
      middleWeight += MIDDLE[t];
      middles++;
    }
  }
  if (middles > 0) add('middle-names', `${middles}-agree`, round(middleWeight));
  // Names in another order (father's and grandfather's swapped): a slip, not another person.
  let reordered = 0;
  for (const i of [...unmatchedA]) {
    const j = [...unmatchedB].find((k) => agrees(at(i, k)));
    if (j === undefined) continue;
    unmatchedA.delete(i);
    unmatchedB.delete(j);
    reordered++;
  }
  if (reordered > 0) add('name-order', `${reordered}-in-another-order`, round(reordered * MIDDLE_REORDERED));
  let conflicts = 0;
  const bothUnmatched = (i: number, j: number): boolean => unmatchedA.has(i) && unmatchedB.has(j);
  if (n >= 3 && m >= 3 && bothUnmatched(1, 1)) {
    add('father-name', 'different', FATHER_DIFFERENT);
    unmatchedA.delete(1);
    unmatchedB.delete(1);
    conflicts++;
  }
  if (n >= 2 && m >= 2 && bothUnmatched(n - 1, m - 1)) {
    add('family-name', familyMayChange ? 'different-woman' : 'different', familyMayChange ? WOMAN_FAMILY_DIFFERENT : FAMILY_DIFFERENT);
    unmatchedA.delete(n - 1);
    unmatchedB.delete(m - 1);
    conflicts++;
  }
  const different = Math.min(unmatchedA.size, unmatchedB.size);
  if (different > 0) add('middle-names', `${different}-different`, different * MIDDLE_DIFFERENT);
  const missing = Math.max(unmatchedA.size, unmatchedB.size) - different;
  if (missing > 0) add('middle-names', `${missing}-missing-on-one`, round(missing * MIDDLE_MISSING));
  const complete = agrees(given) && reordered === 0 && conflicts === 0 && different === 0;
  return { given, parentAndChild, complete, reasons };
}

const round = (weight: number): number => Math.round(weight * 100) / 100;

/** Ages one year apart are one person either side of a birthday; a father and son are decades apart. */
function compareAges(a: DuplicateProfileInput, b: DuplicateProfileInput, add: Add): void {
  if (a.age !== undefined && b.age !== undefined) {
    const gap = Math.abs(a.age - b.age);
    if (gap === 0) add('age', 'same', 1.5);
    else if (gap === 1) add('age', '1-year-apart', 1);
    else add('age', `${gap}-years-apart`, gap <= 3 ? -1.5 : gap <= 9 ? -3.5 : -6);
    return;
  }
  if (a.ageGroup === 'unknown' || b.ageGroup === 'unknown') return;
  add('age-group', a.ageGroup === b.ageGroup ? 'same' : 'different', a.ageGroup === b.ageGroup ? 0 : -3);
}

function compareSexes(a: Sex, b: Sex, add: Add): void {
  if (a === 'unknown' || b === 'unknown') add('sex', a === b ? 'unknown' : 'unknown-on-one', a === b ? 0 : -0.5);
  else add('sex', a === b ? 'same' : 'different', a === b ? 0 : -10);
}

const DAY_MS = 86400000;

function compareDeaths(a: DuplicateProfileInput, b: DuplicateProfileInput, add: Add): void {
  if (a.deathFrom === null || a.deathTo === null || b.deathFrom === null || b.deathTo === null) return;
  if (a.deathFrom <= b.deathTo && b.deathFrom <= a.deathTo) {
    const sameDay = a.deathFrom === a.deathTo && b.deathFrom === b.deathTo;
    add('death-date', sameDay ? 'same-day' : 'overlapping', sameDay ? 1.5 : 0.5);
    return;
  }
  const [earlier, later] = a.deathTo < b.deathFrom ? [a, b] : [b, a];
  const days = Math.round((Date.parse(later.deathFrom as string) - Date.parse(earlier.deathTo as string)) / DAY_MS);
  // A few days apart is a report's slip (the day of death or of burial); months apart is another death.
  add('death-date', `${days}-days-apart`, days <= 7 ? -0.5 : days <= 60 ? -2.5 : -5);
}

type PlaceLevel = 'governorate' | 'district' | 'locality';
const PLACE_WEIGHTS: Record<PlaceLevel, readonly [same: number, different: number]> = { governorate: [0, -2], district: [0.3, -0.5], locality: [0.7, -0.5] };

/** Place names in either script: the same by their folded tokens, or their skeletons. */
function comparePlaces(a: DuplicateProfile['places'], b: DuplicateProfile['places'], add: Add): void {
  for (const level of ['governorate', 'district', 'locality'] as const) {
    const x = a[level];
    const y = b[level];
    if (x === null || y === null) continue;
    const same = x[0] === y[0] || (x[1] !== '' && x[1] === y[1]);
    add(level, same ? 'same' : 'different', PLACE_WEIGHTS[level][same ? 0 : 1]);
  }
}

/** The same person in two organisations' lists is the commonest duplicate; one list repeats itself less. */
function compareLists(a: readonly string[], b: readonly string[], add: Add): void {
  if (a.length === 0 || b.length === 0) return;
  const shared = a.some((list) => b.includes(list));
  add('lists', shared ? 'same-list' : 'different-lists', shared ? 0 : 0.5);
}
