import { readdirSync, readFileSync } from 'node:fs';

interface MachineTicks {
  busy: number;
  total: number;
}

export const TICK_MS = 10; // USER_HZ is 100 on Linux

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

/** A process's parent and CPU ticks from /proc/<pid>/stat; null when it has ended. */
function processStat(pid: number): { parent: number; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: ppid is the 4th, utime and stime the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

export function processTicks(pid: number): number {
  return processStat(pid)?.ticks ?? 0;
}

/** CPU ticks of a process and every process below it (the API's node:cluster workers). */
export function processTreeTicks(root: number): number {
  const stats = new Map<number, { parent: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = processStat(Number(entry));
    if (stat) stats.set(Number(entry), stat);
  }
  const inTree = (pid: number): boolean => {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = stats.get(at)?.parent) if (at === root) return true;
    return false;
  };
  let ticks = 0;
  for (const [pid, stat] of stats) if (inTree(pid)) ticks += stat.ticks;
  return ticks;
}

/** CPU ticks of each Postgres backend serving a `ledger_bench_*` database (not other tenants' sessions). */
export function postgresTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      // A backend's title names its database: "postgres: 15/main: ledger_app ledger_bench_api 127.0.0.1(5123) idle".
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(' ledger_bench_')) continue;
      ticks.set(Number(entry), processTicks(Number(entry)));
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks;
}

/** Ticks used since `before` by the backends alive now; one that exited meanwhile is not subtracted. */
function postgresTicksSince(before: Map<number, number>): number {
  let used = 0;
  for (const [pid, ticks] of postgresTicks()) used += ticks - (before.get(pid) ?? 0);
  return used;
}

export interface CpuSplit {
  seconds: number;
  /** CPU ms over the interval, by who used it; `postgres` counts only the bench databases' backends. */
  app: number;
  postgres: number;
  kafka: number;
  loadGenerator: number;
  /** Everything else: Postgres' shared processes (WAL writer, checkpointer), other tenants, the OS. */
  other: number;
  machineBusy: number;
}

/** Starts measuring who uses the CPU: the app (by pid, with its child processes), every Postgres process, the Kafka broker, us. */
export function cpuSplitMeter(appPid: number, kafkaPid: number | null): () => CpuSplit {
  const started = performance.now();
  const machine = cpuMeter();
  const app0 = processTreeTicks(appPid);
  const pg0 = postgresTicks();
  const kafka0 = kafkaPid ? processTicks(kafkaPid) : 0;
  return () => {
    const used = machine();
    const app = (processTreeTicks(appPid) - app0) * TICK_MS;
    const postgres = postgresTicksSince(pg0) * TICK_MS;
    const kafka1 = kafkaPid ? processTicks(kafkaPid) : 0;
    // A broker restarted meanwhile (another pid, or gone) cannot be metered: its share stays in `other`.
    const kafka = !kafkaPid ? 0 : kafka1 > 0 && kafka1 >= kafka0 ? (kafka1 - kafka0) * TICK_MS : Number.NaN;
    return {
      seconds: (performance.now() - started) / 1000,
      app,
      postgres,
      kafka,
      loadGenerator: used.processMs,
      other: Math.max(0, used.machineMs - app - postgres - (Number.isNaN(kafka) ? 0 : kafka) - used.processMs),
      machineBusy: used.machineBusy,
    };
  };
}
