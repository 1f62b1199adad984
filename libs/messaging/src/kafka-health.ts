import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { LedgerConfig } from '@ledger/config';
import type { Admin } from 'kafkajs';
import { createKafka } from './kafka.factory.js';

/** Kafka is healthy when the cluster answers a metadata request. */
@Injectable()
export class KafkaHealth implements OnApplicationShutdown {
  readonly name = 'kafka';
  private admin: Admin | null = null;

  constructor(private readonly config: LedgerConfig) {}

  async check(): Promise<string | null> {
    try {
      if (!this.admin) {
        const admin = createKafka(this.config, 'ledger-health').admin({ retry: { retries: 0 } });
        await admin.connect();
        this.admin = admin;
      }
      const cluster = await this.admin.describeCluster();
      return cluster.brokers.length > 0 ? null : 'no broker in the cluster';
    } catch (error) {
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = null;
      return `Kafka does not answer: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
