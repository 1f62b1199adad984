import pg from 'pg';
import { importClaims } from './claim-import.js';
import { assertScratch, type ScratchDatabase } from './scratch.js';
import { CLAIM_BODY } from './workload.js';

export interface Counters {
  events: number;
  sequenced: number;
  published: number;
}

/** Superuser reads of where the ledger is: committed events, last seq, last seq acked by Kafka. */
export class LedgerProbe {
  private constructor(
    private readonly client: pg.Client,
    private readonly topic: string,
  ) {}

  static async open(db: ScratchDatabase, topic: string): Promise<LedgerProbe> {
    assertScratch(db.adminUrl);
    const client = new pg.Client({ connectionString: db.adminUrl });
    await client.connect();
    return new LedgerProbe(client, topic);
  }

  async counters(withEvents = true): Promise<Counters> {
    const { rows } = await this.client.query<{ events: string | null; sequenced: string; published: string | null }>(
      `SELECT ${withEvents ? '(SELECT count(*) FROM ledger_events)' : 'NULL'} AS events,
              (SELECT last_seq FROM sequencer_state WHERE id = 1) AS sequenced,
              (SELECT last_published_seq FROM publisher_state WHERE topic = $1) AS published`,
      [this.topic],
    );
    const [row] = rows;
    return { events: Number(row.events ?? Number.NaN), sequenced: Number(row.sequenced), published: Number(row.published ?? 0) };
  }

  /** Waits until every committed event is published; returns how long that took (ms). */
  async waitUntilPublished(timeoutMs: number): Promise<{ ms: number; lagAtStart: number }> {
    const started = performance.now();
    const first = await this.counters();
    for (;;) {
      const now = await this.counters();
      if (now.published >= now.events) return { ms: performance.now() - started, lagAtStart: first.events - first.published };
      if (performance.now() - started > timeoutMs) {
        throw new Error(`the pipeline did not catch up within ${timeoutMs} ms (events ${now.events}, sequenced ${now.sequenced}, published ${now.published})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

export interface Sample {
  ms: number;
  sequenced: number;
  published: number;
}

/** Records (time, last seq, last published seq) every `everyMs` until stopped. */
export function sampleProgress(probe: LedgerProbe, everyMs: number): { stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const started = performance.now();
  const loop = (async () => {
    while (running) {
      try {
        const c = await probe.counters(false);
        samples.push({ ms: performance.now() - started, sequenced: c.sequenced, published: c.published });
      } catch {
        // the database is busy being created or migrated; try again
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      // One more, so the sample that shows the end is there even if the loop slept through it.
      const c = await probe.counters(false);
      samples.push({ ms: performance.now() - started, sequenced: c.sequenced, published: c.published });
      return samples;
    },
  };
}

export interface DrainResult {
  events: number;
  /** Events per second over the sequencer's active window (first to last seq observed moving). */
  sequencerRate: number;
  /** Events per second from the first event sequenced to the last one acknowledged by Kafka. */
  endToEndRate: number;
  /** Events per second over the publisher's active window. */
  publisherRate: number;
  drainSeconds: number;
  startupSeconds: number;
}

/**
 * Rates from samples: a stage's rate counts only what it did after it was first seen moving, so
 * neither the app's start-up nor the sampling interval inflates or deflates it.
 */
export function drainRates(samples: Sample[], base: number, target: number): DrainResult {
  const firstSeq = samples.find((s) => s.sequenced > base);
  const seqDone = samples.find((s) => s.sequenced >= target);
  const firstPub = samples.find((s) => s.published > base);
  const pubDone = samples.find((s) => s.published >= target);
  if (!firstSeq || !seqDone || !firstPub || !pubDone) throw new Error('the backlog was not drained while sampling');
  const rate = (events: number, ms: number): number => (ms > 0 ? events / (ms / 1000) : Number.NaN);
  return {
    events: target - base,
    sequencerRate: rate(target - firstSeq.sequenced, seqDone.ms - firstSeq.ms),
    publisherRate: rate(target - firstPub.published, pubDone.ms - firstPub.ms),
    endToEndRate: rate(target - firstSeq.sequenced, pubDone.ms - firstSeq.ms),
    drainSeconds: (pubDone.ms - firstSeq.ms) / 1000,
    startupSeconds: firstSeq.ms / 1000,
  };
}

/**
 * Appends `count` ClaimFiled events through our event store while the app is stopped: import-style
 * commands that each file `perCommand` claims (one stream each), with the ClaimFiled events the domain decides.
 */
export function loadBacklog(db: ScratchDatabase, count: number, perCommand: number, concurrency: number): Promise<{ events: number; seconds: number }> {
  return importClaims(db, Array.from({ length: count }, () => CLAIM_BODY), perCommand, concurrency);
}
