import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LedgerConfig } from '@ledger/config';
import { Doorbell } from '@ledger/event-store';
import { LedgerFeedConsumer, type FeedMessage } from '@ledger/messaging';
import type { FeedEvent } from './feed-event.js';
import { ProjectionRunner } from './projection-runner.js';

/** Feeds the ledger topic into the read models through one consumer group. */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly name = 'projector';
  private readonly logger = new Logger(ProjectorService.name);
  private readonly consumer: LedgerFeedConsumer;
  private readonly doorbell = new Doorbell();
  private starting: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(config: LedgerConfig, runner: ProjectionRunner) {
    // A stable group id per topic: offsets survive restarts, and redeliveries are skipped by seq.
    this.consumer = new LedgerFeedConsumer(config, `ledger-projector.${config.KAFKA_TOPIC}`, (position, messages) =>
      runner.applyBatch(position, messages.map(toFeedEvent)).then(() => undefined),
    );
  }

  /** Joining the group can take a rebalance; the app serves meanwhile and /health says so. */
  onApplicationBootstrap(): void {
    this.starting = this.startWithRetries();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.doorbell.ring();
    await this.starting;
    await this.consumer.stop();
  }

  private async startWithRetries(): Promise<void> {
    let backoff = 500;
    while (!this.stopping) {
      try {
        await this.consumer.start();
        this.logger.log('consuming the ledger feed');
        return;
      } catch (error) {
        this.logger.warn(`the projector cannot consume yet, retrying in ${backoff} ms: ${error instanceof Error ? error.message : String(error)}`);
        await this.consumer.stop().catch(() => undefined);
        await this.doorbell.wait(backoff);
        backoff = Math.min(backoff * 2, 10000);
      }
    }
  }

  async check(): Promise<string | null> {
    return this.consumer.problem;
  }
}

function toFeedEvent(message: FeedMessage): FeedEvent {
  const event = JSON.parse(message.value) as FeedEvent;
  if (event.seq !== message.seq) throw new Error(`message header seq ${message.seq} disagrees with its envelope`);
  return event;
}
