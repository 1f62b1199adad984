/**
 * A value read once per scrape and shared by every metric it feeds (a registry collects all its
 * metrics at once): nothing is read between scrapes, and a read still running is joined, never
 * started twice, so a slow database cannot pile reads up. A read that fails or takes longer than
 * `timeoutMs` gives null: the scrape still answers, with what depends on it marked unknown.
 */
export class ScrapeSnapshot<T> {
  private reading: Promise<T | null> | null = null;
  private settled: { value: T | null; at: number } | null = null;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly timeoutMs = 1000,
    /** A scrape's collectors start together; this long after a read, they still share its value. */
    private readonly shareMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T | null> {
    if (this.settled && this.now() - this.settled.at <= this.shareMs) return Promise.resolve(this.settled.value);
    if (!this.reading) {
      this.settled = null;
      this.reading = this.read()
        .catch(() => null)
        .then((value) => {
          this.settled = { value, at: this.now() };
          this.reading = null;
          return value;
        });
    }
    return withTimeout(this.reading, this.timeoutMs);
  }
}

async function withTimeout<T>(promise: Promise<T | null>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
