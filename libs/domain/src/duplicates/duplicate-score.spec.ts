import type { VictimName } from '../claim/claim.types.js';
import { nameSearchKey } from '../names/name-key.js';
import {
  blockingPatterns,
  duplicateProfile,
  mayBeDuplicates,
  scoreDuplicate,
  type DuplicateProfile,
  type DuplicateProfileInput,
  type DuplicateReason,
} from './duplicate-score.js';

// Arabic names marked "Gaza list" are from the public-domain TechForPalestine list
// (gaza-killed-2024-09-21.csv, TechForPalestine/palestine-datasets), as written there.

let next = 0;
function claim(name: VictimName | undefined, more: Partial<DuplicateProfileInput> = {}): DuplicateProfile {
  next += 1;
  const age = 'age' in more ? more.age : 40;
  return duplicateProfile({
    id: `claim-${next}`,
    status: 'submitted',
    name,
    sex: 'male',
    age,
    ageGroup: age === undefined ? 'unknown' : age < 18 ? 'child' : 'adult',
    deathFrom: null,
    deathTo: null,
    place: { governorate: 'Gaza' },
    lists: [],
    ...more,
  });
}

const score = (a: DuplicateProfile, b: DuplicateProfile): number => scoreDuplicate(a, b).score;
const reason = (a: DuplicateProfile, b: DuplicateProfile, feature: string): DuplicateReason | undefined =>
  scoreDuplicate(a, b).reasons.find((r) => r.feature === feature);

describe('scoreDuplicate: the same person written differently', () => {
  it('scores transliteration variants of every name high', () => {
    const a = claim({ latin: 'Mohammed Khaled Hussein al-Najjar' });
    const b = claim({ latin: 'Muhammad Khalid Husayn Najjar' });
    expect(mayBeDuplicates(a, b)).toBe(true);
    expect(score(a, b)).toBeGreaterThanOrEqual(0.85);
    expect(reason(a, b, 'given-name')).toEqual({ feature: 'given-name', outcome: 'variant', weight: expect.any(Number) });
    expect(reason(a, b, 'names-compared')?.outcome).toBe('latin');
  });

  it('compares an Arabic name with a Latin one by their skeletons', () => {
    const a = claim({ arabic: 'محمد خالد حسين النجار' });
    const b = claim({ latin: 'Mohamed Khalid Hussein El-Najjar' });
    expect(mayBeDuplicates(a, b)).toBe(true);
    expect(reason(a, b, 'names-compared')?.outcome).toBe('across-scripts');
    expect(score(a, b)).toBeGreaterThanOrEqual(0.85);
  });

  it('reads a family name with or without "Abu" and the article as one (Gaza list)', () => {
    const a = claim({ arabic: 'أحمد مسلم أحمد ابوبركه' }, { age: 88 });
    const b = claim({ arabic: 'احمد مسلم احمد بركه' }, { age: 87 });
    expect(reason(a, b, 'family-name')?.outcome).toBe('variant');
    expect(score(a, b)).toBeGreaterThanOrEqual(0.9);
    const c = claim({ latin: 'Ahmad Salim Khalil al-Sharafi' });
    const d = claim({ latin: 'Ahmed Salem Khalil El Sharafi' });
    expect(score(c, d)).toBeGreaterThanOrEqual(0.85);
  });

  it('costs little for a middle name missing on one side (Gaza list)', () => {
    const a = claim({ arabic: 'اسامة احمد محمد ابوكويك' }, { age: 1 });
    const b = claim({ arabic: 'اسامة احمد محمد سعيد ابوكويك' }, { age: 0 });
    expect(scoreDuplicate(a, b).reasons).toContainEqual({ feature: 'middle-names', outcome: '1-missing-on-one', weight: -0.3 });
    expect(score(a, b)).toBeGreaterThanOrEqual(0.9);
  });

  it('finds a name written family name first', () => {
    const a = claim({ latin: 'Al-Najjar Mohammed Khaled Hussein' });
    const b = claim({ latin: 'Mohammed Khaled Hussein Al-Najjar' });
    expect(mayBeDuplicates(a, b)).toBe(true);
    expect(reason(a, b, 'name-order')?.outcome).toBe('family-name-first');
    expect(score(a, b)).toBeGreaterThanOrEqual(0.9);
    // A father's chain against his son's is no family name written first, even when the son's
    // family name is missing and his grandfather's looks like the father's given name.
    const father = claim({ latin: 'Mustafa Ahmed Mouahmmed' }, { age: undefined, ageGroup: 'adult' });
    const son = claim({ latin: 'Mahmoud Mustafa Ahmed Alsaoitai' }, { age: undefined, ageGroup: 'adult' });
    expect(reason(son, father, 'name-order')).toBeUndefined();
    expect(reason(son, father, 'generation')?.outcome).toBe('parent-and-child');
    expect(score(son, father)).toBeLessThan(0.05);
  });

  it('forgives a father and grandfather written in the other order (Gaza list)', () => {
    const a = claim({ arabic: 'فرحانه سالم سليمان النباهين' }, { sex: 'female', age: 82 });
    const b = claim({ arabic: 'فرحانه سليمان سالم النباهين' }, { sex: 'female', age: 82 });
    expect(reason(a, b, 'name-order')?.outcome).toBe('1-in-another-order');
    expect(score(a, b)).toBeGreaterThanOrEqual(0.9);
  });

  it('takes a compound given name and its first half as one (Gaza list)', () => {
    const a = claim({ arabic: 'نداء اسماعيل عبدالفتاح ابوجراد' }, { sex: 'female' });
    const b = claim({ arabic: 'نداء الدين اسماعيل عبدالفتاح ابوجراد' }, { sex: 'female' });
    expect(reason(a, b, 'given-name')?.outcome).toBe('variant');
    expect(score(a, b)).toBeGreaterThanOrEqual(0.9);
  });

  it('gives its reasons, and a score between 0 and 1', () => {
    const a = claim({ arabic: 'أدهم محمد درويش سليم عبدالشافي', latin: 'Adham Mohammed Darwish Salim Abd al-Shafi' }, { age: 51 });
    const b = claim({ arabic: 'ادهم محمد درويش سليم عبدالشافي' }, { age: 51 });
    const { score: s, reasons } = scoreDuplicate(a, b);
    expect(s).toBeGreaterThan(0.99);
    expect(s).toBeLessThanOrEqual(1);
    expect(reasons.map((r) => `${r.feature}:${r.outcome}`)).toEqual([
      'names-compared:arabic',
      'given-name:same',
      'father-name:same',
      'family-name:same',
      'middle-names:2-agree',
      'age:same',
      'sex:same',
      'governorate:same',
    ]);
    expect(scoreDuplicate(b, a).score).toBe(s);
  });
});

