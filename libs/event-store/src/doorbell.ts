/**
 * A wait that ends early when rung: loops poll slowly but react at once to news from this process.
 * A ring while nobody waits is kept for the next wait, so news that arrives while the loop is busy
 * is not lost until its next poll.
 */
export class Doorbell {
  private waiter: (() => void) | null = null;
  private rung = false;

  wait(ms: number): Promise<void> {
    if (this.rung) {
      this.rung = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.waiter === done) this.waiter = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiter = done;
    });
  }

  ring(): void {
    if (this.waiter) this.waiter();
    else this.rung = true;
  }
}
