import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}

const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'
const PROTOCOL_3 = 196608;

/**
 * PGlite is one session; the connections of a pool take turns on it. pglite-socket's own queue
 * (0.2.x) hands the session over between single protocol messages, so two connections' extended
 * queries (Parse, Bind, Execute... Sync) interleave and break each other ("unnamed prepared
 * statement does not exist"). Here a connection keeps the session until its batch ends (Sync, or
 * a simple Query) outside a transaction, and for the whole of a transaction; the others' messages
 * wait their turn.
 */
export class PGliteSessionQueue {
  private readonly queue: QueuedMessage[] = [];
  private processing = false;
  /** The connection the session belongs to until its batch or transaction ends. */
  private owner: number | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  /** A connection went away: its waiting messages are dropped. */
  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].handlerId === handlerId) this.queue.splice(i, 1)[0].reject(new Error('connection closed'));
    }
  }

  /** ...and a transaction it left open is rolled back, so that the others can go on. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = null;
    void this.process();
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const index = this.owner === null ? 0 : this.queue.findIndex((m) => m.handlerId === this.owner);
        // The owner's next message has not arrived yet: everyone else waits for it.
        if (index === -1) break;
        const [next] = this.queue.splice(index, 1);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(next.message, {
              onRawData: (data) => {
                bytes += data.length;
                next.onData(data);
              },
            }),
          );
        } catch (error) {
          this.owner = this.db.isInTransaction() ? next.handlerId : null;
          next.reject(error instanceof Error ? error : new Error(String(error)));
          continue;
        }
        this.owner = this.db.isInTransaction() || !endsBatch(next.message) ? next.handlerId : null;
        next.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }
}

function endsBatch(message: Uint8Array): boolean {
  const type = message[0];
  if (type === SYNC || type === QUERY || type === TERMINATE) return true;
  // The startup message has no type byte: length, then the protocol version.
  return message.length >= 8 && Buffer.from(message.buffer, message.byteOffset, message.byteLength).readInt32BE(4) === PROTOCOL_3;
}

/** A PostgreSQL wire-protocol server for one PGlite, on a Unix socket path or loopback TCP. */
export class PGliteServer {
  private readonly queue: PGliteSessionQueue;
  private readonly handlers = new Set<PGLiteSocketHandler>();
  private server: Server | null = null;

  constructor(
    db: PGlite,
    private readonly maxConnections: number,
  ) {
    this.queue = new PGliteSessionQueue(db);
  }

  /** Listens on `path` (a Unix socket) or, without one, on 127.0.0.1 at a free port; returns where. */
  async listen(path?: string): Promise<string> {
    const server = createServer((socket) => void this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (path) server.listen(path, resolve);
      else server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    return typeof address === 'string' ? address : `127.0.0.1:${address?.port}`;
  }

  async close(): Promise<void> {
    for (const handler of this.handlers) await handler.detach(true).catch(() => undefined);
    this.handlers.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async accept(socket: Socket): Promise<void> {
    if (this.handlers.size >= this.maxConnections) {
      socket.end();
      return;
    }
    // The handler takes any object with the queue's four methods.
    const handler = new PGLiteSocketHandler({ queryQueue: this.queue as never, closeOnDetach: true });
    this.handlers.add(handler);
    const forget = (): void => void this.handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    try {
      await handler.attach(socket);
    } catch {
      forget();
      socket.destroy();
    }
  }
}
