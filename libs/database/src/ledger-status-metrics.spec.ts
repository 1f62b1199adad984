import promClient from 'prom-client';
import type { LedgerStatus } from './ledger-status.js';
import { registerLedgerStatusMetrics, type LedgerStatusSources } from './ledger-status-metrics.js';

const STATUS: LedgerStatus = {
  headSeq: 120,
  unsequenced: 3,
  unsequencedAgeSeconds: 0.25,
  halted: false,
  checkpoint: { size: 100, ageSeconds: 4 },
  watermarks: { claims: 120, incidents: 90 },
  publishedSeq: 110,
};

async function scrape(sources: Partial<LedgerStatusSources> & Pick<LedgerStatusSources, 'status'>): Promise<{ text: string; registry: promClient.Registry }> {
  const registry = new promClient.Registry();
  registerLedgerStatusMetrics(registry, { projections: ['claims', 'incidents', 'stats'], ...sources });
  return { text: await registry.metrics(), registry };
}

describe('registerLedgerStatusMetrics', () => {
  it('turns one status read into the gauges, a lag per projection (0 watermark before its first batch)', async () => {
    let reads = 0;
    const { text } = await scrape({ status: async () => (reads++, STATUS) });
    for (const line of [
      'ledger_status_up 1',
      'ledger_head_seq 120',
      'ledger_sequencer_lag_events 3',
      'ledger_sequencer_lag_seconds 0.25',
      'ledger_sequencer_halted 0',
      'ledger_checkpoint_size 100',
      'ledger_checkpoint_age_seconds 4',
      'ledger_projection_lag_events{projection="claims"} 0',
      'ledger_projection_lag_events{projection="incidents"} 30',
      'ledger_projection_lag_events{projection="stats"} 120',
      'ledger_projection_watermark_seq{projection="incidents"} 90',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(reads).toBeGreaterThan(0);
  });

  it('has no publisher or Kafka metric where no publisher runs (without KAFKA_BROKERS), nor appended events where nothing appends', async () => {
    const { text } = await scrape({ status: async () => STATUS });
    expect(text).not.toMatch(/ledger_publisher_lag_events|ledger_kafka_publish_errors_total|ledger_events_appended_total/);
  });

  it('with a publisher: its lag, and its failed attempts as a counter', async () => {
    const publisher = { failedAttempts: 2 };
    const { text, registry } = await scrape({ status: async () => STATUS, publisher });
    expect(text.split('\n')).toEqual(expect.arrayContaining(['ledger_publisher_lag_events 10', 'ledger_kafka_publish_errors_total 2']));
    publisher.failedAttempts = 5;
    expect((await registry.metrics()).split('\n')).toContain('ledger_kafka_publish_errors_total 5');
  });

  it('counts appended events by type', async () => {
    let listener: (types: readonly string[]) => void = () => undefined;
    const { registry } = await scrape({ status: async () => STATUS, onAppended: (l) => (listener = l) });
    listener(['ClaimFiled', 'ClaimLinkedToIncident']);
    listener(['ClaimFiled']);
    listener([]);
    const lines = (await registry.metrics()).split('\n');
    expect(lines).toEqual(expect.arrayContaining(['ledger_events_appended_total{type="ClaimFiled"} 2', 'ledger_events_appended_total{type="ClaimLinkedToIncident"} 1']));
  });

  it('says unknown, not zero, when the status cannot be read', async () => {
    const { text } = await scrape({ status: async () => null, publisher: { failedAttempts: 0 } });
    const lines = text.split('\n');
    expect(lines).toEqual(expect.arrayContaining(['ledger_status_up 0', 'ledger_head_seq Nan', 'ledger_sequencer_lag_events Nan', 'ledger_publisher_lag_events Nan']));
    expect(text).not.toMatch(/ledger_projection_lag_events\{/);
  });
});
