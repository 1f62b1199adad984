import { Logger } from '@nestjs/common';
import type { LedgerConfig } from '@ledger/config';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';

/** kafkajs speaks through our one structured logger, and only about the client, never payloads. */
function logCreator(): (entry: LogEntry) => void {
  const logger = new Logger('Kafka');
  return ({ level, log }) => {
    const { message, error } = log;
    const text = error ? `${message}: ${String(error)}` : message;
    // Our publisher bounds the producer's retries on purpose: after a failure it resends from the
    // outbox and consumers skip seqs they applied, so this kafkajs warning is expected, not news.
    if (message.startsWith('Limiting retries for the idempotent producer')) return logger.debug(text);
    if (level === logLevel.ERROR) logger.error(text);
    else if (level === logLevel.WARN) logger.warn(text);
    else logger.debug(text);
  };
}

export function createKafka(config: Pick<LedgerConfig, 'kafkaBrokers' | 'LOG_LEVEL'>, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: config.kafkaBrokers,
    logLevel: config.LOG_LEVEL === 'debug' ? logLevel.INFO : logLevel.WARN,
    logCreator,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5000 },
  });
}

const ensuring = new Map<string, Promise<void>>();

/**
 * The ledger topic: created by the application, kept forever (retention.ms = -1). Callers in one
 * process (the publisher and every projection's consumer) share one attempt, so they do not race
 * each other into the broker's "topic already exists".
 */
export function ensureLedgerTopic(kafka: Kafka, topic: string, partitions = 6): Promise<void> {
  const pending = ensuring.get(topic);
  if (pending) return pending;
  const attempt = createLedgerTopic(kafka, topic, partitions).finally(() => ensuring.delete(topic));
  ensuring.set(topic, attempt);
  return attempt;
}

async function createLedgerTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: partitions,
            replicationFactor: -1,
            configEntries: [
              { name: 'retention.ms', value: '-1' },
              { name: 'retention.bytes', value: '-1' },
              { name: 'cleanup.policy', value: 'delete' },
            ],
          },
        ],
      });
    }
  } finally {
    await admin.disconnect();
  }
}
