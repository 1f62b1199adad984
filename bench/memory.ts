import { readFileSync } from 'node:fs';

export interface Memory {
  /** Resident set now (VmRSS), bytes. */
  rss: number;
  /** Peak resident set of the process so far (VmHWM), bytes. */
  peak: number;
}

/** A process's resident memory from /proc; null once it has exited. */
export function memoryOf(pid: number): Memory | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kB = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kB('VmRSS'), peak: kB('VmHWM') };
  } catch {
    return null;
  }
}

export const MiB = (bytes: number): number => bytes / 2 ** 20;
