import { Logger } from '@nestjs/common';
import { Doorbell } from '@ledger/event-store';
import type { DataSource } from 'typeorm';
import { FeedStoppedError, type FeedBatchHandler, type FeedMessage } from './ledger-feed.consumer.js';
import { readSequencedLog } from './ledger-log.js';

/** The position name a log-fed projection records its checkpoint under: one partition, in seq order. */
export const LEDGER_LOG_TOPIC = 'ledger_log';

/** What feeds a projection: a Kafka consumer group, or the sequenced log read in process. */
export interface LedgerFeed {
  /** Null while feeding; otherwise why not. */
  readonly problem: string | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface LogFeedOptions {
  /** Events per batch handed to the handler (one transaction each). */
  batchSize?: number;
  /** How long an idle feed waits for news before looking again. */
  pollMs?: number;
  /** Told after every batch the handler took. */
  onBatch?: (messages: FeedMessage[]) => void;
}

/**
 * The feed without Kafka (the embedded default, or a Postgres ledger with no brokers): reads the
 * sequenced log in seq order from where the consumer says it stands, one batch at a time. The
 * sequencer rings it after each batch it sequences; otherwise it polls. As with Kafka, a batch is
 * delivered at least once and the handler skips what it already applied.
 */
export class LedgerLogFeed implements LedgerFeed {
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private running = false;
  private paused = false;
  private readonly doorbell = new Doorbell();
  private loop: Promise<void> | null = null;
  private stopReason: string | null = 'not started';
  /** The last seq handed to the handler and taken. */
  position = 0;

  constructor(
    private readonly dataSource: DataSource,
    name: string,
    private readonly handle: FeedBatchHandler,
    /** The seq after which to start: the consumer's own record of what it applied. */
    private readonly resumeAfter: () => Promise<number>,
    private readonly options: LogFeedOptions = {},
  ) {
    this.logger = new Logger(`LedgerLogFeed:${name}`);
    this.batchSize = options.batchSize ?? 1000;
    this.pollMs = options.pollMs ?? 500;
  }

  get problem(): string | null {
    return this.stopReason;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.position = await this.resumeAfter();
    this.running = true;
    this.stopReason = null;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
    this.loop = null;
  }

  /** News: the log grew (or a paused feed resumed). */
  notify(): void {
    this.doorbell.ring();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.notify();
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      try {
        const messages = this.paused ? [] : await readSequencedLog(this.dataSource, this.position, this.batchSize);
        if (messages.length === 0) {
          await this.doorbell.wait(this.pollMs);
          continue;
        }
        await this.handle({ topic: LEDGER_LOG_TOPIC, partition: 0 }, messages);
        this.position = messages[messages.length - 1].seq;
        this.options.onBatch?.(messages);
        backoff = 100;
      } catch (error) {
        if (error instanceof FeedStoppedError) {
          this.stopReason = error.message;
          this.logger.error(`${error.message}; feed stopped`);
          this.running = false;
          return;
        }
        this.logger.warn(`feed batch failed, retrying in ${backoff} ms: ${error instanceof Error ? error.message : String(error)}`);
        await this.doorbell.wait(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
