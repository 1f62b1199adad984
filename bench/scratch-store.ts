import { randomUUID } from 'node:crypto';
import { loadConfig } from '@ledger/config';
import { dataSourceOptions } from '@ledger/database';
import { PostgresEventStore, RandomIds, SystemClock } from '@ledger/event-store';
import { DataKeyVault } from '@ledger/protection';
import { DataSource } from 'typeorm';
import { assertScratch, type ScratchDatabase } from './scratch.js';

/** Our event store on a scratch database, as the app opens it, for loaders that file through it directly. */
export async function openScratchStore(
  db: ScratchDatabase,
  poolSize: number,
): Promise<{ dataSource: DataSource; store: PostgresEventStore; clock: SystemClock; vault: DataKeyVault }> {
  assertScratch(db.appUrl);
  // The app's master key: the victims' names sealed here are opened by the app's projections.
  const config = loadConfig({ DATABASE_URL: db.appUrl, LEDGER_JWT_SECRET: randomUUID() + randomUUID(), LEDGER_MASTER_KEY: process.env.LEDGER_MASTER_KEY, LOG_LEVEL: 'warn' });
  const dataSource = new DataSource(dataSourceOptions(config, poolSize));
  await dataSource.initialize();
  const clock = new SystemClock();
  return { dataSource, store: new PostgresEventStore(dataSource, clock, new RandomIds()), clock, vault: new DataKeyVault(dataSource, config) };
}
