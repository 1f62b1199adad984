import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  kafka: string;
  loadAverage: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line ? line.split(':')[1].trim() : os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

/** The broker's version from the jars `docker/local/services` fetched (kafka-server-<version>.jar). */
function kafkaVersion(): string {
  const libs = '.local/kafka/libs';
  if (!existsSync(libs)) return 'unknown';
  const jar = readdirSync(libs).find((name) => /^kafka-server-\d[\w.-]*\.jar$/.test(name));
  return jar ? jar.replace(/^kafka-server-/, '').replace(/\.jar$/, '') : 'unknown';
}

export function kafkaPid(): number | null {
  try {
    const pid = Number(readFileSync('.local/kafka/kafka.pid', 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`) ? pid : null;
  } catch {
    return null;
  }
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

export function describeMachine(postgres: string): Machine {
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres,
    kafka: kafkaVersion(),
    loadAverage: loadAverage(),
  };
}