describe('scoreDuplicate: relatives are not duplicates', () => {
  // A father and his son named after his own father, as the Gaza list has them.
  it('keeps a father and his son low: the chain is shifted by one generation and the ages are decades apart', () => {
    const father = claim({ arabic: 'هاني كايد محمد ابوجياب' }, { age: 62 });
    const son = claim({ arabic: 'محمد هانى كايد ابوجياب' }, { age: 33 });
    expect(reason(father, son, 'generation')?.outcome).toBe('parent-and-child');
    expect(score(father, son)).toBeLessThan(0.01);
    // Even with the ages unknown, the names alone say parent and child.
    expect(score(claim({ arabic: 'هاني كايد محمد ابوجياب' }, { age: undefined }), claim({ arabic: 'محمد هانى كايد ابوجياب' }, { age: undefined }))).toBeLessThan(0.05);
  });

  it('keeps sisters low: all but the given name agree, even at one age (twins, or a year-only birth date; Gaza list)', () => {
    const a = claim({ arabic: 'ريهام محمد سالم درويش' }, { sex: 'female', age: 24 });
    const b = claim({ arabic: 'ليان محمد سالم درويش' }, { sex: 'female', age: 24 });
    expect(reason(a, b, 'given-name')?.outcome).toBe('different');
    expect(score(a, b)).toBeLessThan(0.2);
  });

  it('keeps twins named alike below the same name: كريم and كرم are two names', () => {
    const karim = claim({ arabic: 'كريم سليم سعدى حميد' }, { age: 7 });
    const karam = claim({ arabic: 'كرم سليم سعدى حميد' }, { age: 7 });
    expect(reason(karim, karam, 'given-name')?.outcome).toBe('similar');
    expect(score(karim, karam)).toBeLessThan(0.6);
    expect(score(karim, karam)).toBeLessThan(score(karim, claim({ arabic: 'كريم سليم سعدى حميد' }, { age: 7 })));
  });

  it('keeps cousins named after their grandfather low: their fathers differ', () => {
    const a = claim({ arabic: 'محمد رائد محمد قدورة' }, { age: 23 });
    const b = claim({ arabic: 'محمد نضال محمد قدورة' }, { age: 23 });
    expect(reason(a, b, 'father-name')).toEqual({ feature: 'father-name', outcome: 'different', weight: -3.5 });
    expect(score(a, b)).toBeLessThan(0.5);
  });

  it('keeps the same full name at ages far apart low (an uncle and his nephew, Gaza list)', () => {
    const a = claim({ arabic: 'محمد احمد محمد ابوامونة' }, { age: 14 });
    const b = claim({ arabic: 'محمد احمد محمد ابوامونه' }, { age: 33 });
    expect(reason(a, b, 'age')).toEqual({ feature: 'age', outcome: '19-years-apart', weight: -6 });
    expect(score(a, b)).toBeLessThan(0.1);
  });

  it('keeps victims listed by number apart (VDC-style "Son 1", "Son 2", killed together)', () => {
    const day = { deathFrom: '2014-08-25', deathTo: '2014-08-25', place: { governorate: 'Damascus', locality: 'Midan' } };
    const first = claim({ latin: "Wadah Adnan Tamemi's Son 1" }, { age: undefined, ageGroup: 'child', ...day });
    const second = claim({ latin: "Wadah Adnan Tamemi's Son 2" }, { age: undefined, ageGroup: 'child', ...day });
    expect(reason(first, second, 'name-number')).toEqual({ feature: 'name-number', outcome: 'different', weight: -5 });
    expect(score(first, second)).toBeLessThan(0.1);
    expect(score(first, claim({ latin: "Wadah Adnan Tamemi's Son 1" }, { age: undefined, ageGroup: 'child', ...day }))).toBeGreaterThan(0.9);
  });

  it('tells Muhammad from Mahmoud in Latin, though they share a skeleton', () => {
    const a = claim({ latin: 'Mohammed Khaled Hussein al-Najjar' });
    const mahmoud = claim({ latin: 'Mahmoud Khaled Hussein al-Najjar' });
    const muhammad = claim({ latin: 'Muhammad Khaled Hussein al-Najjar' });
    expect(reason(a, mahmoud, 'given-name')?.outcome).toBe('similar');
    expect(score(a, mahmoud)).toBeLessThan(score(a, muhammad) - 0.2);
  });
});

