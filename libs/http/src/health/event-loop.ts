import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Mean event-loop delay above which the process counts as wedged (it answers, barely). */
export const WEDGED_MEAN_DELAY_MS = 1000;

export interface EventLoopDelay {
  meanMs: number;
  maxMs: number;
}

/** Null while the loop keeps up; otherwise why the process should be restarted. */
export function eventLoopProblem(delay: EventLoopDelay, thresholdMs = WEDGED_MEAN_DELAY_MS): string | null {
  return delay.meanMs > thresholdMs ? `the event loop is blocked: mean delay ${Math.round(delay.meanMs)} ms since the last probe` : null;
}

/**
 * The event loop's delay since the previous look (liveness probes come every few seconds): a
 * process that still answers but spends its time blocked is as good as down.
 */
export class EventLoopWatch {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });

  constructor() {
    this.histogram.enable();
  }

  sinceLastLook(): EventLoopDelay {
    const samples = this.histogram.count > 0;
    const delay = { meanMs: samples ? this.histogram.mean / 1e6 : 0, maxMs: samples ? this.histogram.max / 1e6 : 0 };
    this.histogram.reset();
    return delay;
  }

  stop(): void {
    this.histogram.disable();
  }
}
