import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { SupervisedThread } from '@ledger/messaging';
import { PROJECTOR_THREAD, type FromProjectorThread, type ProjectorThreadData, type ToProjectorThread } from './projector-thread.js';

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
  private readonly thread: SupervisedThread<ToProjectorThread, FromProjectorThread>;
  /** Why there is no thread to ask (it died); null while one runs. */
  private down: string | null = null;
  private nextCheck = 1;
  private readonly answers = new Map<number, (problem: string | null) => void>();

  constructor() {
    this.thread = new SupervisedThread<ToProjectorThread, FromProjectorThread>({
      url: new URL('./projector-thread.js', import.meta.url),
      workerData: { kind: PROJECTOR_THREAD } satisfies ProjectorThreadData,
      stopMessage: { type: 'stop' } satisfies ToProjectorThread,
      stopTimeoutMs: STOP_TIMEOUT_MS,
      onStart: () => {
        this.down = null;
      },
      onMessage: (message) => {
        if (message.type === 'health') {
          this.answers.get(message.id)?.(message.problem);
          this.answers.delete(message.id);
          if (message.problem === null) this.thread.healthy();
          return false;
        }
        if (message.type === 'failed') {
          this.logger.error(`the projector thread could not start: ${message.reason}`);
          return false;
        }
        return true;
      },
      onError: (error) => this.logger.error(`the projector thread failed: ${error.message}`),
      onExit: () => {
        for (const answer of this.answers.values()) answer('the projector thread stopped');
        this.answers.clear();
      },
      onDied: (problem) => {
        this.down = `the projector thread ${problem}`;
        this.logger.error(this.down);
      },
    });
    // It loads its modules and joins its consumer groups while the rest of the app starts.
    this.thread.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.thread.stop();
  }

  /** Null while every projection consumes; otherwise what stopped (for /health). */
  check(): Promise<string | null> {
    if (!this.thread.running) return Promise.resolve(this.down ?? 'the projector thread is not running');
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
      this.thread.post({ type: 'check', id });
    });
  }
}
