import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuSplitMeter, type CpuSplit } from './cpu.js';
import { kafkaPid } from './machine.js';
import type { ReplayChildResult, ReplayJob } from './replay-child.js';
import { assertScratch } from './scratch.js';

export interface ReplayRun extends ReplayChildResult {
  projection: string;
  /** Wall time of the child, process start and module loading included. */
  wallSeconds: number;
  cpu: CpuSplit;
}

/** Replays one projection in a child process with the ledger's environment; meters its CPU. */
export function runReplay(env: Record<string, string>, job: ReplayJob): Promise<ReplayRun> {
  assertScratch(env.DATABASE_URL);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // With the Node options of `npm run ledger`, which runs `ledger replay`.
    const child = spawn(process.execPath, ['--max-semi-space-size=32', 'dist/bench/replay-child.js', JSON.stringify(job)], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const meter = child.pid === undefined ? null : cpuSplitMeter(child.pid, kafkaPid());
    const errors: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString('utf8')));
    let result: ReplayChildResult | undefined;
    let cpu: CpuSplit | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('BENCH_RESULT ')) return;
      result = JSON.parse(line.slice('BENCH_RESULT '.length)) as ReplayChildResult;
      cpu = meter?.();
      child.stdin.end();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 && result && cpu) resolve({ ...result, projection: job.projection, wallSeconds: (performance.now() - started) / 1000, cpu });
      else reject(new Error(`replay of ${job.projection} exited ${code}:\n${errors.join('').slice(-2000)}`));
    });
  });
}
