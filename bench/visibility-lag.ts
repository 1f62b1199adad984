import { Agent } from 'node:http';
import type { ClaimDetails } from '@ledger/domain';
import pg from 'pg';
import { postClaim } from './http-load.js';
import { assertScratch } from './scratch.js';
import { summarize, type LatencySummary } from './stats.js';

export interface LagOptions {
  /** Commands per second the generator sends, whatever the answers. */
  rate: number;
  warmupMs: number;
  measureMs: number;
  /** Sleep between two polls of the claims projection's progress. */
  pollEveryMs: number;
  /** The ledger's topic, to read the publisher's position. */
  topic: string;
}

/** Events waiting at each stage between the API's commit and the claims read model. */
export interface StageBacklog {
  /** Committed, not yet sequenced (ledger_events rows past the sequencer's last row). */
  sequencer: { mean: number; max: number };
  /** Sequenced, not yet acknowledged by Kafka. */
  publisher: { mean: number; max: number };
  /** On Kafka, not yet below the claims projection's watermark. */
  projector: { mean: number; max: number };
}

export interface LagResult {
  targetRate: number;
  seconds: number;
  /** Commands sent in the timed window, and the rate they were actually sent at. */
  sent: number;
  sendRate: number;
  /** 201 answers to them, per second from the first timed send to the last of their answers: the achieved command rate. */
  accepted: number;
  acceptedRate: number;
  errors: number;
  firstError?: string;
  /** POST /claims latency, from the scheduled send to the 201. */
  post: LatencySummary;
  /** From the scheduled send to the first poll that found the claim in claim_view. */
  lag: LatencySummary;
  /** From the 201 to that poll: the sequencer, publisher, Kafka and projector, without the API's queue. */
  afterAnswer: LatencySummary;
  /** Accepted claims not visible within the wait after the run. */
  unseen: number;
  /** Sampled with every poll during the timed window: where the commands queued. */
  stages: StageBacklog;
  polls: number;
  /** Mean duration of one poll (its two queries): with pollEveryMs, what a lag may be overstated by. */
  pollMs: number;
  pollEveryMs: number;
}

interface Pending {
  scheduled: number;
  answered: number;
  timed: boolean;
  /** The seq of its ClaimFiled, once sequenced. */
  seq?: number;
}

/**
 * Command-to-visible lag: an open-loop generator sends POST /claims at a steady rate (the n-th
 * command is due at start + n/rate, however slowly the API answers, so a slow answer never delays
 * the next command), and one poller, with a superuser connection, sleeping `pollEveryMs` between
 * polls, finds the seq of each accepted claim's ClaimFiled once (ledger_log, by stream and
 * version) and reads the claims projection's progress: its watermark and the ranges applied above
 * it, which the projector writes in the transaction that writes the claims' rows. A claim's lag
 * runs from its scheduled send to the first poll at which its seq is applied: its row is in
 * claim_view from then on, and not before. (Asking claim_view for every pending id instead cost
 * Postgres 5–9 ms per poll once a backlog formed, a third of a core taken from what was measured.)
 */
