/**
 * A projection consumes the feed's partitions independently, so it applies seqs out of global
 * order. Its watermark is the highest seq W such that every seq <= W has been applied: the point
 * at which its tables equal the ledger "as it stood at seq W". Seqs applied above W wait in
 * `pending` as closed ranges until the gap below them fills.
 */
export interface Watermark {
  seq: number;
  pending: Array<[number, number]>;
}

export const EMPTY_WATERMARK: Watermark = { seq: 0, pending: [] };

/** Pure: the watermark after more seqs were applied (in any order, repeats ignored). */
export function advanceWatermark(current: Watermark, applied: readonly number[]): Watermark {
  const ranges: Array<[number, number]> = current.pending.map(([a, b]) => [a, b]);
  for (const seq of applied) if (seq > current.seq) ranges.push([seq, seq]);
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push(range);
  }
  let seq = current.seq;
  while (merged.length > 0 && merged[0][0] <= seq + 1) {
    seq = Math.max(seq, merged[0][1]);
    merged.shift();
  }
  return { seq, pending: merged };
}
