import { Injectable } from '@nestjs/common';
import promClient from 'prom-client';
import type { Counter, Histogram, Registry } from 'prom-client';

/** Seconds: from 5 ms (a cached read) to 10 s (a large export). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * This process's metrics, in a registry of its own (never prom-client's global one, so two apps in
 * one process, as in the tests, count apart): Node's process metrics, HTTP latency, commands.
 * Parts of the ledger that know more register their own metrics in `registry`.
 */
@Injectable()
export class LedgerMetrics {
  readonly registry: Registry = new promClient.Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly commands: Counter<'command' | 'outcome'>;

  constructor() {
    promClient.collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new promClient.Histogram({
      name: 'ledger_http_request_duration_seconds',
      help: 'HTTP requests by method, route template (never the raw URL) and status',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers: [this.registry],
    });
    this.commands = new promClient.Counter({
      name: 'ledger_commands_total',
      help: 'Commands handled (every POST route is one), by command route and outcome: accepted, replayed, invalid, refused, failed',
      labelNames: ['command', 'outcome'],
      registers: [this.registry],
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
