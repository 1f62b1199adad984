/** A wait that ends early when rung: loops poll slowly but react at once to news from this process. */
export class Doorbell {
  private waiter: (() => void) | null = null;

  wait(ms: number): Promise<void> {
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
    this.waiter?.();
  }
}