describe('scoreDuplicate: age, date, place and lists', () => {
  const name = { arabic: 'يوسف محمد احمد جادو', latin: 'Yousef Mohammed Ahmad Jadou' };

  it('lowers the score as the age gap widens', () => {
    const at = (age: number): number => score(claim(name, { age: 30 }), claim(name, { age }));
    const scores = [30, 31, 32, 35, 45].map(at);
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeLessThan(scores[i - 1]);
    expect(at(31)).toBeGreaterThan(0.9);
    expect(at(45)).toBeLessThan(0.5);
  });

  it('compares age groups when an age is missing', () => {
    const child = claim(name, { age: undefined, ageGroup: 'child' });
    expect(reason(child, claim(name, { age: 40 }), 'age-group')).toEqual({ feature: 'age-group', outcome: 'different', weight: -3 });
    expect(reason(child, claim(name, { age: undefined, ageGroup: 'unknown' }), 'age-group')).toBeUndefined();
  });

  it('weighs the dates of death when both are known', () => {
    const on = (from: string, to = from): Partial<DuplicateProfileInput> => ({ deathFrom: from, deathTo: to });
    const day = claim(name, on('2024-01-10'));
    expect(reason(day, claim(name, on('2024-01-10')), 'death-date')?.outcome).toBe('same-day');
    expect(reason(day, claim(name, on('2024-01-01', '2024-01-31')), 'death-date')?.outcome).toBe('overlapping');
    expect(reason(day, claim(name, on('2024-01-13')), 'death-date')).toEqual({ feature: 'death-date', outcome: '3-days-apart', weight: -0.5 });
    expect(score(day, claim(name, on('2024-06-10')))).toBeLessThan(0.5);
    expect(reason(day, claim(name), 'death-date')).toBeUndefined();
    expect(score(day, claim(name, on('2024-01-10')))).toBeGreaterThan(score(day, claim(name)));
  });

  it('weighs places in either script, and a different governorate against', () => {
    const zardana = claim(name, { place: { governorate: 'Idlib', locality: 'Zardana' } });
    expect(reason(zardana, claim(name, { place: { governorate: 'idlib', locality: 'زردنا' } }), 'locality')?.outcome).toBe('same');
    expect(reason(zardana, claim(name, { place: { governorate: 'Aleppo' } }), 'governorate')).toEqual({ feature: 'governorate', outcome: 'different', weight: -2 });
    expect(reason(zardana, claim(name, { place: { governorate: 'Unknown' } }), 'governorate')).toBeUndefined();
  });

  it('counts two lists for one person a little in favour', () => {
    const moh = claim(name, { lists: ['Ministry of Health'] });
    expect(reason(moh, claim(name, { lists: ['Public submissions'] }), 'lists')?.outcome).toBe('different-lists');
    expect(reason(moh, claim(name, { lists: ['Ministry of Health'] }), 'lists')?.weight).toBe(0);
  });

  it('costs a little for a sex unknown on one side', () => {
    expect(reason(claim(name), claim(name, { sex: 'unknown' }), 'sex')).toEqual({ feature: 'sex', outcome: 'unknown-on-one', weight: -0.5 });
  });
});

