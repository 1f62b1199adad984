import { Worker } from 'node:worker_threads';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { PROJECTOR_THREAD, type FromProjectorThread, type ProjectorThreadData, type ToProjectorThread } from './projector-thread.js';

const RESTART_MS = [1000, 2000, 5000];
const STOP_TIMEOUT_MS = 20000;
const CHECK_TIMEOUT_MS = 2000;

/**
 * The API's projector (--with-projector, Kafka feed, built ledger) on a worker thread of its own
 * (projector-thread.ts), restarted if it dies: its offsets and checkpoints are in Kafka and the
 * read models, so a new thread resumes where the last one committed. `check()` asks the thread.
 */
@Injectable()
export class ProjectorOnThread implements OnApplicationShutdown {
  private readonly logger = new Logger(ProjectorOnThread.name);
  private thread: Worker | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Why there is no thread to ask (it died, or could not start); null while one runs. */
  private down: string | null = null;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private nextCheck = 1;
  private readonly answers = new Map<number, (problem: string | null) => void>();

  constructor() {
    // It loads its modules and joins its consumer groups while the rest of the app starts.
    this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const thread = this.thread;
    if (!thread) return;
    // Until it has stopped, it keeps the process alive.
    thread.ref();
    thread.postMessage({ type: 'stop' } satisfies ToProjectorThread);
    const timer = setTimeout(() => void thread.terminate(), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Null while every projection consumes; otherwise what stopped (for /health). */
  check(): Promise<string | null> {
    const thread = this.thread;
    if (!thread) return Promise.resolve(this.down ?? 'the projector thread is not running');
    const id = this.nextCheck++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.answers.delete(id);
        resolve(`the projector thread did not answer within ${CHECK_TIMEOUT_MS} ms`);
      }, CHECK_TIMEOUT_MS);
      this.answers.set(id, (problem) => {
        clearTimeout(timer);
        resolve(problem);
      });
      thread.postMessage({ type: 'check', id } satisfies ToProjectorThread);
    });
  }

  private start(): void {
    const thread = new Worker(new URL('./projector-thread.js', import.meta.url), { workerData: { kind: PROJECTOR_THREAD } satisfies ProjectorThreadData });
    // Never what keeps the process alive: the app stops it, or it goes when the app fails to start.
    thread.unref();
    this.thread = thread;
    this.down = null;
    let stopped = false;
    thread.on('message', (message: FromProjectorThread) => {
      if (message.type === 'health') {
        this.answers.get(message.id)?.(message.problem);
        this.answers.delete(message.id);
        if (message.problem === null) this.restarts = 0;
      } else if (message.type === 'failed') {
        this.logger.error(`the projector thread could not start: ${message.reason}`);
      } else stopped = true;
    });
    thread.on('error', (error) => this.logger.error(`the projector thread failed: ${error.message}`));
    this.exited = new Promise((resolve) => {
      thread.once('exit', (code) => {
        resolve();
        this.thread = null;
        for (const answer of this.answers.values()) answer('the projector thread stopped');
        this.answers.clear();
        if (this.stopping || stopped) return;
        const delay = RESTART_MS[Math.min(this.restarts, RESTART_MS.length - 1)];
        this.restarts += 1;
        this.down = `the projector thread stopped (exit code ${code}); restarting in ${delay} ms`;
        this.logger.error(this.down);
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          if (!this.stopping) this.start();
        }, delay);
      });
    });
  }
}
