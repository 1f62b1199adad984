/** A wait that ends early when rung: loops poll slowly but react at once to news from this process. */
export class Doorbell {
  private ringWaiter: (() => void) | null = null;

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.ringWaiter === done) self.ringWaiter = null;
        resolve();
      }
      this.ringWaiter = done;
    });
  }

  ring(): void {
    this.ringWaiter?.();
  }
}
