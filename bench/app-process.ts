import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { assertScratch } from './scratch.js';

const API_MAIN = 'dist/apps/ledger-api/src/main.js';
/** The projector on its own (`npm run start:projector`), with its own GET /health. */
export const PROJECTOR_MAIN = 'dist/apps/projector/src/main.js';

export interface RunningApp {
  url: string;
  pid: number;
  /** SIGTERM and wait for the exit (the app drains and stops its loops). */
  stop(): Promise<void>;
  /** The last lines the app wrote, for a failure message. */
  tail(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The real ledger API as production runs it (`npm start`: API, sequencer, publisher and projector
 * in one process), in a child process so the load generator's CPU is not the app's; `main` runs
 * another app the same way (the projector on its own).
 */
export async function startApp(
  env: Record<string, string>,
  onSpawn?: (pid: number) => void,
  options: { nodeArgs?: string[]; appArgs?: string[]; timeoutMs?: number; main?: string } = {},
): Promise<RunningApp> {
  const timeoutMs = options.timeoutMs ?? 60000;
  assertScratch(env.DATABASE_URL);
  assertScratch(env.DATABASE_OWNER_URL);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), options.main ?? API_MAIN, ...(options.appArgs ?? ['--with-projector'])], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) onSpawn?.(child.pid);
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(line);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const tail = (): string => lines.slice(-20).join('\n');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`${options.main ?? API_MAIN} exited during start-up:\n${tail()}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.main ?? API_MAIN} was not healthy after ${timeoutMs} ms:\n${tail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid ?? -1,
    tail,
    stop: async () => {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
      await exited;
      clearTimeout(timer);
    },
  };
}
