import pg from 'pg';

const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HOST = process.env.BENCH_DATABASE_HOST ?? '127.0.0.1:5432';
const OWNER = process.env.BENCH_DATABASE_OWNER ?? 'ledger_owner';
const APP = process.env.BENCH_DATABASE_APP ?? 'ledger_app';
const SCRATCH = /^ledger_bench_[a-z0-9_]+$/;

export interface ScratchDatabase {
  name: string;
  /** The application role (INSERT/SELECT on the ledger), as the app connects. */
  appUrl: string;
  /** The owner role: runs our migrations, and Emmett creates its schema with it. */
  ownerUrl: string;
  /** Superuser, for the harness's own reads (counters, sizes). */
  adminUrl: string;
}

/** Refuses anything that is not a `ledger_bench_*` database: the bench never touches `ledger`. */
export function assertScratch(url: string): void {
  const name = new URL(url).pathname.slice(1);
  if (!SCRATCH.test(name)) throw new Error(`refusing to benchmark against database "${name}" (only ledger_bench_*)`);
}

export function scratchDatabase(suffix: string): ScratchDatabase {
  const name = `ledger_bench_${suffix}`;
  if (!SCRATCH.test(name)) throw new Error(`bad scratch database name ${name}`);
  return {
    name,
    appUrl: `postgres://${APP}@${HOST}/${name}`,
    ownerUrl: `postgres://${OWNER}@${HOST}/${name}`,
    adminUrl: ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
  };
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function recreate(db: ScratchDatabase): Promise<void> {
  assertScratch(db.ownerUrl);
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${db.name} OWNER ${OWNER}`);
  });
}

export async function drop(db: ScratchDatabase): Promise<void> {
  assertScratch(db.ownerUrl);
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`));
}

export async function serverInfo(): Promise<{ version: string; maxConnections: number; settings: Record<string, string> }> {
  return admin(async (client) => {
    const version = (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0].v;
    const names = ['max_connections', 'shared_buffers', 'synchronous_commit', 'fsync', 'wal_level', 'work_mem', 'autovacuum'];
    const rows = (await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)`,
      [names],
    )).rows;
    const settings: Record<string, string> = {};
    for (const row of rows) settings[row.name] = row.unit ? `${row.setting} (${row.unit})` : row.setting;
    return { version, maxConnections: Number(settings.max_connections), settings };
  });
}

/** Connections currently open to the whole cluster (ours and anyone else's). */
export async function openConnections(): Promise<number> {
  return admin(async (client) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity`)).rows[0].n));
}

/**
 * What autovacuum would have done to freshly projected tables by now, when the server runs without
 * it (a CI configuration): without statistics the planner estimates one row for every filter and
 * picks plans no deployment would see. Returns whether it had to.
 */
export async function analyzeIfNoAutovacuum(db: ScratchDatabase, tables: readonly string[]): Promise<boolean> {
  assertScratch(db.adminUrl);
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ on: string }>(`SELECT current_setting('autovacuum') AS on`);
    if (rows[0].on === 'on') return false;
    for (const table of tables) await client.query(`VACUUM (ANALYZE) ${table}`);
    return true;
  } finally {
    await client.end();
  }
}
