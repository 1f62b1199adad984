import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGliteServer } from './pglite-server.js';

/** Where an embedded ledger keeps its database when LEDGER_DATA_DIR is not set. */
export const DEFAULT_DATA_DIR = './data';

/**
 * Connections the socket server multiplexes onto PGlite's one session. The application's pools
 * stay well below it; a connection beyond it is refused, not queued.
 */
const MAX_CONNECTIONS = 64;

/** A Unix socket path longer than this does not fit in sockaddr_un on every platform. */
const MAX_SOCKET_PATH = 100;

export interface EmbeddedPostgres {
  /** The postgres:// URL `pg` and TypeORM connect with, unchanged. */
  readonly url: string;
  /** Null for an in-memory database. */
  readonly dataDir: string | null;
  close(): Promise<void>;
}

/**
 * PostgreSQL inside this process (PGlite, with pg_trgm), served over a socket (pglite-socket's
 * protocol handler, our session queue) so that `pg` and TypeORM use it exactly as they use a
 * server: same SQL, same migrations. The socket is a Unix
 * socket in the data directory (mode 0700) where the path allows, else loopback TCP. PGlite is
 * one database session shared by every connection: the data directory is locked to this process.
 */
export async function startEmbeddedPostgres(options: { dataDir: string } | { memory: true }): Promise<EmbeddedPostgres> {
  const dataDir = 'dataDir' in options ? resolve(options.dataDir) : null;
  const releaseLock = dataDir ? lockDataDirectory(dataDir) : () => undefined;
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ ...(dataDir ? { dataDir: join(dataDir, 'pgdata') } : {}), extensions: { pg_trgm } });
    const socketDir = dataDir ? join(dataDir, 'run') : null;
    const socketFile = socketDir ? join(socketDir, '.s.PGSQL.5432') : null;
    const useSocket = socketDir !== null && socketFile !== null && socketFile.length <= MAX_SOCKET_PATH;
    if (useSocket) {
      mkdirSync(socketDir, { recursive: true, mode: 0o700 });
      chmodSync(socketDir, 0o700);
      rmSync(socketFile, { force: true });
    }
    const server = new PGliteServer(db, MAX_CONNECTIONS);
    const address = await server.listen(useSocket ? socketFile : undefined);
    const url = useSocket ? `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}` : `postgres://postgres@${address}/postgres`;
    const pglite = db;
    return {
      url,
      dataDir,
      async close() {
        await server.close();
        await pglite.close();
        releaseLock();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    releaseLock();
    throw error;
  }
}

/** Lock files this process holds. */
const lockedHere = new Set<string>();

export class DataDirectoryInUseError extends Error {
  override readonly name = 'DataDirectoryInUseError';
}

/**
 * One process per data directory: a second PGlite on the same files would corrupt them. A lock
 * file left by a process that no longer runs is taken over.
 */
function lockDataDirectory(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockFile = join(dataDir, 'ledger.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      lockedHere.add(lockFile);
      return () => {
        lockedHere.delete(lockFile);
        rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockFile, 'utf8').trim());
      // Our own pid in a lock we did not take is an earlier life's (a container restarts as pid 1).
      const held = holder === process.pid ? lockedHere.has(lockFile) : Number.isInteger(holder) && holder > 0 && isRunning(holder);
      if (held) {
        throw new DataDirectoryInUseError(
          `the embedded ledger in ${dataDir} is in use by process ${holder}: stop it first (one process per data directory), or use its HTTP API`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new DataDirectoryInUseError(`could not lock ${lockFile}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Settings a development ledger generates once and keeps with its data when none are configured. */
const DEVELOPMENT_SECRETS = {
  LEDGER_JWT_SECRET: () => randomBytes(32).toString('hex'),
  LEDGER_MASTER_KEY: () => randomBytes(32).toString('base64'),
} as const;

/**
 * The embedded default: with no DATABASE_URL, the ledger runs on embedded PostgreSQL in
 * LEDGER_DATA_DIR (default ./data) and `env.DATABASE_URL` is pointed at it. With neither a JWT
 * secret nor a JWKS URL, and no master key, a development ledger generates them once into
 * `<data dir>/development.env` (mode 0600) so tokens and sealed data survive restarts; a
 * production deployment sets them in the environment instead. Returns null when a database is
 * configured (nothing to start).
 */
export async function startEmbeddedDefault(env: NodeJS.ProcessEnv): Promise<EmbeddedPostgres | null> {
  if (env.DATABASE_URL) return null;
  const dataDir = resolve(env.LEDGER_DATA_DIR || DEFAULT_DATA_DIR);
  const embedded = await startEmbeddedPostgres({ dataDir });
  useDevelopmentSecrets(env, dataDir, true);
  env.DATABASE_URL = embedded.url;
  delete env.DATABASE_OWNER_URL;
  return embedded;
}

/**
 * For commands that need a development ledger's secrets but not its database (`ledger token`):
 * the ones it keeps, when no database is configured and they are not set.
 */
export function useKeptDevelopmentSecrets(env: NodeJS.ProcessEnv): void {
  if (!env.DATABASE_URL) useDevelopmentSecrets(env, resolve(env.LEDGER_DATA_DIR || DEFAULT_DATA_DIR), false);
}

function useDevelopmentSecrets(env: NodeJS.ProcessEnv, dataDir: string, create: boolean): void {
  const file = join(dataDir, 'development.env');
  const kept = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
  let changed = false;
  for (const [name, generate] of Object.entries(DEVELOPMENT_SECRETS)) {
    if (env[name] || (name === 'LEDGER_JWT_SECRET' && env.LEDGER_JWKS_URL)) continue;
    if (!kept[name]) {
      if (!create) continue;
      kept[name] = generate();
      changed = true;
    }
    env[name] = kept[name];
  }
  if (changed) {
    const text = Object.entries(kept).map(([name, value]) => `${name}=${value}`).join('\n');
    writeFileSync(file, `# Generated by a development ledger: set real values in the environment in production.\n${text}\n`, { mode: 0o600 });
    new Logger('EmbeddedLedger').warn(`development secrets generated in ${file}: set LEDGER_JWT_SECRET (or LEDGER_JWKS_URL) and LEDGER_MASTER_KEY for real use`);
  }
}

function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) values[match[1]] = match[2];
  }
  return values;
}
