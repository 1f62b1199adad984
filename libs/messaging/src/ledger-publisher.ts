import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LEDGER_SESSION_OPTIONS, LedgerConfig } from '@ledger/config';
import { DataSource } from 'typeorm';
import { PublisherLoop, type PublisherSettings, type PublisherStatus } from './publisher-loop.js';
import { PUBLISHER_THREAD, type FromPublisherThread, type PublisherThreadData, type ToPublisherThread } from './publisher-thread.js';
import { SupervisedThread } from './supervised-thread.js';

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
  private readonly thread: SupervisedThread<ToPublisherThread, FromPublisherThread> | null;
  private threadStatus: PublisherStatus = { problem: null, failedAttempts: 0 };
  /** Failed attempts of threads that ended, and the ends themselves. */
  private earlierFailures = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: LedgerConfig,
  ) {
    // The thread loads its modules (about 0.4 s) while the rest of the app starts.
    this.thread = import.meta.url.endsWith('.js') ? this.supervisedThread() : null;
    this.thread?.start();
  }

  onApplicationBootstrap(): void {
    if (this.thread) return;
    this.inProcess = new PublisherLoop(this.dataSource, this.settings());
    this.inProcess.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.inProcess?.stop();
    await this.thread?.stop();
  }

  /** Called when new events were sequenced, to publish without waiting for the next poll. */
  notify(): void {
    if (this.inProcess) this.inProcess.notify();
    else this.thread?.post({ type: 'notify' });
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

  private supervisedThread(): SupervisedThread<ToPublisherThread, FromPublisherThread> {
    const data: PublisherThreadData = {
      kind: PUBLISHER_THREAD,
      databaseUrl: this.config.DATABASE_URL,
      sessionOptions: LEDGER_SESSION_OPTIONS,
      settings: this.settings(),
    };
    return new SupervisedThread<ToPublisherThread, FromPublisherThread>({
      url: new URL('./publisher-thread.js', import.meta.url),
      workerData: data,
      stopMessage: { type: 'stop' } satisfies ToPublisherThread,
      stopTimeoutMs: STOP_TIMEOUT_MS,
      onStart: () => {
        this.threadStatus = { problem: null, failedAttempts: 0 };
      },
      onMessage: (message) => {
        if (message.type !== 'status') return true;
        this.threadStatus = message.status;
        if (message.status.problem === null) this.thread?.healthy();
        return false;
      },
      onError: (error) => this.logger.error(`the publisher thread failed: ${error.message}`),
      onExit: () => {
        this.earlierFailures += this.threadStatus.failedAttempts;
      },
      onDied: (problem) => {
        // It died: say so, and start another (its position is in publisher_state; a resend is harmless).
        this.earlierFailures += 1;
        this.threadStatus = { problem: `the publisher thread ${problem}`, failedAttempts: 0 };
        this.logger.error(this.threadStatus.problem as string);
      },
    });
  }
}
