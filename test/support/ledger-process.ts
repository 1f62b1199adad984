import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { LedgerConfig } from '@ledger/config';
import { eventually } from './test-ledger.js';

const MAIN = fileURLToPath(new URL('../../dist/apps/ledger-api/src/main.js', import.meta.url));

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

/** The built ledger (`npm run build`) as its own process, the way `npm start` runs it. */
export async function spawnLedger(config: LedgerConfig, port: number): Promise<ChildProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const [key, value] of Object.entries(config)) if (/^[A-Z_]+$/.test(key) && value !== undefined) env[key] = String(value);
  env.PORT = String(port);
  const child = spawn(process.execPath, [MAIN, '--with-projector'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
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
