import type { VictimName } from '../claim/claim.types.js';
import { duplicatePairs, type PairingCounts } from './duplicate-pairs.js';
import { duplicateProfile, mayBeDuplicates, scoreDuplicate, type DuplicateProfile, type DuplicateProfileInput } from './duplicate-score.js';

function claim(id: string, name: VictimName, more: Partial<DuplicateProfileInput> = {}): DuplicateProfile {
  return duplicateProfile({
    id,
    status: 'submitted',
    name,
    sex: 'male',
    age: 30,
    ageGroup: 'adult',
    deathFrom: null,
    deathTo: null,
    place: { governorate: 'Gaza' },
    lists: [],
    ...more,
  });
}

const ledger = [
  claim('c1', { arabic: 'محمد خالد حسين النجار' }),
  claim('c2', { latin: 'Mohammed Khaled Hussein al-Najjar' }),
  claim('c3', { latin: 'Muhammad Khalid Husayn Najjar' }, { status: 'duplicate' }),
  claim('c4', { arabic: 'احمد خالد حسين النجار' }),
  claim('c5', { arabic: 'خالد حسين محمد النجار' }, { age: 58 }),
  claim('c6', { arabic: 'محمد خالد حسين النجار' }, { sex: 'female' }),
  claim('c7', { latin: 'Al-Najjar Mohammed Khaled Hussein' }, { status: 'retracted' }),
  claim('c8', { latin: 'Yousef Ali' }),
  claim('c9', { arabic: 'محمد سالم حسين النجار' }),
];

describe('duplicatePairs', () => {
  it('yields every pair above the minimum once, earlier claim first, in filing order', () => {
    const pairs = [...duplicatePairs(ledger, 0.5)].map((p) => [p.a.id, p.b.id]);
    expect(pairs).toEqual([['c1', 'c2']]);
  });

  it('scores exactly the pairs mayBeDuplicates admits, as scoreDuplicate does', () => {
    const counts: PairingCounts = { compared: 0, reported: 0 };
    const all = [...duplicatePairs(ledger, 0, counts)];
    const expected: string[] = [];
    ledger.forEach((a, i) => ledger.slice(i + 1).forEach((b) => mayBeDuplicates(a, b) && expected.push(`${a.id}/${b.id}`)));
    expect(all.map((p) => `${p.a.id}/${p.b.id}`)).toEqual(expected);
    expect(counts).toEqual({ compared: expected.length, reported: expected.length });
    for (const p of all) expect(p.score).toBe(scoreDuplicate(p.a, p.b).score);
    // A brother and a father share no key with c1 (their given names differ); a cousin of the
    // same name does, and is compared, but scores low.
    expect(expected).not.toContain('c1/c4');
    expect(expected).not.toContain('c1/c5');
    expect(expected).toContain('c1/c9');
    expect(all.find((p) => p.a.id === 'c1' && p.b.id === 'c9')?.score).toBeLessThan(0.5);
  });

  it('is lazy: a report can stop after the first pair', () => {
    const iterator = duplicatePairs(ledger, 0.5);
    expect(iterator.next().value?.b.id).toBe('c2');
  });
});