export async function visibilityLag(baseUrl: string, token: string, adminUrl: string, bodies: readonly ClaimDetails[], options: LagOptions): Promise<LagResult> {
  assertScratch(adminUrl);
  const url = new URL(baseUrl);
  const payloads = bodies.map((b) => Buffer.from(JSON.stringify(b), 'utf8'));
  const agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 512 });
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const pending = new Map<string, Pending>();
  const postMs: number[] = [];
  const lagMs: number[] = [];
  const afterMs: number[] = [];
  let lastAnswer = Number.NaN;
  let errors = 0;
  let firstError: string | undefined;
  let sent = 0;
  let accepted = 0;
  let polls = 0;
  let pollTotal = 0;
  let sending = true;

  const stageSamples: Array<[number, number, number]> = [];
  let timedWindow = false;
  let pollError: unknown = null;
  const poller = (async () => {
    while (sending || pending.size > 0) {
      if (pending.size > 0) {
        const started = performance.now();
        const unsequenced = [...pending].filter(([, p]) => p.seq === undefined).map(([id]) => `claim-${id}`);
        if (unsequenced.length > 0) {
          const { rows } = await client.query<{ stream_id: string; seq: string }>(
            `SELECT stream_id, seq FROM ledger_log WHERE stream_id = ANY($1::text[]) AND version = 1`,
            [unsequenced],
          );
          for (const row of rows) {
            const waiting = pending.get(row.stream_id.slice('claim-'.length));
            if (waiting) waiting.seq = Number(row.seq);
          }
        }
        const { rows: progress } = await client.query<{ watermark: string; pending: Array<[number, number]> }>(
          `SELECT watermark, pending FROM projection_progress WHERE projection = 'claims'`,
        );
        const now = performance.now();
        polls += 1;
        pollTotal += now - started;
        const watermark = progress.length > 0 ? Number(progress[0].watermark) : 0;
        const above = progress.length > 0 ? progress[0].pending : [];
        for (const [id, waiting] of pending) {
          const seq = waiting.seq;
          if (seq === undefined || (seq > watermark && !above.some(([from, to]) => seq >= from && seq <= to))) continue;
          pending.delete(id);
          if (waiting.timed) {
            lagMs.push(now - waiting.scheduled);
            afterMs.push(now - waiting.answered);
          }
        }
      }
      if (timedWindow) {
        // Single-row reads (max(id) walks the primary key): cheap enough to take with every poll.
        const { rows: [stage] } = await client.query<{ committed: string; row: string; sequenced: string; published: string | null; projected: string | null }>(
          `SELECT (SELECT max(id) FROM ledger_events) AS committed,
                  s.last_event_row AS row, s.last_seq AS sequenced,
                  (SELECT last_published_seq FROM publisher_state WHERE topic = $1) AS published,
                  (SELECT watermark FROM projection_progress WHERE projection = 'claims') AS projected
           FROM sequencer_state s WHERE s.id = 1`,
          [options.topic],
        );
        const [published, projected] = [Number(stage.published ?? 0), Number(stage.projected ?? 0)];
        stageSamples.push([Number(stage.committed) - Number(stage.row), Number(stage.sequenced) - published, published - projected]);
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollEveryMs));
    }
  })().catch((error: unknown) => {
    pollError = error;
  });

  const inFlight: Array<Promise<void>> = [];
  const send = (n: number, scheduled: number, timed: boolean): Promise<void> =>
    postClaim(agent, url, token, payloads[n % payloads.length]).then(
      (reply) => {
        if (reply.status === 201) {
          const id = (JSON.parse(reply.body) as { id: string }).id;
          const answered = performance.now();
          pending.set(id, { scheduled, answered, timed });
          if (timed) {
            accepted += 1;
            lastAnswer = answered;
            postMs.push(answered - scheduled);
          }
        } else if (timed) {
          errors += 1;
          firstError ??= `HTTP ${reply.status}: ${reply.body.slice(0, 300)}`;
        }
      },
      (error: unknown) => {
        if (!timed) return;
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      },
    );

  const start = performance.now();
  const timedFrom = start + options.warmupMs;
  const end = timedFrom + options.measureMs;
  const interval = 1000 / options.rate;
  let n = 0;
  let firstTimedSend = Number.NaN;
  let lastTimedSend = Number.NaN;
  let unseen: number;
  try {
    for (;;) {
      const now = performance.now();
      // Every command that is due goes out now, late ones included: the schedule never slips.
      while (start + n * interval <= now) {
        const scheduled = start + n * interval;
        if (scheduled >= end) break;
        const timed = scheduled >= timedFrom;
        timedWindow = timed;
        if (timed) {
          sent += 1;
          if (Number.isNaN(firstTimedSend)) firstTimedSend = now;
          lastTimedSend = now;
        }
        inFlight.push(send(n, scheduled, timed));
        n += 1;
      }
      if (start + n * interval >= end) break;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    timedWindow = false;
    await Promise.all(inFlight);
    // Whatever the projector has not applied a minute after the last answer counts as never seen.
    const deadline = performance.now() + 60000;
    while (pending.size > 0 && performance.now() < deadline && pollError === null) await new Promise((resolve) => setTimeout(resolve, 20));
    unseen = [...pending.values()].filter((p) => p.timed).length;
  } finally {
    sending = false;
    pending.clear();
    await poller;
    await client.end();
    agent.destroy();
  }
  if (pollError !== null) throw pollError;
  const stage = (i: number): { mean: number; max: number } => ({
    mean: stageSamples.reduce((n, sample) => n + sample[i], 0) / Math.max(1, stageSamples.length),
    max: stageSamples.reduce((n, sample) => Math.max(n, sample[i]), 0),
  });
  const seconds = options.measureMs / 1000;
  return {
    targetRate: options.rate,
    seconds,
    sent,
    sendRate: sent / Math.max((lastTimedSend - firstTimedSend) / 1000, 1e-3),
    accepted,
    acceptedRate: accepted / Math.max((lastAnswer - firstTimedSend) / 1000, seconds),
    errors,
    firstError,
    post: summarize(postMs),
    lag: summarize(lagMs),
    afterAnswer: summarize(afterMs),
    unseen,
    stages: { sequencer: stage(0), publisher: stage(1), projector: stage(2) },
    polls,
    pollMs: pollTotal / Math.max(1, polls),
    pollEveryMs: options.pollEveryMs,
  };
}
