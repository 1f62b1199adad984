/**
 * The publisher's own thread in a built ledger: Kafka's encoding and the log reads run beside the
 * sequencer and the HTTP edge instead of taking turns with them on one event loop.
 */
import 'reflect-metadata';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { DataSource } from 'typeorm';
// The logger's module, not the HTTP library's index: the thread starts in a fraction of the time.
import { useLedgerLogger } from '../../http/src/process.js';
import { PublisherLoop, type PublisherSettings, type PublisherStatus } from './publisher-loop.js';

export const PUBLISHER_THREAD = 'ledger-publisher';

export interface PublisherThreadData {
  readonly kind: typeof PUBLISHER_THREAD;
  readonly databaseUrl: string;
  /** LEDGER_SESSION_OPTIONS, passed in so the thread needs nothing of the configuration's module. */
  readonly sessionOptions: string;
  readonly settings: PublisherSettings;
}

export type ToPublisherThread = { readonly type: 'notify' } | { readonly type: 'stop' };
export type FromPublisherThread = { readonly type: 'status'; readonly status: PublisherStatus } | { readonly type: 'stopped' };

async function serve(port: MessagePort, data: PublisherThreadData): Promise<void> {
  useLedgerLogger(data.settings, 'ledger-api');
  const tell = (message: FromPublisherThread): void => port.postMessage(message);
  // The lease's connection, the log reads and the one read ahead.
  const dataSource = new DataSource({
    type: 'postgres',
    url: data.databaseUrl,
    applicationName: 'evidence-ledger',
    extra: { max: 3, options: data.sessionOptions },
  });
  await dataSource.initialize();
  const loop = new PublisherLoop(dataSource, data.settings, (status) => tell({ type: 'status', status }));
  port.on('message', (message: ToPublisherThread) => {
    if (message.type === 'notify') {
      loop.notify();
      return;
    }
    void loop
      .stop()
      .then(() => dataSource.destroy())
      .finally(() => {
        tell({ type: 'stopped' });
        port.close();
      });
  });
  loop.start();
}

if (parentPort && (workerData as Partial<PublisherThreadData> | null)?.kind === PUBLISHER_THREAD) {
  const port = parentPort;
  serve(port, workerData as PublisherThreadData).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    port.postMessage({ type: 'status', status: { problem: `the publisher could not start: ${reason}`, failedAttempts: 1 } } satisfies FromPublisherThread);
    process.exit(1);
  });
}
