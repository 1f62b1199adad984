import { Worker } from 'node:worker_threads';

const RESTART_MS = [1000, 2000, 5000];

export interface SupervisedThreadOptions<From> {
  /** The thread's module and its workerData. */
  url: URL;
  workerData: unknown;
  /** What asks the thread to stop, and how long it may take before it is terminated. */
  stopMessage: unknown;
  stopTimeoutMs: number;
  /** A thread was started (the first, or one replacing a dead one). */
  onStart?(): void;
  /** A message from the thread; true when it says it has stopped on request. */
  onMessage(message: From): boolean;
  onError(error: Error): void;
  /** The thread ended without being asked (`problem` says so); another starts after a delay. */
  onDied(problem: string): void;
  /** A thread ended, asked or not (before onDied). */
  onExit?(): void;
}

/**
 * A worker thread of the app that is restarted if it dies (1, 2, then every 5 s, until it reports
 * itself healthy), never keeps the process alive on its own, and is stopped by asking it and
 * waiting (terminated after a timeout). The Kafka publisher's and the projector's threads.
 */
export class SupervisedThread<To, From> {
  private thread: Worker | null = null;
  private exited: Promise<void> = Promise.resolve();
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(private readonly options: SupervisedThreadOptions<From>) {}

  /** A thread runs, or one is about to be restarted. */
  get active(): boolean {
    return this.thread !== null || this.restartTimer !== null;
  }

  /** Whether a thread runs now (not while waiting to restart one). */
  get running(): boolean {
    return this.thread !== null;
  }

  start(): void {
    const thread = new Worker(this.options.url, { workerData: this.options.workerData });
    // Never what keeps the process alive: the app stops it, or it goes when the app fails to start.
    thread.unref();
    this.thread = thread;
    this.options.onStart?.();
    let stopped = false;
    thread.on('message', (message: From) => {
      if (this.options.onMessage(message)) stopped = true;
    });
    thread.on('error', (error) => this.options.onError(error));
    this.exited = new Promise((resolve) => {
      thread.once('exit', (code) => {
        resolve();
        this.thread = null;
        this.options.onExit?.();
        if (this.stopping || stopped) return;
        const delay = RESTART_MS[Math.min(this.restarts, RESTART_MS.length - 1)];
        this.restarts += 1;
        this.options.onDied(`stopped (exit code ${code}); restarting in ${delay} ms`);
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          if (!this.stopping) this.start();
        }, delay);
      });
    });
  }

  /** The thread says it works: the next death restarts it after the shortest delay again. */
  healthy(): void {
    this.restarts = 0;
  }

  /** False when no thread runs to take it. */
  post(message: To): boolean {
    if (!this.thread) return false;
    this.thread.postMessage(message);
    return true;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const thread = this.thread;
    if (!thread) return;
    // Until it has stopped, it keeps the process alive.
    thread.ref();
    thread.postMessage(this.options.stopMessage);
    const timer = setTimeout(() => void thread.terminate(), this.options.stopTimeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
