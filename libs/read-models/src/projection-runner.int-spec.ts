import type { LedgerConfig } from '@ledger/config';
import { dataSourceOptions, migrate } from '@ledger/database';
import { DataSource } from 'typeorm';
import { freshTestLedger } from '../../../test/support/test-ledger.js';
import type { FeedEvent } from './feed-event.js';
import type { Projection } from './projection.js';
import { ProjectionRunner, projectionWatermark } from './projection-runner.js';

/** A projection that handles nothing: only the runner's checkpoints and watermark are exercised. */
const counting: Projection = { name: 'counting', version: 1, tables: [], canHandle: () => false, applyBatch: async () => undefined };

describe('ProjectionRunner (real Postgres)', () => {
  let config: LedgerConfig;
  let dataSource: DataSource;

  beforeAll(async () => {
    config = await freshTestLedger('projection_runner');
    await migrate(config);
    dataSource = await new DataSource(dataSourceOptions(config, 8)).initialize();
  }, 30000);

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('loses no seq when partitions commit concurrently, the first batches included', async () => {
    const runner = new ProjectionRunner(dataSource);
    const partitions = 6;
    const total = 120;
    const feed = (partition: number, from: number, to: number): FeedEvent[] =>
      Array.from({ length: total }, (_, i) => i + 1)
        .filter((seq) => seq % partitions === partition && seq >= from && seq <= to)
        .map((seq) => ({ seq, type: 'Nothing' }) as FeedEvent);
    // Many fresh projections, each meeting its first batches from every partition at once: the
    // moment its progress row does not exist yet is the one a lost update would hide in.
    for (let round = 0; round < 30; round++) {
      const projection: Projection = { ...counting, name: `counting-${round}` };
      await Promise.all(Array.from({ length: partitions }, (_, p) => runner.applyBatch(projection, { topic: 't', partition: p }, feed(p, 1, total / 2))));
      await Promise.all(Array.from({ length: partitions }, (_, p) => runner.applyBatch(projection, { topic: 't', partition: p }, feed(p, 1, total))));
      expect({ round, watermark: await projectionWatermark(dataSource, projection.name) }).toEqual({ round, watermark: total });
    }
  }, 60000);
});
