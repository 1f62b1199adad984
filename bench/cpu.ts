import { readFileSync } from 'node:fs';

interface MachineTicks {
  busy: number;
  total: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function machineTicks(): MachineTicks | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return null;
  }
}

export interface CpuSample {
  /** CPU ms this process used. */
  processMs: number;
  /** CPU ms every process on the machine used (Postgres, Kafka, the app, other tenants). */
  machineMs: number;
  /** Share of all cores busy over the interval, 0..1. */
  machineBusy: number;
}

/** Starts measuring; the returned function reports the CPU spent since. */
export function cpuMeter(): () => CpuSample {
  const process0 = process.cpuUsage();
  const machine0 = machineTicks();
  return () => {
    const used = process.cpuUsage(process0);
    const machine1 = machineTicks();
    const busyTicks = machine0 && machine1 ? machine1.busy - machine0.busy : Number.NaN;
    const totalTicks = machine0 && machine1 ? machine1.total - machine0.total : Number.NaN;
    return {
      processMs: (used.user + used.system) / 1000,
      machineMs: busyTicks * TICK_MS,
      machineBusy: totalTicks > 0 ? busyTicks / totalTicks : Number.NaN,
    };
  };
}
