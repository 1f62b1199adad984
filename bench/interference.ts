import pg from 'pg';
import { kafkaPid } from './machine.js';

export interface Interference {
  /** The broker's pid changed: someone stopped and started Kafka during the measurement. */
  kafkaRestarted: boolean;
  /** Seconds the oldest write transaction of another database stayed open (it holds the sequencer's xmin back). */
  oldestForeignWriteSeconds: number;
}

const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Watches for what other users of this machine do to a measurement: restart the shared broker, or
 * keep a write transaction open in another database (pg_snapshot_xmin is cluster-wide, so that
 * stalls our sequencer: SEQUENCER.md "Things that bite").
 */
export async function watchInterference(everyMs = 250): Promise<{ stop(): Promise<Interference> }> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  const firstPid = kafkaPid();
  let restarted = false;
  let oldest = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      if (kafkaPid() !== firstPid) restarted = true;
      try {
        const { rows } = await client.query<{ age: number | null }>(
          `SELECT extract(epoch FROM max(now() - xact_start))::float8 AS age FROM pg_stat_activity
           WHERE backend_xid IS NOT NULL AND datname NOT LIKE 'ledger\\_bench\\_%'`,
        );
        oldest = Math.max(oldest, rows[0]?.age ?? 0);
      } catch {
        // a monitoring hiccup is not worth failing the bench for
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await client.end();
      return { kafkaRestarted: restarted || kafkaPid() !== firstPid, oldestForeignWriteSeconds: oldest };
    },
  };
}

export function describeInterference(what: string, i: Interference): string | null {
  const parts: string[] = [];
  if (i.kafkaRestarted) parts.push('the shared Kafka broker was restarted by another process');
  if (i.oldestForeignWriteSeconds >= 1) {
    parts.push(`another database kept a write transaction open for ${i.oldestForeignWriteSeconds.toFixed(1)} s (holds the sequencer's xmin back)`);
  }
  return parts.length ? `${what}: ${parts.join('; ')}.` : null;
}
