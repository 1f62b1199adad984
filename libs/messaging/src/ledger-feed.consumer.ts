import { Logger } from '@nestjs/common';
import type { LedgerConfig } from '@ledger/config';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { createKafka, ensureLedgerTopic } from './kafka.factory.js';
import type { LedgerFeed } from './ledger-log-feed.js';

export interface FeedMessage {
  seq: number;
  /** The event type, from the message header: a consumer can skip what it does not handle unparsed. */
  type: string;
  streamId: string;
  /** The envelope exactly as /ledger/events serves it. */
  value: string;
}

/** What a consumer of the feed does with one partition's batch, idempotently (skip seq <= applied). */
export type FeedBatchHandler = (position: { topic: string; partition: number }, messages: FeedMessage[]) => Promise<void>;

/** A reason to stop consuming and say so, rather than retry: retrying would fail the same way. */
export class FeedStoppedError extends Error {
  override readonly name: string = 'FeedStoppedError';
}

export class ForeignOriginError extends FeedStoppedError {
  override readonly name = 'ForeignOriginError';
}

/**
 * A consumer-group reader of the ledger topic. A message from another ledger's origin stops it:
 * two ledgers must never share a topic silently.
 */
export class LedgerFeedConsumer implements LedgerFeed {
  private readonly logger: Logger;
  private readonly kafka: Kafka;
  private consumer: Consumer | null = null;
  private stopReason: string | null = null;

  constructor(
    private readonly config: LedgerConfig,
    private readonly groupId: string,
    private readonly handle: FeedBatchHandler,
  ) {
    this.logger = new Logger(`LedgerFeed:${groupId}`);
    this.kafka = createKafka(config, groupId);
  }

  /** Null while consuming; otherwise why it stopped. */
  get problem(): string | null {
    return this.stopReason;
  }

  async start(): Promise<void> {
    this.stopReason = 'starting';
    await ensureLedgerTopic(this.kafka, this.config.KAFKA_TOPIC);
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      // A member lost with a restarted broker is given up on after 10 s, not 30: faster recovery.
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart && this.stopReason === null) this.stopReason = `consumer crashed: ${payload.error.message}`;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.config.KAFKA_TOPIC], fromBeginning: true });
    this.consumer = consumer;
    // Two partitions at a time: one batch's transaction waits on Postgres while the other folds.
    await consumer.run({ eachBatchAutoResolve: false, partitionsConsumedConcurrently: 2, eachBatch: (payload) => this.eachBatch(payload) });
    this.stopReason = null;
  }

  /** Stops fetching, lets the batch in hand finish and commits its offsets. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
  }

  /** Nothing of this batch is committed: after a fix and a restart it is read again. */
  private stopOn(error: FeedStoppedError): never {
    this.stopReason = error.message;
    this.logger.error(`${error.message}; consumer stopped`);
    setImmediate(() => void this.stop());
    throw error;
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const messages: FeedMessage[] = [];
    for (const message of batch.messages) {
      const origin = message.headers?.origin?.toString();
      if (origin !== this.config.LEDGER_ORIGIN) {
        this.stopOn(new ForeignOriginError(`topic ${batch.topic} carries events of ledger "${origin ?? '(none)'}", not "${this.config.LEDGER_ORIGIN}"`));
      }
      messages.push({
        seq: Number(message.headers?.seq?.toString()),
        type: message.headers?.type?.toString() ?? '',
        streamId: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
      });
    }
    try {
      await this.handle({ topic: batch.topic, partition: batch.partition }, messages);
    } catch (error) {
      if (error instanceof FeedStoppedError) this.stopOn(error);
      throw error;
    }
    resolveOffset(batch.messages[batch.messages.length - 1].offset);
    await commitOffsetsIfNecessary();
    await heartbeat();
  }
}
