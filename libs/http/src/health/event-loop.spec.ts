import { eventLoopProblem, EventLoopWatch, WEDGED_MEAN_DELAY_MS } from './event-loop.js';

describe('eventLoopProblem', () => {
  it('is null while the loop keeps up, even after one long pause', () => {
    expect(eventLoopProblem({ meanMs: 12, maxMs: 4000 })).toBeNull();
    expect(eventLoopProblem({ meanMs: WEDGED_MEAN_DELAY_MS, maxMs: WEDGED_MEAN_DELAY_MS })).toBeNull();
  });

  it('says why when the loop spends its time blocked', () => {
    expect(eventLoopProblem({ meanMs: 1500, maxMs: 9000 })).toBe('the event loop is blocked: mean delay 1500 ms since the last probe');
  });
});

describe('EventLoopWatch', () => {
  it('reports the delay since the last look, then starts over', async () => {
    const watch = new EventLoopWatch();
    try {
      await new Promise((resolve) => setTimeout(resolve, 60));
      const blockedUntil = Date.now() + 120;
      while (Date.now() < blockedUntil) {
        // Blocks the loop on purpose.
      }
      await new Promise((resolve) => setTimeout(resolve, 60));
      const first = watch.sinceLastLook();
      expect(first.maxMs).toBeGreaterThanOrEqual(100);
      expect(first.meanMs).toBeGreaterThan(0);
      expect(watch.sinceLastLook().maxMs).toBeLessThan(first.maxMs);
    } finally {
      watch.stop();
    }
  });
});
