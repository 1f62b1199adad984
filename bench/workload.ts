import { randomUUID } from 'node:crypto';
import type { ClaimDetails } from '@ledger/domain';
import { cpuMeter } from './cpu.js';
import { summarize } from './stats.js';

/** A valid POST /claims body (the e2e test's Zardana victim). */
export const CLAIM_BODY: ClaimDetails = {
  victim: {
    name: { arabic: 'أحمد الحسين', latin: 'Ahmad al-Hussein' },
    sex: 'male',
    age: 34,
    ageGroup: 'adult',
    civilianStatus: 'civilian',
    protectedRole: 'civil-defence',
  },
  death: { date: '2018-07-16', precision: 'day' },
  place: { governorate: 'Idlib', locality: 'Zardana', lat: 35.9, lon: 36.7, precision: 'exact' },
  cause: 'double-tap-airstrike',
  perpetrator: 'russian-forces',
};

export type ClaimPayload = Record<string, unknown>;

/**
 * A claim-sized event payload of about 1 kB of JSON: the ClaimFiled data of a fully named victim
 * with a short witness summary, varied per event so nothing compresses or caches unrealistically.
 */
export function claimPayload(claimId: string, n: number): ClaimPayload {
  return {
    claimId,
    filedBy: { id: 'u-bench-documenter', role: 'documenter' },
    victim: {
      name: {
        arabic: 'أحمد بن محمود الحسين',
        latin: `Ahmad bin Mahmoud al-Hussein ${n}`,
        given: 'Ahmad',
        father: 'Mahmoud',
        family: 'al-Hussein',
        alias: `Abu Khaled ${n % 97}`,
      },
      sex: n % 2 === 0 ? 'male' : 'female',
      age: 18 + (n % 60),
      ageGroup: 'adult',
      civilianStatus: 'civilian',
      protectedRole: 'civil-defence',
    },
    death: { date: '2018-07-16', precision: 'day' },
    place: {
      governorate: 'Idlib',
      district: 'Harem',
      locality: 'Zardana',
      lat: 35.9 + (n % 100) / 10000,
      lon: 36.7 + (n % 100) / 10000,
      precision: 'exact',
    },
    cause: 'double-tap-airstrike',
    perpetrator: 'russian-forces',
    incidentId: null,
    summary:
      'Killed in the second strike on the market while helping to evacuate the wounded from the first; ' +
      'two witnesses describe the aircraft returning about ten minutes after the first strike. ' +
      `The civil defence centre confirmed his death the same evening (reference ZR-${n}).`,
    sources: [
      { kind: 'witness', reference: `W-${n}-1`, language: 'ar' },
      { kind: 'video', reference: `https://example.org/archive/${randomUUID()}`, language: 'ar' },
    ],
  };
}

export const STREAM_TYPE = 'claim';
export const EVENT_TYPE_FIRST = 'ClaimFiled';
export const EVENT_TYPE_NEXT = 'ClaimAmended';

/**
 * Each worker owns its streams: it creates a stream, appends to it until it holds `streamLength`
 * events, then starts the next one. No two workers ever touch one stream, so neither store ever
 * waits on a stream lock or retries a version conflict: the comparison measures appends, not
 * contention (which would favour whichever store gives up fastest).
 */
export class WorkerStreams {
  private streamId = '';
  private version = 0;

  constructor(private readonly streamLength: number) {}

  /** The stream to append to next and the version it is expected to be at. */
  next(): { streamId: string; expectedVersion: number } {
    if (this.streamId === '' || this.version >= this.streamLength) {
      this.streamId = `${STREAM_TYPE}-${randomUUID()}`;
      this.version = 0;
    }
    return { streamId: this.streamId, expectedVersion: this.version };
  }

  appended(version: number): void {
    this.version = version;
  }
}

export interface RunResult {
  appends: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
  /** CPU ms per append: of the client process, and of the whole machine (client + Postgres + rest). */
  clientCpuMs: number;
  machineCpuMs: number;
  machineBusy: number;
  /** Every append's latency (ms), so runs split into rounds can be merged exactly. */
  latencies?: number[];
}

export type AppendOne = (streams: WorkerStreams, n: number) => Promise<void>;

/** `concurrency` workers, each with its own streams, share `total` appends; one latency per append. */
export async function drive(concurrency: number, total: number, streamLength: number, appendOne: AppendOne): Promise<RunResult> {
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const worker = async (): Promise<void> => {
    const streams = new WorkerStreams(streamLength);
    while (issued < total) {
      const n = issued;
      issued += 1;
      const started = performance.now();
      try {
        await appendOne(streams, n);
        latencies.push(performance.now() - started);
      } catch (error) {
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
        // A failed append leaves the worker unsure of its stream's version: start a new stream.
        streams.appended(Number.MAX_SAFE_INTEGER);
      }
    }
  };
  const cpu = cpuMeter();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const used = cpu();
  const { p50, p99 } = summarize(latencies);
  const appends = latencies.length;
  return {
    appends,
    seconds,
    rate: appends / seconds,
    p50,
    p99,
    errors,
    firstError,
    clientCpuMs: used.processMs / Math.max(1, appends),
    machineCpuMs: used.machineMs / Math.max(1, appends),
    machineBusy: used.machineBusy,
    latencies: latencies.map((ms) => Math.round(ms * 100) / 100),
  };
}

