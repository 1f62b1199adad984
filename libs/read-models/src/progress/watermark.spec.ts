import { advanceWatermark, EMPTY_WATERMARK } from './watermark.js';

describe('advanceWatermark', () => {
  it('moves over a contiguous run', () => {
    expect(advanceWatermark(EMPTY_WATERMARK, [1, 2, 3])).toEqual({ seq: 3, pending: [] });
  });

  it('holds back behind a gap and keeps what is above it as ranges', () => {
    const w = advanceWatermark(EMPTY_WATERMARK, [1, 2, 4, 5, 7]);
    expect(w).toEqual({ seq: 2, pending: [[4, 5], [7, 7]] });
  });

  it('closes the gap when the missing seqs arrive from another partition', () => {
    const w1 = advanceWatermark(EMPTY_WATERMARK, [2, 5, 6]);
    const w2 = advanceWatermark(w1, [1, 3]);
    expect(w2).toEqual({ seq: 3, pending: [[5, 6]] });
    expect(advanceWatermark(w2, [4])).toEqual({ seq: 6, pending: [] });
  });

  it('ignores redeliveries at or below the watermark and repeats above it', () => {
    const w = advanceWatermark({ seq: 10, pending: [[12, 12]] }, [9, 10, 12, 12, 14]);
    expect(w).toEqual({ seq: 10, pending: [[12, 12], [14, 14]] });
  });

  it('gives the same answer whatever order the partitions deliver in', () => {
    const seqs = Array.from({ length: 200 }, (_, i) => i + 1);
    const partitions = [0, 1, 2].map((p) => seqs.filter((s) => s % 3 === p));
    let w = EMPTY_WATERMARK;
    for (const chunk of [partitions[2], partitions[0].slice(0, 30), partitions[1], partitions[0].slice(30)]) w = advanceWatermark(w, chunk);
    expect(w).toEqual({ seq: 200, pending: [] });
  });
});