describe('blocking', () => {
  const name = { arabic: 'محمد خالد حسين النجار', latin: 'Mohammed Khaled Hussein al-Najjar' };

  it('never pairs a claim with itself, a retracted claim, a linked duplicate or the other sex', () => {
    const a = claim(name);
    expect(mayBeDuplicates(a, a)).toBe(false);
    expect(mayBeDuplicates(a, claim(name, { status: 'retracted' }))).toBe(false);
    expect(mayBeDuplicates(a, claim(name, { status: 'duplicate' }))).toBe(false);
    expect(mayBeDuplicates(a, claim(name, { sex: 'female' }))).toBe(false);
    expect(mayBeDuplicates(a, claim(name, { sex: 'unknown' }))).toBe(true);
    expect(mayBeDuplicates(a, claim(name, { status: 'verified' }))).toBe(true);
  });

  it('gives names of one part, and no name, no key', () => {
    expect(claim({ latin: 'Mohammed' }).keys).toEqual([]);
    expect(claim(undefined).keys).toEqual([]);
    expect(mayBeDuplicates(claim({ latin: 'Mohammed' }), claim({ latin: 'Mohammed' }))).toBe(false);
  });

  // The read side finds a claim's candidates with LIKE on name_key: every key must be in the key.
  it.each<VictimName>([
    { arabic: 'أمل محمد جمعة أبو صويص', latin: 'Amal Muhammad Jmuaah Abu Sois' },
    { arabic: 'نداء الدين اسماعيل عبدالفتاح ابوجراد' },
    { arabic: 'منة هللا محمد حسن منسي' },
    { latin: 'Aya Nour al-Din Abual-naja' },
    { latin: 'Salah ad-Din Yusuf' },
    { given: 'Ola', father: 'Abu Ali', family: 'El Masri' },
  ])('finds the LIKE patterns of every key of %j in its own name_key', (name) => {
    const profile = claim(name);
    expect(profile.keys.length).toBeGreaterThan(0);
    const key = nameSearchKey(name);
    const like = (pattern: string): RegExp => new RegExp(`^${pattern.replace(/\\(.)/g, '$1').split('%').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'u');
    for (const [first, second] of blockingPatterns(profile.keys)) {
      expect([first, like(first).test(key)]).toEqual([first, true]);
      expect([second, like(second).test(key)]).toEqual([second, true]);
    }
  });
});
