import { Logger } from '@nestjs/common';
import type { LedgerConfig } from '@ledger/config';
import { LEASES, LEDGER_LOCK_SPACE, LEDGER_TABLES } from '@ledger/event-store';
import { PROTECTION_TABLES } from '@ledger/protection';
import { READ_SIDE_TABLES, SHADOW_SCHEMA } from '@ledger/read-models';
import { DataSource } from 'typeorm';
import { ENTITIES, MIGRATIONS } from './data-source-options.js';
import { LedgerTypeOrmLogger } from './typeorm-logger.js';

const MUTABLE_LEDGER_STATE = ['sequencer_state', 'publisher_state'];

/**
 * Runs pending migrations as the schema owner (one process at a time), then grants the
 * application role exactly what it needs: INSERT and SELECT on the ledger, no more.
 */
export async function migrate(config: LedgerConfig): Promise<string[]> {
  const logger = new Logger('Migrations');
  const owner = new DataSource({
    type: 'postgres',
    url: config.ownerDatabaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    logger: new LedgerTypeOrmLogger(),
    extra: { max: 1 },
  });
  await owner.initialize();
  try {
    await owner.query(`SELECT pg_advisory_lock($1, $2)`, [LEDGER_LOCK_SPACE, LEASES.migrations]);
    try {
      const applied = await owner.runMigrations({ transaction: 'each' });
      for (const migration of applied) logger.log(`applied ${migration.name}`);
      await grantApplicationRole(owner, config);
      return applied.map((m) => m.name);
    } finally {
      await owner.query(`SELECT pg_advisory_unlock($1, $2)`, [LEDGER_LOCK_SPACE, LEASES.migrations]);
    }
  } finally {
    await owner.destroy();
  }
}

async function grantApplicationRole(owner: DataSource, config: LedgerConfig): Promise<void> {
  const appRole = decodeURIComponent(new URL(config.DATABASE_URL).username);
  const [{ current_user: ownerRole }] = (await owner.query(`SELECT current_user`)) as Array<{ current_user: string }>;
  if (!appRole || appRole === ownerRole) return;
  const role = quoteIdent(appRole);
  await owner.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  // Readiness (GET /health/ready) checks that every migration of the build is applied.
  await owner.query(`GRANT SELECT ON migrations TO ${role}`);
  for (const table of LEDGER_TABLES) {
    await owner.query(`REVOKE ALL ON ${table} FROM ${role}`);
    await owner.query(`GRANT SELECT, INSERT ON ${table} TO ${role}`);
  }
  await owner.query(`GRANT USAGE ON SEQUENCE ledger_events_id_seq TO ${role}`);
  for (const table of MUTABLE_LEDGER_STATE) await owner.query(`GRANT SELECT, INSERT, UPDATE ON ${table} TO ${role}`);
  // Data keys: created, destroyed on erasure, rewrapped on rotation; never deleted as rows.
  for (const table of PROTECTION_TABLES) await owner.query(`GRANT SELECT, INSERT, UPDATE ON ${table} TO ${role}`);
  // Read models are rebuilt from the feed: the application may rewrite them, and replays build
  // them afresh in the shadow schema before an auditor compares or swaps them.
  await owner.query(`GRANT USAGE ON SCHEMA ${SHADOW_SCHEMA} TO ${role}`);
  for (const table of READ_SIDE_TABLES) {
    for (const schema of ['public', SHADOW_SCHEMA]) {
      await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ${schema}.${table} TO ${role}`);
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
