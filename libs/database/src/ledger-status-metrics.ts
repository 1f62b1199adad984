import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { LedgerConfig } from '@ledger/config';
import { PostgresEventStore } from '@ledger/event-store';
import { LedgerMetrics, ScrapeSnapshot } from '@ledger/http';
import { LedgerPublisher } from '@ledger/messaging';
import { PROJECTIONS, type Projection } from '@ledger/read-models';
import promClient from 'prom-client';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { readLedgerStatus, type LedgerStatus } from './ledger-status.js';

/** How long a scrape waits for the status read before answering with the status unknown. */
const STATUS_TIMEOUT_MS = 1000;

export interface LedgerStatusSources {
  /** The status, read once per scrape; null when the read failed or timed out. */
  status: () => Promise<LedgerStatus | null>;
  /** Every projection this ledger keeps, so each has its lag even before its first batch. */
  projections: readonly string[];
  /** Present only where the Kafka publisher runs (never without KAFKA_BROKERS). */
  publisher?: { readonly failedAttempts: number };
  /** Present only where commands append (the API). */
  onAppended?: (listener: (types: readonly string[]) => void) => void;
}

/**
 * The ledger's own metrics. Gauges are read from the database when Prometheus scrapes (one
 * statement per scrape, bounded by a timeout), never by a loop; while the read fails they say NaN
 * (per projection: absent) and `ledger_status_up` is 0. Counters count what this process did.
 */
export function registerLedgerStatusMetrics(registry: Registry, sources: LedgerStatusSources): void {
  const registers = [registry];
  const gauge = (name: string, help: string, value: (status: LedgerStatus) => number): void => {
    new promClient.Gauge({
      name,
      help,
      registers,
      async collect() {
        const status = await sources.status();
        this.set(status === null ? Number.NaN : value(status));
      },
    });
  };
  const perProjection = (name: string, help: string, value: (status: LedgerStatus, projection: string) => number): void => {
    new promClient.Gauge({
      name,
      help,
      labelNames: ['projection'],
      registers,
      async collect() {
        const status = await sources.status();
        this.reset();
        if (status === null) return;
        for (const projection of sources.projections) this.set({ projection }, value(status, projection));
      },
    });
  };
  const watermark = (status: LedgerStatus, projection: string): number => status.watermarks[projection] ?? 0;

  new promClient.Gauge({
    name: 'ledger_status_up',
    help: '1 when this scrape could read the ledger status from the database, else 0 (the ledger_* gauges are then NaN)',
    registers,
    async collect() {
      this.set((await sources.status()) === null ? 0 : 1);
    },
  });
  gauge('ledger_head_seq', 'The last sequenced seq: the size of the Merkle tree', (s) => s.headSeq);
  gauge('ledger_sequencer_lag_events', 'Events committed but not yet sequenced (counted up to 100000)', (s) => s.unsequenced);
  gauge('ledger_sequencer_lag_seconds', 'Age of the oldest committed event not yet sequenced; 0 when none waits', (s) => s.unsequencedAgeSeconds);
  gauge('ledger_sequencer_halted', '1 when sequencing stopped on an event out of order (GET /health names it)', (s) => (s.halted ? 1 : 0));
  gauge('ledger_checkpoint_size', 'Tree size of the newest signed checkpoint', (s) => s.checkpoint?.size ?? Number.NaN);
  gauge('ledger_checkpoint_age_seconds', 'Seconds since the newest checkpoint was signed', (s) => s.checkpoint?.ageSeconds ?? Number.NaN);
  perProjection('ledger_projection_watermark_seq', 'Seq up to which the projection has applied every event', watermark);
  perProjection('ledger_projection_lag_events', 'Ledger head seq minus the projection watermark', (s, projection) => Math.max(0, s.headSeq - watermark(s, projection)));

  const publisher = sources.publisher;
  if (publisher) {
    gauge('ledger_publisher_lag_events', 'Events sequenced but not yet published to Kafka', (s) => Math.max(0, s.headSeq - (s.publishedSeq ?? 0)));
    let counted = 0;
    new promClient.Counter({
      name: 'ledger_kafka_publish_errors_total',
      help: 'Failed attempts to publish a batch to Kafka (broker, topic or database), each retried with backoff',
      registers,
      collect() {
        const total = publisher.failedAttempts;
        if (total > counted) this.inc(total - counted);
        counted = total;
      },
    });
  }

  if (sources.onAppended) {
    const appended = new promClient.Counter({
      name: 'ledger_events_appended_total',
      help: 'Events this process appended to the ledger, by event type',
      labelNames: ['type'],
      registers,
    });
    sources.onAppended((types) => {
      for (const type of types) appended.inc({ type });
    });
  }
}

/** The ledger's metrics in this app's registry: the publisher and the event store where the app has them. */
@Injectable()
export class LedgerStatusMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: LedgerMetrics,
    private readonly dataSource: DataSource,
    private readonly config: LedgerConfig,
    @Inject(PROJECTIONS) private readonly projections: Projection[],
    private readonly modules: ModuleRef,
  ) {}

  onModuleInit(): void {
    const snapshot = new ScrapeSnapshot(() => readLedgerStatus(this.dataSource, this.config.KAFKA_TOPIC), STATUS_TIMEOUT_MS);
    const store = this.optional(PostgresEventStore);
    registerLedgerStatusMetrics(this.metrics.registry, {
      status: () => snapshot.get(),
      projections: this.projections.map((projection) => projection.name),
      publisher: this.optional(LedgerPublisher),
      onAppended: store ? (listener) => store.onAppended(listener) : undefined,
    });
  }

  private optional<T>(type: new (...args: never[]) => T): T | undefined {
    try {
      return this.modules.get(type, { strict: false });
    } catch {
      return undefined;
    }
  }
}
