import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LedgerConfig } from '@ledger/config';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Doorbell, LeaderLease } from '@ledger/event-store';
import { createKafka, ensureLedgerTopic } from './kafka.factory.js';
import { readSequencedLog } from './ledger-log.js';

const BATCH = 1000;
const IDLE_POLL_MS = 100;
const MAX_BACKOFF_MS = 5000;


/**
 * Sends every sequenced event to Kafka in seq order, then records how far it got (transactional
 * outbox). A crash between the two re-sends; consumers skip seqs they already applied. It runs
 * apart from the sequencer, so a Kafka outage never stops sequencing or checkpoints.
 */
@Injectable()
export class LedgerPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerPublisher.name);
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  private topicReady = false;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly doorbell = new Doorbell();
  private lastError: string | null = null;
  private failures = 0;
  private lease: LeaderLease;
  private published: number | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: LedgerConfig,
  ) {
    this.kafka = createKafka(config, 'ledger-publisher');
    this.lease = new LeaderLease(dataSource, 'publisher');
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.doorbell.ring();
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
    await this.lease.release();
  }

  /** Called when new events were sequenced, to publish without waiting for the next poll. */
  notify(): void {
    this.doorbell.ring();
  }

  /** Null when publishing works; otherwise why it does not (for /health). */
  get problem(): string | null {
    return this.lastError;
  }

  /** Attempts to publish that failed since start (Kafka, the topic or the database): a metric. */
  get failedAttempts(): number {
    return this.failures;
  }

  private async run(): Promise<void> {
    let backoff = 200;
    while (this.running) {
      try {
        if (!(await this.lease.hold())) {
          this.published = null;
          await this.doorbell.wait(1000);
          continue;
        }
        const sent = await this.publishBatch();
        this.lastError = null;
        backoff = 200;
        if (sent === 0) await this.doorbell.wait(IDLE_POLL_MS);
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        this.failures += 1;
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
    const topic = this.config.KAFKA_TOPIC;
    const last = await this.lastPublished(topic);
    const messages = await readSequencedLog(this.dataSource, last, BATCH);
    if (messages.length === 0) return 0;
    const producer = await this.connectedProducer();
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((message) => ({
        key: message.streamId,
        value: message.value,
        headers: { seq: String(message.seq), type: message.type, origin: this.config.LEDGER_ORIGIN },
      })),
    });
    const newest = messages[messages.length - 1].seq;
    const [, updated] = (await this.dataSource.query(
      `UPDATE publisher_state SET last_published_seq = $2, updated_at = now()
       WHERE topic = $1 AND last_published_seq = $3`,
      [topic, newest, last],
    )) as [unknown, number];
    // Someone else moved it (a stale lease): read it again rather than trust memory.
    this.published = updated === 1 ? newest : null;
    return messages.length;
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.topicReady) {
      await ensureLedgerTopic(this.kafka, this.config.KAFKA_TOPIC);
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
