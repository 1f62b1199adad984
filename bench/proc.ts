import { spawn } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  pid: number;
}

/** Runs `node <args>` to completion; `onStart` sees the pid (to meter its CPU). */
export function runNode(args: string[], env: Record<string, string> = {}, onStart?: (pid: number) => void): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    if (child.pid !== undefined) onStart?.(child.pid);
    child.once('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - started,
        pid: child.pid ?? -1,
      }),
    );
  });
}

/**
 * A bench child's last words: prints its result, then waits until the parent closes stdin. The
 * parent meters the CPU in between: a Postgres backend's CPU time disappears from /proc with its
 * connection, so the child closes its pool only afterwards.
 */
export async function reportToParent(result: unknown): Promise<void> {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  await new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('error', () => resolve());
    process.stdin.resume();
  });
}
