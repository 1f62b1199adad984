import cluster, { type Worker } from 'node:cluster';
import { Logger } from '@nestjs/common';

/**
 * LEDGER_API_WORKERS > 1: the API runs as node:cluster workers sharing one port, so commands use
 * every core (one Node thread serves about 550 POST /claims per second). The primary only
 * supervises: it forks the workers, relays their news, replaces one that dies and stops them on
 * a signal. Each worker is a whole API instance: the sequencer and the publisher stay one active
 * across them by their leases, as across machines.
 */

const NEWS = 'ledger-news';
type NewsKind = 'appended' | 'sequenced';

interface News {
  type: typeof NEWS;
  what: NewsKind;
}

/** Environment of a worker: its index, and whether it runs the projector (only one does). */
export const WORKER_ENV = { index: 'LEDGER_API_WORKER', projector: 'LEDGER_API_WORKER_PROJECTOR' } as const;

/** A crash loop (this many exits within a minute) stops the whole API instead of forking forever. */
const MAX_EXITS_PER_MINUTE = 5;

function isNews(message: unknown): message is News {
  return typeof message === 'object' && message !== null && (message as News).type === NEWS;
}

/**
 * The primary's work; resolves when every worker has stopped after SIGTERM or SIGINT, rejects when
 * they keep dying. A worker that dies is replaced with the same role.
 */
export function superviseApiWorkers(count: number, withProjector: boolean): Promise<void> {
  const logger = new Logger('ApiWorkers');
  const indexOf = new Map<Worker, number>();
  const exits: number[] = [];
  let stopping = false;

  return new Promise((resolve, reject) => {
    const fork = (index: number): void => {
      const worker = cluster.fork({ [WORKER_ENV.index]: String(index), [WORKER_ENV.projector]: withProjector && index === 0 ? '1' : '0' });
      indexOf.set(worker, index);
      // News of commits and sequencing goes to every other worker: the one holding the sequencer's
      // (or the publisher's) lease then reacts at once instead of at its next poll.
      worker.on('message', (message: unknown) => {
        if (!isNews(message)) return;
        for (const other of indexOf.keys()) if (other !== worker && other.isConnected()) other.send(message);
      });
    };
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal}: stopping ${indexOf.size} API workers`);
      for (const worker of indexOf.keys()) worker.process.kill('SIGTERM');
      if (indexOf.size === 0) resolve();
    };
    cluster.on('exit', (worker, code, signal) => {
      const index = indexOf.get(worker) ?? 0;
      indexOf.delete(worker);
      if (stopping) {
        if (indexOf.size === 0) resolve();
        return;
      }
      const now = Date.now();
      exits.push(now);
      while (exits.length > 0 && exits[0] < now - 60000) exits.shift();
      if (exits.length >= MAX_EXITS_PER_MINUTE) {
        stop('SIGTERM');
        reject(new Error(`API workers exited ${exits.length} times within a minute (the last: worker ${index}, ${signal ?? `code ${code}`}); see its log above`));
        return;
      }
      logger.error(`API worker ${index} (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}); starting another`);
      fork(index);
    });
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    for (let index = 0; index < count; index += 1) fork(index);
    logger.log(`${count} API workers started`);
  });
}

/** Whether this process is an API worker the primary forked, and whether it runs the projector. */
export function apiWorker(): { index: number; withProjector: boolean } | null {
  if (!cluster.isWorker) return null;
  return { index: Number(process.env[WORKER_ENV.index] ?? 0), withProjector: process.env[WORKER_ENV.projector] === '1' };
}

/**
 * In a worker: tells the other workers (through the primary) of commits and sequencing here, at most
 * once per kind and turn of the event loop, and acts on theirs. Outside a cluster, nothing.
 */
export function shareLedgerNews(hooks: {
  onAppended(listener: () => void): void;
  onSequenced(listener: () => void): void;
  /** Another worker committed events: wake the sequencer. */
  appended(): void;
  /** Another worker sequenced events: wake the publisher and the projector. */
  sequenced(): void;
}): void {
  if (!cluster.isWorker || !process.send) return;
  const pending = new Set<NewsKind>();
  const flush = (): void => {
    for (const what of pending) process.send?.({ type: NEWS, what } satisfies News);
    pending.clear();
  };
  const tell = (what: NewsKind): void => {
    if (pending.size === 0) setImmediate(flush);
    pending.add(what);
  };
  hooks.onAppended(() => tell('appended'));
  hooks.onSequenced(() => tell('sequenced'));
  process.on('message', (message: unknown) => {
    if (!isNews(message)) return;
    if (message.what === 'appended') hooks.appended();
    else hooks.sequenced();
  });
  // Without the primary no connection reaches this worker: stop as on a signal.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
