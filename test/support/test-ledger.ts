import { randomBytes } from 'node:crypto';
import { loadConfig, type LedgerConfig } from '@ledger/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@ledger/database';
import pg from 'pg';

const ADMIN_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HOST = process.env.TEST_DATABASE_HOST ?? '127.0.0.1:5432';
const OWNER = process.env.TEST_DATABASE_OWNER ?? 'ledger_owner';
const APP = process.env.TEST_DATABASE_APP ?? 'ledger_app';

/**
 * The `embedded` Jest project (or LEDGER_TEST_MODE=embedded) runs the suite as `npm start` runs
 * with nothing configured: each file's ledger on its own in-memory embedded PostgreSQL (PGlite),
 * fed in process, no Kafka.
 */
export const EMBEDDED = (globalThis as { __ledgerTestMode?: string }).__ledgerTestMode === 'embedded';

/** The file's embedded databases, by URL; the test environment closes them after the file's last hook. */
const embeddedDatabases: Map<string, EmbeddedPostgres> = ((globalThis as { __embeddedTestLedgers?: Map<string, EmbeddedPostgres> }).__embeddedTestLedgers ??= new Map());

/**
 * A fresh ledger for one test file: its own database (dropped and created again, named
 * `ledger_test_<name>`, plus LEDGER_TEST_DB_SUFFIX when two checkouts test against one server at
 * once), its own Kafka topic and origin. Refuses any database whose name does not say test.
 */
export async function freshTestLedger(name: string, overrides: Record<string, string> = {}): Promise<LedgerConfig> {
  const run = process.env.LEDGER_TEST_RUN ?? randomBytes(3).toString('hex');
  const settings = {
    PORT: '0',
    LEDGER_ORIGIN: `test.ledger/${name}-${run}`,
    LEDGER_JWT_SECRET: randomBytes(32).toString('hex'),
    LEDGER_MASTER_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  };
  if (EMBEDDED) {
    const embedded = await startEmbeddedPostgres({ memory: true });
    embeddedDatabases.set(embedded.url, embedded);
    return loadConfig({ ...settings, DATABASE_URL: embedded.url, ...overrides });
  }
  const suffix = (process.env.LEDGER_TEST_DB_SUFFIX ?? '').replace(/[^a-z0-9]/gi, '_').toLowerCase();
  const database = `ledger_test_${name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}${suffix}`;
  if (!/test/.test(database)) throw new Error(`refusing to run tests against ${database}`);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${OWNER}`);
  } finally {
    await admin.end();
  }
  return loadConfig({
    ...settings,
    DATABASE_URL: `postgres://${APP}@${HOST}/${database}`,
    DATABASE_OWNER_URL: `postgres://${OWNER}@${HOST}/${database}`,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    KAFKA_TOPIC: `ledger.test.${name}.${run}`,
    ...overrides,
  });
}

/** A superuser connection to a test database, for what the application role may not do. */
export async function superuser(config: LedgerConfig): Promise<pg.Client> {
  if (embeddedDatabases.has(config.DATABASE_URL)) {
    // PGlite has only a superuser: the application already connects as it.
    const client = new pg.Client({ connectionString: config.DATABASE_URL });
    await client.connect();
    return client;
  }
  const database = new URL(config.DATABASE_URL).pathname.slice(1);
  if (!database.includes('test')) throw new Error(`refusing to connect as superuser to ${database}`);
  const client = new pg.Client({ connectionString: ADMIN_URL.replace(/\/[^/]*$/, `/${database}`) });
  await client.connect();
  return client;
}

/** Polls until `probe` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
