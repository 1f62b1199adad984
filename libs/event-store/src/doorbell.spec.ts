import { Doorbell } from './doorbell.js';

describe('Doorbell', () => {
  it('ends a wait when rung, and otherwise after its time', async () => {
    const bell = new Doorbell();
    const started = Date.now();
    const waiting = bell.wait(10_000);
    bell.ring();
    await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    await bell.wait(1);
  });

  it('keeps a ring that came while nobody waited for the next wait, once', async () => {
    const bell = new Doorbell();
    bell.ring();
    bell.ring();
    let second = false;
    await bell.wait(10_000);
    const next = bell.wait(30).then(() => (second = true));
    await Promise.resolve();
    expect(second).toBe(false);
    await next;
    expect(second).toBe(true);
  });
});
