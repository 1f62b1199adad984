import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LedgerConfig } from '@ledger/config';
import { Doorbell } from '@ledger/event-store';
import { LedgerFeedConsumer, LedgerLogFeed, type FeedBatchHandler, type FeedMessage, type LedgerFeed } from '@ledger/messaging';
import { DataSource } from 'typeorm';
import type { FeedEvent } from './feed-event.js';
import { PROJECTIONS, type Projection } from './projection.js';
import { ProjectionRunner, projectionWatermark } from './projection-runner.js';

/** The consumer group of one projection on one topic: stable, so offsets survive restarts; a new version starts over. */
export function projectionGroupId(projection: Pick<Projection, 'name' | 'version'>, topic: string): string {
  return `ledger-projection.${projection.name}${projection.version > 1 ? `.v${projection.version}` : ''}.${topic}`;
}

/**
 * Feeds the ledger into the read models: one consumer group of the Kafka topic per projection
 * (or, without Kafka, one reader of the sequenced log per projection), so a slow or stopped
 * projection holds back no other. A projection that meets an event it cannot apply stops
 * there, and `check()` (GET /health) names it until a fixed build is restarted.
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly name = 'projector';
  private readonly logger = new Logger(ProjectorService.name);
  private readonly consumers: Array<{ projection: Projection; consumer: LedgerFeed }>;
  private readonly doorbell = new Doorbell();
  private starting: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    config: LedgerConfig,
    runner: ProjectionRunner,
    @Inject(PROJECTIONS) projections: Projection[],
    dataSource: DataSource,
  ) {
    this.consumers = projections.map((projection) => {
      const handle: FeedBatchHandler = (position, messages) => runner.applyBatch(projection, position, feedEvents(projection, messages)).then(() => undefined);
      if (config.usesKafka) return { projection, consumer: new LedgerFeedConsumer(config, projectionGroupId(projection, config.KAFKA_TOPIC), handle) };
      // Without Kafka the sequenced log is the feed: resume above what the projection reflects.
      const feed = new LedgerLogFeed(dataSource, projection.name, handle, () => projectionWatermark(dataSource, projection.name));
      return { projection, consumer: feed };
    });
  }

  /** Joining a group can take a rebalance; the app serves meanwhile and /health says so. */
  onApplicationBootstrap(): void {
    this.starting = Promise.all(this.consumers.map(({ projection, consumer }) => this.startWithRetries(projection, consumer))).then(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.doorbell.ring();
    await this.starting;
    await Promise.all(this.consumers.map(({ consumer }) => consumer.stop()));
  }

  private async startWithRetries(projection: Projection, consumer: LedgerFeed): Promise<void> {
    let backoff = 500;
    while (!this.stopping) {
      try {
        await consumer.start();
        this.logger.log(`projection ${projection.name} consuming the ledger feed`);
        return;
      } catch (error) {
        this.logger.warn(`projection ${projection.name} cannot consume yet, retrying in ${backoff} ms: ${error instanceof Error ? error.message : String(error)}`);
        await consumer.stop().catch(() => undefined);
        await this.doorbell.wait(backoff);
        backoff = Math.min(backoff * 2, 10000);
      }
    }
  }

  /** The log grew: log-fed projections look at once instead of at their next poll (Kafka needs no telling). */
  notify(): void {
    for (const { consumer } of this.consumers) if (consumer instanceof LedgerLogFeed) consumer.notify();
  }

  async check(): Promise<string | null> {
    const problems = this.consumers.flatMap(({ projection, consumer }) => (consumer.problem ? [`${projection.name}: ${consumer.problem}`] : []));
    return problems.length > 0 ? problems.join('; ') : null;
  }
}

/**
 * The batch as the projection needs it: events it handles parsed; the others only as the seq
 * (and type) its checkpoint and watermark must count.
 */
export function feedEvents(projection: Pick<Projection, 'canHandle'>, messages: FeedMessage[]): FeedEvent[] {
  return messages.map((message) => (projection.canHandle(message.type) ? toFeedEvent(message) : ({ seq: message.seq, type: message.type } as FeedEvent)));
}

export function toFeedEvent(message: FeedMessage): FeedEvent {
  const event = JSON.parse(message.value) as FeedEvent;
  if (event.seq !== message.seq) throw new Error(`message header seq ${message.seq} disagrees with its envelope`);
  return event;
}
