import { Logger } from '@nestjs/common';
import type { LedgerConfig } from '@ledger/config';
// The event store's own modules, not its index: the publisher's thread loads no more than it needs.
import { Doorbell } from '../../event-store/src/doorbell.js';
import { LeaderLease } from '../../event-store/src/leader-lease.js';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { createKafka, ensureLedgerTopic } from './kafka.factory.js';
import type { FeedMessage } from './ledger-feed.consumer.js';
import { readSequencedLog } from './ledger-log.js';

const BATCH = 1000;
const IDLE_POLL_MS = 100;
const MAX_BACKOFF_MS = 5000;

/** What the publisher needs of the configuration (plain data: it crosses into a worker thread). */
export interface PublisherSettings {
  readonly KAFKA_TOPIC: string;
  readonly LEDGER_ORIGIN: string;
  readonly LOG_LEVEL: LedgerConfig['LOG_LEVEL'];
  readonly kafkaBrokers: string[];
}

export interface PublisherStatus {
  /** Null when publishing works; otherwise why it does not. */
  readonly problem: string | null;
  /** Attempts that failed since start (Kafka, the topic or the database). */
  readonly failedAttempts: number;
}

/**
 * Sends every sequenced event to Kafka in seq order, then records how far it got (transactional
 * outbox). A crash between the two re-sends; consumers skip seqs they already applied. It runs
 * apart from the sequencer, so a Kafka outage never stops sequencing or checkpoints.
 */
export class PublisherLoop {
  private readonly logger = new Logger('LedgerPublisher');
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  private topicReady = false;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly doorbell = new Doorbell();
  /** A standby waits on this one: news of sequencing (rung for the active publisher) must not make it poll the lease. */
  private readonly stopping = new Doorbell();
  private lastError: string | null = null;
  private failures = 0;
  private readonly lease: LeaderLease;
  private published: number | null = null;
  /** The batch after `after`, read while the broker was acknowledging the one before it. */
  private readAhead: { after: number; batch: Promise<FeedMessage[]> } | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: PublisherSettings,
    /** Told whenever the status changes. */
    private readonly onStatus: (status: PublisherStatus) => void = () => undefined,
  ) {
    this.kafka = createKafka(settings, 'ledger-publisher');
    this.lease = new LeaderLease(dataSource, 'publisher');
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.doorbell.ring();
    this.stopping.ring();
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
    await this.lease.release();
  }

  /** New events were sequenced: publish without waiting for the next poll. */
  notify(): void {
    this.doorbell.ring();
  }

  get status(): PublisherStatus {
    return { problem: this.lastError, failedAttempts: this.failures };
  }

  private succeeded(): void {
    if (this.lastError === null) return;
    this.lastError = null;
    this.onStatus(this.status);
  }

  private failed(reason: string): void {
    this.lastError = reason;
    this.failures += 1;
    this.onStatus(this.status);
  }

  private async run(): Promise<void> {
    let backoff = 200;
    while (this.running) {
      try {
        if (!(await this.lease.hold())) {
          this.published = null;
          await this.stopping.wait(1000);
          continue;
        }
        const sent = await this.publishBatch();
        this.succeeded();
        backoff = 200;
        if (sent === 0) await this.doorbell.wait(IDLE_POLL_MS);
      } catch (error) {
        this.failed(error instanceof Error ? error.message : String(error));
        this.logger.warn(`publishing paused, retrying in ${backoff} ms: ${this.lastError}`);
        await this.producer?.disconnect().catch(() => undefined);
        this.producer = null;
        await this.doorbell.wait(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** Where publishing stands, read once per lease and then kept here: one query per idle poll. */
  private async lastPublished(topic: string): Promise<number> {
    if (this.published !== null) return this.published;
    await this.dataSource.query(
      `INSERT INTO publisher_state (topic, last_published_seq) VALUES ($1, 0) ON CONFLICT (topic) DO NOTHING`,
      [topic],
    );
    const [{ last_published_seq: last }] = (await this.dataSource.query(
      `SELECT last_published_seq FROM publisher_state WHERE topic = $1`,
      [topic],
    )) as Array<{ last_published_seq: string }>;
    this.published = Number(last);
    return this.published;
  }

  private async publishBatch(): Promise<number> {
    const topic = this.settings.KAFKA_TOPIC;
    const last = await this.lastPublished(topic);
    const messages = await this.batchAfter(last);
    if (messages.length === 0) return 0;
    const producer = await this.connectedProducer();
    const newest = messages[messages.length - 1].seq;
    const sending = producer.send({
      topic,
      acks: -1,
      messages: messages.map((message) => ({
        key: message.streamId,
        value: message.value,
        headers: { seq: String(message.seq), type: message.type, origin: this.settings.LEDGER_ORIGIN },
      })),
    });
    this.readAheadAfter(newest);
    await sending;
    const [, updated] = (await this.dataSource.query(
      `UPDATE publisher_state SET last_published_seq = $2, updated_at = now()
       WHERE topic = $1 AND last_published_seq = $3`,
      [topic, newest, last],
    )) as [unknown, number];
    // Someone else moved it (a stale lease): read it again rather than trust memory.
    this.published = updated === 1 ? newest : null;
    return messages.length;
  }

  /** The log after `after`: the batch read ahead when it starts there, else a fresh read. */
  private batchAfter(after: number): Promise<FeedMessage[]> {
    const ahead = this.readAhead;
    this.readAhead = null;
    if (ahead?.after === after) return ahead.batch;
    return readSequencedLog(this.dataSource, after, BATCH);
  }

  private readAheadAfter(after: number): void {
    const batch = readSequencedLog(this.dataSource, after, BATCH);
    // Its failure matters only to the loop that takes it, which awaits it again.
    batch.catch(() => undefined);
    this.readAhead = { after, batch };
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.topicReady) {
      await ensureLedgerTopic(this.kafka, this.settings.KAFKA_TOPIC);
      this.topicReady = true;
    }
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // murmur2 like the Java client: a stream's partition is the same whoever produces it.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }
}
