import { Logger } from '@nestjs/common';
import { Doorbell } from '@ledger/event-store';
import { ForeignOriginError, LedgerLogFeed, type FeedMessage } from '@ledger/messaging';
import type { Consumer, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';

/** Applies one partition's messages to the rebuild; returns how many events it applied. */
export type ReplayApply = (partition: number, messages: FeedMessage[]) => Promise<number>;

export interface ReplayProgress {
  events: number;
  partitionsDone: number;
  partitions: number;
}

/**
 * Reads the whole feed once for a rebuild and knows when it reached where the feed ended at the
 * start; pauses while the rebuild is level with the live projection. A batch the rebuild cannot
 * apply ends the replay: nothing is compared or swapped.
 */
export abstract class ReplaySource {
  private readonly consumed = new Map<number, number>();
  private readonly doorbell = new Doorbell();
  private failure: unknown = null;
  applied = 0;
  messages = 0;

  constructor(private readonly apply: ReplayApply) {}

  /** Starts reading from the beginning; returns where each partition ends now (offset or seq). */
  abstract start(): Promise<Map<number, number>>;
  abstract pause(): void;
  abstract resume(): void;
  abstract stop(): Promise<void>;

  assertHealthy(): void {
    if (this.failure) throw this.failure;
  }

  async caughtUpTo(ends: Map<number, number>, onProgress?: (progress: ReplayProgress) => void): Promise<void> {
    for (;;) {
      this.assertHealthy();
      const done = [...ends].filter(([partition, end]) => (this.consumed.get(partition) ?? 0) >= end).length;
      onProgress?.({ events: this.messages, partitionsDone: done, partitions: ends.size });
      if (done === ends.size) return;
      await this.doorbell.wait(1000);
    }
  }

  /** One batch: `read` turns it into messages (and may refuse it), `reached` is its position once applied. */
  protected async deliver(partition: number, read: () => FeedMessage[], reached: number): Promise<void> {
    try {
      const messages = read();
      // Two partitions run at once: add after the await, never across it.
      const applied = await this.apply(partition, messages);
      this.applied += applied;
      this.messages += messages.length;
      this.consumed.set(partition, reached);
    } catch (error) {
      this.failure = error;
      throw error;
    } finally {
      this.doorbell.ring();
    }
  }
}

/** A throwaway consumer group reading the whole Kafka topic once, deleted when done. */
export class KafkaReplayFeed extends ReplaySource {
  private consumer: Consumer | null = null;
  private paused = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly origin: string,
    private readonly groupId: string,
    apply: ReplayApply,
  ) {
    super(apply);
  }

  async start(): Promise<Map<number, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: Map<number, number>;
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      ends = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect();
    }
const consumer = this.kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100, maxBytes: 64 * 1024 * 1024 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 2,
      eachBatch: async ({ batch, heartbeat }) => {
        const read = (): FeedMessage[] =>
          batch.messages.map((m) => {
            const origin = m.headers?.origin?.toString();
            if (origin !== this.origin) throw new ForeignOriginError(`topic ${batch.topic} carries events of ledger "${origin ?? '(none)'}", not "${this.origin}"`);
            return { seq: Number(m.headers?.seq?.toString()), type: m.headers?.type?.toString() ?? '', streamId: m.key?.toString() ?? '', value: m.value?.toString() ?? '' };
          });
        await this.deliver(batch.partition, read, Number(batch.lastOffset()) + 1);
        await heartbeat();
      },
    });
    return ends;
  }

  pause(): void {
    if (this.paused || !this.consumer) return;
    this.consumer.pause([{ topic: this.topic }]);
    this.paused = true;
  }

  resume(): void {
    if (!this.paused || !this.consumer) return;
    this.consumer.resume([{ topic: this.topic }]);
    this.paused = false;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch (error) {
      new Logger('ProjectionReplayer').warn(`replay group ${this.groupId} not deleted: ${String(error)}`);
    } finally {
      await admin.disconnect();
    }
  }
}

/** Without Kafka: the sequenced log read from its first seq, one partition (0) in seq order. */
export class LogReplayFeed extends ReplaySource {
  private readonly feed: LedgerLogFeed;

  constructor(
    private readonly dataSource: DataSource,
    name: string,
    apply: ReplayApply,
  ) {
    super(apply);
    this.feed = new LedgerLogFeed(dataSource, `replay:${name}`, (_position, messages) => this.deliver(0, () => messages, messages[messages.length - 1].seq), async () => 0, {
      batchSize: 2000,
      pollMs: 100,
    });
  }

  async start(): Promise<Map<number, number>> {
    const [{ last_seq: head }] = (await this.dataSource.query(`SELECT last_seq FROM sequencer_state WHERE id = 1`)) as Array<{ last_seq: string }>;
    await this.feed.start();
    return new Map([[0, Number(head)]]);
  }

  pause(): void {
    this.feed.pause();
  }

  resume(): void {
    this.feed.resume();
  }

  stop(): Promise<void> {
    return this.feed.stop();
  }
}
