import { StreamCache, type StoredRow } from './stream-cache.js';

const row = (streamId: string, version: number, filler = ''): StoredRow => ({
  canonical: JSON.stringify({ streamId, version, payload: { filler } }),
  hash: `${streamId}-${version}`.padEnd(64, '0'),
  version,
});

describe('StreamCache', () => {
  it('gives a command the prefix it saw, however the stream grows or leaves the cache afterwards', () => {
    const cache = new StreamCache(1_000_000);
    cache.remember('a', [row('a', 1), row('a', 2)]);
    const seen = cache.prefix('a');
    cache.remember('a', [row('a', 1), row('a', 2), row('a', 3)]);
    expect(seen?.rows.map((r) => r.version)).toEqual([1, 2]);
    expect(seen?.events().map((e) => e.version)).toEqual([1, 2]);
    expect(cache.prefix('a')?.events().map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('keeps what it holds when told an older, shorter state, and refuses rows that do not start at version 1 or skip one', () => {
    const cache = new StreamCache(1_000_000);
    cache.remember('a', [row('a', 1), row('a', 2)]);
    cache.remember('a', [row('a', 1)]);
    expect(cache.prefix('a')?.rows).toHaveLength(2);
    cache.remember('b', [row('b', 2)]);
    cache.remember('c', [row('c', 1), row('c', 3)]);
    expect(cache.prefix('b')).toBeNull();
    expect(cache.prefix('c')).toBeNull();
  });

  it('freezes the events it shares, so a command cannot change what the next one reads', () => {
    const cache = new StreamCache(1_000_000);
    cache.remember('a', [row('a', 1, 'x')]);
    const [event] = cache.prefix('a')?.events() ?? [];
    expect(() => {
      (event.payload as { filler: string }).filler = 'changed';
    }).toThrow(TypeError);
    expect(cache.prefix('a')?.events()[0].payload).toEqual({ filler: 'x' });
  });

  it('lets the least recently used streams go once their texts pass the bound', () => {
    const one = row('a', 1, 'x'.repeat(100)).canonical.length;
    const cache = new StreamCache(one * 2);
    cache.remember('a', [row('a', 1, 'x'.repeat(100))]);
    cache.remember('b', [row('b', 1, 'x'.repeat(100))]);
    cache.prefix('a');
    cache.remember('c', [row('c', 1, 'x'.repeat(100))]);
    expect(cache.size).toBe(2);
    expect(cache.prefix('b')).toBeNull();
    expect(cache.prefix('a')).not.toBeNull();
    expect(cache.prefix('c')).not.toBeNull();
  });
});
