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
  /** Sleep between two polls of claim_view. */
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
  /** Mean duration of one poll query: with pollEveryMs, what a lag may be overstated by. */
  pollMs: number;
  pollEveryMs: number;
}

interface Pending {
  scheduled: number;
  answered: number;
  timed: boolean;
}

/**
 * Command-to-visible lag: an open-loop generator sends POST /claims at a steady rate (the n-th
 * command is due at start + n/rate, however slowly the API answers, so a slow answer never delays
 * the next command), and one poller asks claim_view, with a superuser connection, for every
 * accepted claim not seen yet in a single `id = ANY($1)` query, sleeping `pollEveryMs` between
 * polls. A claim's lag runs from its scheduled send to the first poll that finds its row (the
 * projector writes the row with version 1, the one a 201 to POST /claims answers).
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
        const { rows } = await client.query<{ id: string }>(`SELECT id FROM claim_view WHERE id = ANY($1::uuid[])`, [[...pending.keys()]]);
        const now = performance.now();
        polls += 1;
        pollTotal += now - started;
        for (const { id } of rows) {
          const seen = pending.get(id);
          pending.delete(id);
          if (seen?.timed) {
            lagMs.push(now - seen.scheduled);
            afterMs.push(now - seen.answered);
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
