import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataDirectoryInUseError, startEmbeddedDefault, startEmbeddedPostgres } from './embedded-postgres.js';

// Starting PGlite (a WebAssembly PostgreSQL) takes seconds on this machine.
const STARTS = 120_000;

describe('embedded PostgreSQL (PGlite behind a socket)', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-embedded-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('serves many pooled connections at once without mixing their extended queries or transactions', async () => {
    const embedded = await startEmbeddedPostgres({ memory: true });
    const pool = new pg.Pool({ connectionString: embedded.url, max: 8 });
    try {
      await pool.query('CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)');
      await pool.query('INSERT INTO counters SELECT g, 0 FROM generate_series(1, 4) g');
      // 200 parameterised queries and 40 read-modify-write transactions, all in flight together.
      const reads = Array.from({ length: 200 }, (_, i) => pool.query('SELECT $1::int * 2 AS twice, $2::text AS tag', [i, `q${i}`]));
      const writes = Array.from({ length: 40 }, async (_, i) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query('SELECT n FROM counters WHERE id = $1', [(i % 4) + 1]);
          await client.query('UPDATE counters SET n = $2 WHERE id = $1', [(i % 4) + 1, rows[0].n + 1]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      });
      const answers = await Promise.all(reads);
      await Promise.all(writes);
      answers.forEach((answer, i) => expect(answer.rows[0]).toEqual({ twice: i * 2, tag: `q${i}` }));
      const { rows } = await pool.query('SELECT sum(n)::int AS total FROM counters');
      expect(rows[0].total).toBe(40);
    } finally {
      await pool.end();
      await embedded.close();
    }
  }, STARTS);

  it('rolls back what a connection that went away left open, and the others go on', async () => {
    const embedded = await startEmbeddedPostgres({ memory: true });
    const pool = new pg.Pool({ connectionString: embedded.url, max: 2 });
    try {
      await pool.query('CREATE TABLE t (v int)');
      const quitter = new pg.Client({ connectionString: embedded.url });
      await quitter.connect();
      await quitter.query('BEGIN');
      await quitter.query('INSERT INTO t VALUES (1)');
      const waiting = pool.query('SELECT count(*)::int AS n FROM t');
      await quitter.end();
      expect((await waiting).rows[0].n).toBe(0);
    } finally {
      await pool.end();
      await embedded.close();
    }
  }, STARTS);

  it('keeps its data across restarts, locks the directory to one process, and points the environment at itself', async () => {
    const dataDir = tempDir();
    const env: NodeJS.ProcessEnv = { LEDGER_DATA_DIR: dataDir };
    const first = await startEmbeddedDefault(env);
    expect(first).not.toBeNull();
    expect(env.DATABASE_URL).toBe(first?.url);
    expect(env.LEDGER_JWT_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(env.LEDGER_MASTER_KEY).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    await client.query(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')`);
    await client.end();
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(DataDirectoryInUseError);
    await first?.close();

    const again: NodeJS.ProcessEnv = { LEDGER_DATA_DIR: dataDir };
    const second = await startEmbeddedDefault(again);
    try {
      expect(again.LEDGER_JWT_SECRET).toBe(env.LEDGER_JWT_SECRET);
      expect(again.LEDGER_MASTER_KEY).toBe(env.LEDGER_MASTER_KEY);
      const reader = new pg.Client({ connectionString: again.DATABASE_URL });
      await reader.connect();
      expect((await reader.query('SELECT v FROM kept')).rows).toEqual([{ v: 'survives' }]);
      await reader.end();
    } finally {
      await second?.close();
    }
  }, STARTS);

  it('takes over a lock left by a process that no longer runs, and starts nothing when a database is configured', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'ledger.lock'), '2147483646\n');
    const embedded = await startEmbeddedPostgres({ dataDir });
    await embedded.close();
    expect(await startEmbeddedDefault({ DATABASE_URL: 'postgres://ledger_app@127.0.0.1:5432/ledger' })).toBeNull();
  }, STARTS);
});
