import pg from 'pg';
import { PROJECTOR_MAIN, startApp } from './app-process.js';
import { cpuSplitMeter, type CpuSplit } from './cpu.js';
import type { Ledger } from './ledger.js';
import { kafkaPid } from './machine.js';
import { memoryOf } from './memory.js';
import { assertScratch } from './scratch.js';

export interface ProjectorBacklogRun {
  /** Events on the topic (the last seq): what the claims projection must apply. */
  events: number;
  /**
   * Events per second from the first batch seen applied to the last event applied: the watermark
   * plus the seq ranges applied above it (partitions are applied out of global order).
   */
  rate: number;
  applySeconds: number;
  /** From spawning the projector to its claims watermark first moving. */
  startupSeconds: number;
  /** When the incidents projection (its own consumer group, same process) reached the end, from spawn. */
  incidentsDoneSeconds: number;
  /** Peak resident set of the projector process (VmHWM), bytes. */
  peakRss: number;
  cpu: CpuSplit;
}

interface Sample {
  ms: number;
  /** Events the claims projection has applied: its watermark plus the ranges applied above it. */
  claimsApplied: number;
  claims: number;
  incidents: number;
}

/**
 * Starts the projector app as its own process on a ledger whose whole history is already on the
 * topic and times how fast its claims projection applies it: `projection_progress` polled every
 * 25 ms by a superuser connection (the watermark, below which everything is applied, and the
 * ranges applied above it while other partitions catch up).
 */
export async function projectorBacklog(ledger: Ledger, target: number, timeoutMs = 300000): Promise<ProjectorBacklogRun> {
  assertScratch(ledger.db.adminUrl);
  const client = new pg.Client({ connectionString: ledger.db.adminUrl });
  await client.connect();
  const samples: Sample[] = [];
  let pid = -1;
  let meter: (() => CpuSplit) | undefined;
  const spawned = performance.now();
  const watermarks = async (): Promise<Sample> => {
    const { rows } = await client.query<{ projection: string; watermark: string; above: string }>(
      `SELECT projection, watermark,
              (SELECT coalesce(sum((r->>1)::bigint - (r->>0)::bigint + 1), 0) FROM jsonb_array_elements(pending) r) AS above
       FROM projection_progress`,
    );
    const row = (name: string): (typeof rows)[number] | undefined => rows.find((r) => r.projection === name);
    const claims = Number(row('claims')?.watermark ?? 0);
    return { ms: performance.now() - spawned, claimsApplied: claims + Number(row('claims')?.above ?? 0), claims, incidents: Number(row('incidents')?.watermark ?? 0) };
  };
  let running = true;
  const sampler = (async () => {
    while (running) {
      const sample = await watermarks();
      samples.push(sample);
      if (sample.claims >= target && sample.incidents >= target) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  const app = await startApp(
    ledger.appEnv,
    (childPid) => {
      pid = childPid;
      meter = cpuSplitMeter(childPid, kafkaPid());
    },
    { main: PROJECTOR_MAIN, appArgs: [] },
  );
  try {
    const timer = setTimeout(() => {
      running = false;
    }, timeoutMs);
    await sampler;
    clearTimeout(timer);
    const memory = memoryOf(pid);
    const cpu = (meter as () => CpuSplit)();
    const first = samples.find((s) => s.claimsApplied > 0);
    const done = samples.find((s) => s.claims >= target);
    const incidents = samples.find((s) => s.incidents >= target);
    if (!first || !done || !incidents) {
      throw new Error(`the projector did not apply ${target} events within ${timeoutMs} ms (last sample ${JSON.stringify(samples.at(-1))})\n${app.tail()}`);
    }
    const applySeconds = (done.ms - first.ms) / 1000;
    return {
      events: target,
      rate: (target - first.claimsApplied) / Math.max(applySeconds, 1e-3),
      applySeconds,
      startupSeconds: first.ms / 1000,
      incidentsDoneSeconds: incidents.ms / 1000,
      peakRss: memory?.peak ?? Number.NaN,
      cpu,
    };
  } finally {
    running = false;
    await sampler.catch(() => undefined);
    await app.stop();
    await client.end();
  }
}

export interface ReadModelCheck {
  /** ClaimFiled events in the ledger, and claims in claim_view once the projector caught up. */
  filed: number;
  visible: number;
  /** How long it took the claims watermark to reach the last seq (null: it did not within the wait). */
  caughtUpSeconds: number | null;
}

/**
 * After the load: waits for the claims projection to reach the sequencer's last seq, then counts
 * the claims on both sides, so a claim a measurement gave up on is told apart from a lost one.
 */
export async function checkReadModel(ledger: Ledger, timeoutMs: number): Promise<ReadModelCheck> {
  assertScratch(ledger.db.adminUrl);
  const client = new pg.Client({ connectionString: ledger.db.adminUrl });
  await client.connect();
  try {
    const started = performance.now();
    let caughtUpSeconds: number | null = null;
    while (performance.now() - started < timeoutMs) {
      const { rows } = await client.query<{ last: string; watermark: string | null }>(
        `SELECT s.last_seq AS last, (SELECT watermark FROM projection_progress WHERE projection = 'claims') AS watermark FROM sequencer_state s WHERE s.id = 1`,
      );
      if (Number(rows[0].watermark ?? 0) >= Number(rows[0].last)) {
        caughtUpSeconds = (performance.now() - started) / 1000;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { rows } = await client.query<{ filed: string; visible: string }>(
      `SELECT (SELECT count(*) FROM ledger_events WHERE type = 'ClaimFiled') AS filed, (SELECT count(*) FROM claim_view) AS visible`,
    );
    return { filed: Number(rows[0].filed), visible: Number(rows[0].visible), caughtUpSeconds };
  } finally {
    await client.end();
  }
}
