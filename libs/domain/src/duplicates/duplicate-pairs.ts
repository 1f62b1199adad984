import { linkable, scoreDuplicate, sexesCompatible, type DuplicateProfile, type DuplicateReason } from './duplicate-score.js';

export interface DuplicatePair {
  /** The claim filed first of the two (the earlier in `profiles`). */
  a: DuplicateProfile;
  b: DuplicateProfile;
  score: number;
  reasons: DuplicateReason[];
}

export interface PairingCounts {
  /** Pairs that shared a blocking key and were scored. */
  compared: number;
  /** Pairs yielded (score at least the minimum). */
  reported: number;
}

/**
 * Every candidate pair of a whole ledger once, in the order of `profiles` (filing order: for each
 * claim, its candidates filed after it), lazily, so that a report can be written as it is found.
 * The pairs compared are exactly those mayBeDuplicates admits: the claims sharing a blocking key,
 * both linkable, of compatible sexes.
 */
export function* duplicatePairs(profiles: readonly DuplicateProfile[], minScore: number, counts: PairingCounts = { compared: 0, reported: 0 }): Generator<DuplicatePair> {
  const blocks = new Map<string, number[]>();
  profiles.forEach((profile, i) => {
    if (!linkable(profile)) return;
    for (const key of profile.keys) {
      const block = blocks.get(key);
      if (block) block.push(i);
      else blocks.set(key, [i]);
    }
  });
  // seen[j] === i: claim j is already a candidate of claim i (it shares more than one key).
  const seen = new Int32Array(profiles.length).fill(-1);
  for (let i = 0; i < profiles.length; i++) {
    const a = profiles[i];
    if (!linkable(a)) continue;
    const candidates: number[] = [];
    for (const key of a.keys) {
      for (const j of blocks.get(key) ?? []) {
        if (j <= i || seen[j] === i) continue;
        seen[j] = i;
        candidates.push(j);
      }
    }
    candidates.sort((x, y) => x - y);
    for (const j of candidates) {
      const b = profiles[j];
      if (!sexesCompatible(a.sex, b.sex) || a.id === b.id) continue;
      counts.compared++;
      const { score, reasons } = scoreDuplicate(a, b);
      if (score < minScore) continue;
      counts.reported++;
      yield { a, b, score, reasons };
    }
  }
}
