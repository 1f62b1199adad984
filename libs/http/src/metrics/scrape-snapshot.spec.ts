import { ScrapeSnapshot } from './scrape-snapshot.js';

describe('ScrapeSnapshot', () => {
  it('reads once for every metric of a scrape, and again for the next scrape', async () => {
    let reads = 0;
    let now = 1000;
    const snapshot = new ScrapeSnapshot(async () => ++reads, 1000, 250, () => now);
    expect(await Promise.all([snapshot.get(), snapshot.get(), snapshot.get()])).toEqual([1, 1, 1]);
    now += 100;
    expect(await snapshot.get()).toBe(1);
    now += 1000;
    expect(await snapshot.get()).toBe(2);
    expect(reads).toBe(2);
  });

  it('gives null when the read fails, and reads again next time', async () => {
    let now = 0;
    let fail = true;
    const snapshot = new ScrapeSnapshot(async () => {
      if (fail) throw new Error('database unreachable');
      return 'status';
    }, 1000, 250, () => now);
    expect(await snapshot.get()).toBeNull();
    fail = false;
    now += 1000;
    expect(await snapshot.get()).toBe('status');
  });

  it('answers null after the timeout, and joins the slow read instead of starting another', async () => {
    let reads = 0;
    let finish: (value: string) => void = () => undefined;
    const snapshot = new ScrapeSnapshot(
      () => {
        reads += 1;
        return new Promise<string>((resolve) => (finish = resolve));
      },
      20,
      250,
    );
    expect(await snapshot.get()).toBeNull();
    expect(await snapshot.get()).toBeNull();
    expect(reads).toBe(1);
    finish('late');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await snapshot.get()).toBe('late');
  });
});
