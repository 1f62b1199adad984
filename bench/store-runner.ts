import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuSplitMeter, type CpuSplit } from './cpu.js';
import { kafkaPid } from './machine.js';
import type { StoreJob } from './store-bench.js';
import type { RunResult } from './workload.js';

/** Runs one store job in its own process and meters who used the CPU during its timed window. */
export function runStoreJob(job: StoreJob): Promise<{ result: RunResult; cpu: CpuSplit }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/bench/store-bench.js', JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const errors: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString('utf8')));
    let meter: (() => CpuSplit) | undefined;
    let outcome: { result: RunResult; cpu: CpuSplit } | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'BENCH_TIMED_START' && child.pid !== undefined) meter = cpuSplitMeter(child.pid, kafkaPid());
      else if (line.startsWith('BENCH_RESULT ') && meter) {
        outcome = { result: JSON.parse(line.slice('BENCH_RESULT '.length)) as RunResult, cpu: meter() };
        child.stdin.end();
      }
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 && outcome) resolve(outcome);
      else reject(new Error(`store bench ${job.store} c${job.concurrency} exited ${code}:\n${errors.join('').slice(-2000)}`));
    });
  });
}
