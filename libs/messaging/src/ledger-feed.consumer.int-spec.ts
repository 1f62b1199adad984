import type { LedgerConfig } from '@ledger/config';
import { Partitioners } from 'kafkajs';
import { eventually, freshTestLedger } from '../../../test/support/test-ledger.js';
import { createKafka, ensureLedgerTopic } from './kafka.factory.js';
import { LedgerFeedConsumer, type FeedMessage } from './ledger-feed.consumer.js';

describe('LedgerFeedConsumer (real Kafka)', () => {
  let config: LedgerConfig;

  beforeAll(async () => {
    config = await freshTestLedger('feed_consumer');
  }, 30000);

  it('stops and reports when the topic carries another ledger’s events', async () => {
    const kafka = createKafka(config, 'feed-test-producer');
    await ensureLedgerTopic(kafka, config.KAFKA_TOPIC, 1);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const envelope = (seq: number): string => JSON.stringify({ seq, streamId: 'claim-x' });
    await producer.send({
      topic: config.KAFKA_TOPIC,
      messages: [
        { key: 'claim-x', value: envelope(1), headers: { seq: '1', type: 'ClaimFiled', origin: config.LEDGER_ORIGIN } },
        { key: 'claim-x', value: envelope(2), headers: { seq: '2', type: 'ClaimFiled', origin: 'other.ledger/elsewhere' } },
      ],
    });
    await producer.disconnect();

    const handled: FeedMessage[] = [];
    const consumer = new LedgerFeedConsumer(config, 'feed-test', async (_position, messages) => {
      handled.push(...messages);
    });
    try {
      await consumer.start();
      const problem = await eventually(async () => consumer.problem?.includes('other.ledger/elsewhere') ? consumer.problem : undefined, 'the consumer to report the foreign origin');
      expect(problem).toMatch(/carries events of ledger "other.ledger\/elsewhere"/);
      // The whole batch holding the foreign event is refused: nothing of another ledger is applied.
      expect(handled.map((m) => m.seq)).not.toContain(2);
    } finally {
      await consumer.stop();
    }
  }, 60000);
});
