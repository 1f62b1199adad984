import { randomBytes } from 'node:crypto';
import { loadConfig, type LedgerConfig } from '@ledger/config';
import { migrate } from '@ledger/database';
import { TokenVerifier } from '@ledger/http';
import { Kafka, logLevel } from 'kafkajs';
import { recreate, scratchDatabase, type ScratchDatabase } from './scratch.js';

export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

export function benchConfig(db: ScratchDatabase, topic: string, origin: string, secret = randomBytes(32).toString('hex')): LedgerConfig {
  return loadConfig({
    DATABASE_URL: db.appUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    KAFKA_BROKERS,
    KAFKA_TOPIC: topic,
    LEDGER_ORIGIN: origin,
    LEDGER_JWT_SECRET: secret,
    LOG_LEVEL: 'warn',
  });
}

/** A scratch ledger: its database, its own topic, the app's environment and a documenter's token. */
export interface Ledger {
  db: ScratchDatabase;
  appEnv: Record<string, string>;
  topic: string;
  token: string;
}

/** A fresh, migrated `ledger_bench_<suffix>` with a topic of its own (`ledger.bench.<stamp>[.<suffix>]`). */
export async function prepareLedger(stamp: string, suffix = 'api'): Promise<Ledger> {
  const db = scratchDatabase(suffix);
  await recreate(db);
  const topic = suffix === 'api' ? `ledger.bench.${stamp}` : `ledger.bench.${stamp}.${suffix}`;
  const origin = suffix === 'api' ? `bench.ledger/${stamp}` : `bench.ledger/${stamp}/${suffix}`;
  const secret = randomBytes(32).toString('hex');
  const config = benchConfig(db, topic, origin, secret);
  await migrate(config);
  const appEnv: Record<string, string> = {
    DATABASE_URL: db.appUrl,
    DATABASE_OWNER_URL: db.ownerUrl,
    KAFKA_BROKERS,
    KAFKA_TOPIC: topic,
    LEDGER_ORIGIN: origin,
    LEDGER_JWT_SECRET: secret,
    LEDGER_JWKS_URL: '',
    // The bench measures the ledger, not a per-user rate limit.
    LEDGER_RATE_LIMIT: '100000000',
    LOG_LEVEL: 'warn',
  };
  const token = new TokenVerifier(config).mint({ sub: 'u-bench-documenter', roles: ['documenter'] }, 3600);
  return { db, appEnv, topic, token };
}

/** Deletes the bench topic and every consumer group of it (the projections' groups end with its name). */
export async function cleanUpKafka(topic: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'ledger-bench', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.endsWith(topic));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
