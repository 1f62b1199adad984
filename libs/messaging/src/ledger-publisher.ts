import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { LEDGER_SESSION_OPTIONS, LedgerConfig } from '@ledger/config';
import { DataSource } from 'typeorm';
import { PublisherLoop, type PublisherSettings, type PublisherStatus } from './publisher-loop.js';
import { PUBLISHER_THREAD, type FromPublisherThread, type PublisherThreadData, type ToPublisherThread } from './publisher-thread.js';

const RESTART_MS = [1000, 2000, 5000];
const STOP_TIMEOUT_MS = 15000;

/**
 * The Kafka publisher of this process (see PublisherLoop). A built ledger runs it on a worker
 * thread of its own, restarted if it dies; run from TypeScript sources (tests) it runs on the
 * main thread, the same loop.
 */
@Injectable()
export class LedgerPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerPublisher.name);
  private inProcess: PublisherLoop | null = null;
  private thread: Worker | null = null;
  private threadExited: Promise<void> | null = null;
  private threadStatus: PublisherStatus = { problem: null, failedAttempts: 0 };
  /** Failed attempts of threads that ended, and the ends themselves. */
  private earlierFailures = 0;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: LedgerConfig,
  ) {
    // The thread loads its modules (about 0.4 s) while the rest of the app starts.
    if (import.meta.url.endsWith('.js')) this.startThread();
  }

  onApplicationBootstrap(): void {
    if (this.thread || this.restartTimer) return;
    this.inProcess = new PublisherLoop(this.dataSource, this.settings());
    this.inProcess.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.inProcess?.stop();
    const thread = this.thread;
    if (!thread) return;
    // Until it has stopped, it keeps the process alive.
    thread.ref();
    thread.postMessage({ type: 'stop' } satisfies ToPublisherThread);
    const timer = setTimeout(() => void thread.terminate(), STOP_TIMEOUT_MS);
    await this.threadExited;
    clearTimeout(timer);
  }

  /** Called when new events were sequenced, to publish without waiting for the next poll. */
  notify(): void {
    if (this.inProcess) this.inProcess.notify();
    else this.thread?.postMessage({ type: 'notify' } satisfies ToPublisherThread);
  }

  /** Null when publishing works; otherwise why it does not (for /health). */
  get problem(): string | null {
    return this.inProcess ? this.inProcess.status.problem : this.threadStatus.problem;
  }

  /** Attempts to publish that failed since start (Kafka, the topic or the database): a metric. */
  get failedAttempts(): number {
    return this.inProcess ? this.inProcess.status.failedAttempts : this.earlierFailures + this.threadStatus.failedAttempts;
  }

  private settings(): PublisherSettings {
    return {
      KAFKA_TOPIC: this.config.KAFKA_TOPIC,
      LEDGER_ORIGIN: this.config.LEDGER_ORIGIN,
      LOG_LEVEL: this.config.LOG_LEVEL,
      kafkaBrokers: this.config.kafkaBrokers,
    };
  }

  private startThread(): void {
    const data: PublisherThreadData = {
      kind: PUBLISHER_THREAD,
      databaseUrl: this.config.DATABASE_URL,
      sessionOptions: LEDGER_SESSION_OPTIONS,
      settings: this.settings(),
    };
    const thread = new Worker(new URL('./publisher-thread.js', import.meta.url), { workerData: data });
    // Never what keeps the process alive: the app stops it, or it goes when the app fails to start.
    thread.unref();
    this.thread = thread;
    this.threadStatus = { problem: null, failedAttempts: 0 };
    let stopped = false;
    thread.on('message', (message: FromPublisherThread) => {
      if (message.type === 'status') {
        this.threadStatus = message.status;
        if (message.status.problem === null) this.restarts = 0;
      } else stopped = true;
    });
    thread.on('error', (error) => this.logger.error(`the publisher thread failed: ${error.message}`));
    this.threadExited = new Promise((resolve) => {
      thread.once('exit', (code) => {
        resolve();
        this.earlierFailures += this.threadStatus.failedAttempts;
        if (this.stopping || stopped) return;
        // It died: say so, and start another (its position is in publisher_state; a resend is harmless).
        this.earlierFailures += 1;
        const delay = RESTART_MS[Math.min(this.restarts, RESTART_MS.length - 1)];
        this.restarts += 1;
        this.threadStatus = { problem: `the publisher thread stopped (exit code ${code}); restarting in ${delay} ms`, failedAttempts: 0 };
        this.logger.error(this.threadStatus.problem as string);
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          if (!this.stopping) this.startThread();
        }, delay);
      });
    });
  }
}
