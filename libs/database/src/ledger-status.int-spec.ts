import { createHash, randomUUID } from 'node:crypto';
import type { LedgerConfig } from '@ledger/config';
import { LedgerIdentity, LedgerSequencer, PostgresEventStore, RandomIds, SystemClock, type CommandExecution, type CommandResponse } from '@ledger/event-store';
import { DataSource } from 'typeorm';
import { freshTestLedger } from '../../../test/support/test-ledger.js';
import { dataSourceOptions } from './data-source-options.js';
import { readLedgerStatus } from './ledger-status.js';
import { migrate } from './migrate.js';
import { MigrationsHealth } from './migrations-health.js';

describe('readLedgerStatus and MigrationsHealth (real Postgres, as the application role)', () => {
  let config: LedgerConfig;
  let dataSource: DataSource;

  beforeAll(async () => {
    config = await freshTestLedger('ledger_status');
    await migrate(config);
    dataSource = await new DataSource(dataSourceOptions(config)).initialize();
  }, 30000);

  afterAll(async () => {
    await dataSource?.destroy();
  });

  const note = (streamId: string): CommandExecution<CommandResponse> => {
    const commandId = randomUUID();
    return {
      context: { commandId, correlationId: commandId, causationId: commandId, actor: { id: 'u-test', role: 'documenter' }, issuedAt: new Date() },
      requestHash: createHash('sha256').update(commandId).digest('hex'),
      status: 200,
      streamIds: [streamId],
      decide: async (tx) => {
        const stream = await tx.readStream(streamId);
        const appended = tx.append(streamId, 'test', stream.version, [
          { type: 'Noted', schemaVersion: 1, data: { n: 1 } },
          { type: 'Noted', schemaVersion: 1, data: { n: 2 } },
        ]);
        return { id: streamId, version: appended.version, eventIds: appended.eventIds };
      },
    };
  };

  it('is ready only once every migration is applied, and the application role may read that', async () => {
    expect(await new MigrationsHealth(dataSource).check()).toBeNull();
  });

  it('follows the backlog from committed to sequenced, and the consumers behind it', async () => {
    expect(await readLedgerStatus(dataSource, config.KAFKA_TOPIC)).toEqual({
      headSeq: 0,
      unsequenced: 0,
      unsequencedAgeSeconds: 0,
      halted: false,
      checkpoint: null,
      watermarks: {},
      publishedSeq: null,
    });

    const appended: string[][] = [];
    const store = new PostgresEventStore(dataSource, new SystemClock(), new RandomIds());
    store.onAppended((types) => appended.push([...types]));
    await store.execute(note('status-a'));
    await store.execute(note('status-b'));
    expect(appended).toEqual([['Noted', 'Noted'], ['Noted', 'Noted']]);

    const waiting = await readLedgerStatus(dataSource, config.KAFKA_TOPIC);
    expect(waiting).toMatchObject({ headSeq: 0, unsequenced: 4 });
    expect(waiting.unsequencedAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(waiting.unsequencedAgeSeconds).toBeLessThan(60);

    const identity = new LedgerIdentity(dataSource, config);
    await identity.load();
    expect(await new LedgerSequencer(dataSource, identity).sequenceOnce()).toBe(4);
    await dataSource.query(`INSERT INTO projection_progress (projection, watermark, pending) VALUES ('claims', 3, '[]')`);
    await dataSource.query(`INSERT INTO publisher_state (topic, last_published_seq) VALUES ($1, 2)`, [config.KAFKA_TOPIC]);

    const sequenced = await readLedgerStatus(dataSource, config.KAFKA_TOPIC);
    expect(sequenced).toMatchObject({ headSeq: 4, unsequenced: 0, unsequencedAgeSeconds: 0, halted: false, watermarks: { claims: 3 }, publishedSeq: 2 });
    // Another topic's publisher is not this one.
    expect((await readLedgerStatus(dataSource, 'another.topic')).publishedSeq).toBeNull();
  });
});
