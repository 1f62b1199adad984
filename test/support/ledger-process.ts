import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { LedgerConfig } from '@ledger/config';
import { eventually } from './test-ledger.js';

const MAIN = fileURLToPath(new URL('../../dist/apps/ledger-api/src/main.js', import.meta.url));
const PROJECTOR_MAIN = fileURLToPath(new URL('../../dist/apps/projector/src/main.js', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The built ledger (`npm run build`) as its own process, the way `npm start` runs it; `output`
 * receives everything it writes to stdout and stderr.
 */
export function spawnLedger(config: LedgerConfig, port: number, output?: (text: string) => void): Promise<ChildProcess> {
  return spawnHealthy(MAIN, ['--with-projector'], config, port, true, output);
}

/** The built projector app on its own (`npm run start:projector`); `healthy: false` returns at once. */
export function spawnProjector(config: LedgerConfig, port: number, { healthy } = { healthy: true }): Promise<ChildProcess> {
  return spawnHealthy(PROJECTOR_MAIN, [], config, port, healthy);
}

async function spawnHealthy(
  main: string,
  args: string[],
  config: LedgerConfig,
  port: number,
  healthy = true,
  output?: (text: string) => void,
): Promise<ChildProcess> {
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const env = ledgerEnvironment(config);
  env.PORT = String(port);
  const child = spawn(process.execPath, [main, ...args], { env, stdio: ['ignore', output ? 'pipe' : 'ignore', 'pipe'] });
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => output?.(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output?.(chunk.toString());
  });
  if (!healthy) return child;
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`the ledger exited with ${child.exitCode}: ${stderr}`);
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    return response.status === 200 ? true : undefined;
  }, 'the ledger process to be healthy', 60000);
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

const CLI = fileURLToPath(new URL('../../dist/apps/ledger-cli/src/main.js', import.meta.url));

/** The built CLI (`npm run ledger -- ...`) with the ledger's configuration as its environment. */
export async function runCli(config: LedgerConfig, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const child = spawn(process.execPath, [CLI, ...args], { env: ledgerEnvironment(config), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await exited(child);
  return { code, stdout, stderr };
}

function ledgerEnvironment(config: LedgerConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const [key, value] of Object.entries(config)) if (/^[A-Z_]+$/.test(key) && value !== undefined) env[key] = String(value);
  return env;
}
