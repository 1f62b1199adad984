import { parseEnvelope, type HashedEnvelope } from './envelope.js';

/** A committed event of a stream as the store reads it. */
export interface StoredRow {
  readonly canonical: string;
  readonly hash: string;
  readonly version: number;
}

interface CachedStream {
  readonly rows: StoredRow[];
  bytes: number;
  /** The first rows parsed and frozen, as far as a read has needed them. */
  readonly events: HashedEnvelope[];
}

/** What was cached of a stream when a command looked: its first `rows`, from version 1. */
export interface CachedPrefix {
  readonly rows: readonly StoredRow[];
  /** Those rows parsed (shared between commands, so frozen). */
  events(): HashedEnvelope[];
}

/**
 * The streams this process read or wrote last, least recently used out first once their
 * canonical texts pass `maxBytes`. Committed events never change, so a command that has locked
 * a stream reads only the versions after its cached prefix; a stream another process appended to
 * is simply read further. Parsed events are shared and frozen: a decide that mutated one throws.
 */
export class StreamCache {
  private readonly streams = new Map<string, CachedStream>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The stream's cached prefix as it is now (later appends or eviction do not change it), or null. */
  prefix(streamId: string): CachedPrefix | null {
    const stream = this.streams.get(streamId);
    if (!stream) return null;
    this.streams.delete(streamId);
    this.streams.set(streamId, stream);
    const rows = stream.rows.slice();
    return {
      rows,
      events: () => {
        for (let i = stream.events.length; i < rows.length; i += 1) stream.events.push(deepFreeze(parseEnvelope(rows[i].canonical)));
        return stream.events.slice(0, rows.length);
      },
    };
  }

  /** Records a stream's committed rows, all of them from version 1 on; what is cached already is kept. */
  remember(streamId: string, rows: readonly StoredRow[]): void {
    if (rows.length === 0 || !rows.every((row, i) => row.version === i + 1)) return;
    const stream = this.streams.get(streamId) ?? { rows: [], bytes: 0, events: [] };
    this.streams.delete(streamId);
    const added = rows.slice(stream.rows.length);
    const bytes = added.reduce((sum, row) => sum + row.canonical.length, 0);
    stream.rows.push(...added);
    stream.bytes += bytes;
    this.bytes += bytes;
    this.streams.set(streamId, stream);
    for (const [id, oldest] of this.streams) {
      if (this.bytes <= this.maxBytes) break;
      this.streams.delete(id);
      this.bytes -= oldest.bytes;
    }
  }

  /** Streams held now. */
  get size(): number {
    return this.streams.size;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
