import type { LedgerConfig } from '@ledger/config';
import { Ledger1764057600000, OrphanCheck1765152000000 } from '@ledger/event-store';
import { ClaimDocument, ClaimFact, ClaimView, IncidentView, NarrowClaims1764316800000, ProjectionCheckpoint, ReadModels1764057600001, ReadSide1764144000000, UnindexedShadows1765094400000, ClaimSearchStatistics1765094400001 } from '@ledger/read-models';
import { ProtectionKeys1764230400000 } from '@ledger/protection';
import type { DataSourceOptions } from 'typeorm';
import { LedgerTypeOrmLogger } from './typeorm-logger.js';

export const ENTITIES = [ClaimView, ClaimDocument, ClaimFact, IncidentView, ProjectionCheckpoint];
export const MIGRATIONS = [Ledger1764057600000, ReadModels1764057600001, ReadSide1764144000000, ProtectionKeys1764230400000, NarrowClaims1764316800000, UnindexedShadows1765094400000, ClaimSearchStatistics1765094400001, OrphanCheck1765152000000];

/** The application's connection: never synchronize, never run migrations (the owner does). */
export function dataSourceOptions(config: LedgerConfig, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    entities: ENTITIES,
    migrations: [],
    synchronize: false,
    migrationsRun: false,
    logger: new LedgerTypeOrmLogger(),
    maxQueryExecutionTime: 2000,
    applicationName: 'evidence-ledger',
    extra: {
      max: poolSize,
      // A forgotten open transaction anywhere holds the sequencer back (SEQUENCER.md "Things that bite").
      options: '-c idle_in_transaction_session_timeout=60000 -c statement_timeout=60000',
    },
  };
}
