import { createHash, randomUUID } from 'node:crypto';
import {
  canonicalize,
  generateCheckpointKey,
  MemoryMerkleTree,
  openCheckpoint,
  parseVerifierKey,
  sealEnvelope,
  signCheckpoint,
  toHex,
  verifierKey,
  type JsonObject,
  type UnhashedEnvelope,
} from '@ledger/proof';
import { jsonFixturesUnder, readFixture } from '../../proof/test/fixtures.js';
import {
  CanonicalScanner,
  CopyBatch,
  leafHashInto,
  LedgerWalk,
  LOG_BATCH_COLUMNS,
  nodeHashInto,
  StoredNodes,
  type StoredCheckpoint,
} from './ledger-verifier.js';

/** The reference on stored bytes: what the scanner may only ever agree with. */
function isCanonical(text: string): boolean {
  const bytes = Buffer.from(text, 'utf8');
  try {
    return Buffer.from(canonicalize(JSON.parse(bytes.toString('utf8'))), 'utf8').equals(bytes);
  } catch {
    return false;
  }
}

/** Whether the scanner must leave `value`'s canonical form to the reference: a member name needs an escape, or two sibling names sort differently as UTF-8 bytes. */
function needsReference(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(needsReference);
  if (typeof value !== 'object' || value === null) return false;
  const names = Object.keys(value).sort();
  const escaped = names.some((name) => JSON.stringify(name) !== `"${name}"`);
  const multiByte = names.slice(1).some((name, i) => {
    const [a, b] = [Buffer.from(names[i]), Buffer.from(name)];
    const at = [...a].findIndex((byte, j) => byte !== b[j]);
    return at >= 0 && at < b.length && Buffer.compare(a, b) > 0;
  });
  return escaped || multiByte || Object.values(value).some(needsReference);
}

/** mulberry32: a seeded generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['a', 'b', 'Z', '0', '1', '10', '9', ' ', '"', '\\', '/', '\n', '\u0001', '\u001f', '\u007f', 'é', '€', '😂', 'دّ', '\u2028', '__proto__'];
const NUMBERS = [0, -0, 1, -1, 0.5, 1e21, 1e-7, 35.9, 123456789012, 5e-324, -1.7976931348623157e308, 333333333.3333333];

function randomValue(next: () => number, depth: number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const kind = depth > 3 ? Math.floor(next() * 4) : Math.floor(next() * 6);
  switch (kind) {
    case 0:
      return pick(NUMBERS);
    case 1:
      return Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(ALPHABET)).join('');
    case 2:
      return pick([true, false, null]);
    case 3:
      return pick(ALPHABET);
    case 4:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default: {
      const record: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 5); i > 0; i--) record[pick(ALPHABET) + pick(ALPHABET)] = randomValue(next, depth + 1);
      return record;
    }
  }
}

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * text.length);
  const insert = [' ', '\n', ',', '"', '\\', '0', '.0', 'e1', '-', '}', ']', '\\u0041', '\\/', '\\ud800', '\u0000', 'E+1'];
  switch (Math.floor(next() * 4)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + insert[Math.floor(next() * insert.length)] + text.slice(at);
    case 2: {
      const other = Math.floor(next() * text.length);
      const chars = [...text];
      [chars[at], chars[other]] = [chars[other], chars[at]];
      return chars.join('');
    }
    default:
      return text.slice(0, at) + text.slice(at, at + 8) + text.slice(at);
  }
}

describe('CanonicalScanner', () => {
  const scanner = new CanonicalScanner();
  /** Scans the UTF-8 bytes of `text`, as the walk scans stored bytes. */
  const scan = (text: string): boolean => scanner.scan(Buffer.from(text, 'utf8'));

  it.each(jsonFixturesUnder('rfc8785', 'output'))('accepts the published RFC 8785 output %s, or leaves it to the reference', (name) => {
    const text = readFixture('rfc8785', 'output', name).toString('utf8');
    // These two have escaped member names, which the scanner leaves to the reference on purpose.
    expect(scan(`{"v":${text}}`)).toBe(!['structures.json', 'weird.json'].includes(name));
    expect(isCanonical(text)).toBe(true);
  });

  it.each([
    ['{"a":1}', true],
    ['{"a":"line\\nbreak \\"quoted\\" back\\\\slash \\u001f \\u0000"}', true],
    ['{"a":[1e+21,1e-7,-5e-324,0.5,[],{}],"b":{"c":null,"d":true,"e":false}}', true],
    ['{"a":"😂 دّ €"}', true],
    ['{"10":1,"9":2}', true],
    ['{"a":1 }', false],
    ['{ "a":1}', false],
    ['{"b":1,"a":2}', false],
    ['{"a":1,"a":1}', false],
    ['{"9":2,"10":1}', false],
    ['{"a":1.0}', false],
    ['{"a":-0}', false],
    ['{"a":1e21}', false],
    ['{"a":1E+21}', false],
    ['{"a":01}', false],
    ['{"a":+1}', false],
    ['{"a":"\\u0041"}', false],
    ['{"a":"\\/"}', false],
    ['{"a":"\\u001F"}', false],
    ['{"a":"\\u000a"}', false],
    ['{"a":"\\ud800"}', false],
    ['{"a":"\u0001"}', false],
    ['{"a":1}x', false],
    ['{"a":1', false],
    ['{"a":"1}', false],
    ['{"a":tru}', false],
  ])('scans %s as canonical: %s', (text, expected) => {
    expect(scan(text)).toBe(expected);
    expect(isCanonical(text)).toBe(expected);
  });

  it('orders names by UTF-16 code units where bytes would not, by leaving them to the reference', () => {
    // U+1F602 is D83D DE02 in UTF-16, before U+E000; in UTF-8 it is F0.., after EE...
    expect([scan('{"😂":2,"\ue000":1}'), isCanonical('{"😂":2,"\ue000":1}')]).toEqual([false, true]);
    expect([scan('{"\ue000":1,"😂":2}'), isCanonical('{"\ue000":1,"😂":2}')]).toEqual([false, false]);
    expect([scan('{"z":1,"é":2}'), isCanonical('{"z":1,"é":2}')]).toEqual([true, true]);
    expect([scan('{"é":2,"z":1}'), isCanonical('{"é":2,"z":1}')]).toEqual([false, false]);
  });

  it('leaves a top-level array to the reference: envelopes are objects', () => {
    expect(scan('[1]')).toBe(false);
    expect(isCanonical('[1]')).toBe(true);
  });

  it('accepts what canonicalize writes, unless it must leave the names to the reference', () => {
    const next = random(7);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const value = randomValue(next, 0);
      const text = canonicalize({ v: value });
      const deferred = needsReference(value);
      expect({ text, accepted: scan(text) }).toEqual({ text, accepted: !deferred });
      if (!deferred) accepted++;
    }
    expect(accepted).toBeGreaterThan(1000);
  });

  it('never accepts a text the reference does not reproduce (random mutations of canonical texts)', () => {
    const next = random(11);
    let refused = 0;
    for (let i = 0; i < 20000; i++) {
      const text = mutate(canonicalize({ v: randomValue(next, 0) }), next);
      if (scan(text)) expect({ text, canonical: isCanonical(text) }).toEqual({ text, canonical: true });
      else refused++;
    }
    expect(refused).toBeGreaterThan(5000);
  });

  it('hands back the top-level members in order, strings and scalars decoded', () => {
    const text = '{"a":"x\\ty","b":[1],"c":{"d":1},"e":null,"f":-1.5,"g":true}';
    expect(scan(text)).toBe(true);
    const members = Array.from({ length: scanner.count }, (_, i) => [scanner.name(i), scanner.value(i)]);
    expect(members.map(([name]) => name)).toEqual(['a', 'b', 'c', 'e', 'f', 'g']);
    expect([members[0][1], members[3][1], members[4][1], members[5][1]]).toEqual(['x\ty', null, -1.5, true]);
    expect([Array.isArray(members[1][1]), typeof members[2][1]]).toEqual([true, 'object']);
    expect([scanner.hasName(1, 'b'), scanner.hasName(1, 'bb'), scanner.hasName(1, 'a')]).toEqual([true, false, false]);
  });
});

/** One log row as the batch query returns it (see LOG_BATCH_COLUMNS). */
interface LoggedEvent {
  seq: number;
  eventId: string;
  logStreamId: string | null;
  logVersion: number | null;
  leafHash: Uint8Array;
  streamId: string | null;
  streamType: string | null;
  version: number | null;
  type: string | null;
  commandId: string | null;
  prevHash: string | null;
  hash: string | null;
  canonical: Uint8Array | null;
}

/** Encodes rows in PostgreSQL's binary COPY format, as `COPY ... TO STDOUT (FORMAT binary)` sends them. */
function copyBatch(events: readonly LoggedEvent[]): CopyBatch {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  const int = (bytes: number, value: number): Buffer => {
    const buffer = Buffer.alloc(bytes);
    if (bytes === 8) buffer.writeBigInt64BE(BigInt(value));
    else buffer.writeInt32BE(value);
    return buffer;
  };
  const field = (value: Buffer | null): void => {
    parts.push(int(4, value === null ? -1 : value.length));
    if (value !== null) parts.push(value);
  };
  const text = (value: string | null): Buffer | null => (value === null ? null : Buffer.from(value, 'utf8'));
  for (const e of events) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(LOG_BATCH_COLUMNS.length);
    parts.push(count);
    field(int(8, e.seq));
    field(text(e.eventId));
    field(text(e.logStreamId));
    field(e.logVersion === null ? null : int(4, e.logVersion));
    field(Buffer.from(e.leafHash));
    field(text(e.streamId));
    field(text(e.streamType));
    field(e.version === null ? null : int(4, e.version));
    field(text(e.type));
    field(text(e.commandId));
    field(text(e.prevHash));
    field(text(e.hash));
    field(e.canonical === null ? null : Buffer.from(e.canonical));
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return new CopyBatch(Buffer.concat(parts), LOG_BATCH_COLUMNS.length);
}

interface MemoryLedger {
  events: LoggedEvent[];
  tree: MemoryMerkleTree;
  checkpoints: StoredCheckpoint[];
  key: string;
  sign(size: number, root: Uint8Array): string;
}

const ORIGIN = 'test.ledger/walk';

/** A ledger built in memory the way the sequencer builds it: streams interleaved, a checkpoint every `every` events. */
function memoryLedger(streams: number, perStream: number, every: number): MemoryLedger {
  const { privateKey } = generateCheckpointKey();
  const heads = new Map<string, { version: number; hash: string | null }>();
  const ids = Array.from({ length: streams }, () => `claim-${randomUUID()}`);
  const tree = new MemoryMerkleTree();
  const events: LoggedEvent[] = [];
  const checkpoints: StoredCheckpoint[] = [];
  const sign = (size: number, root: Uint8Array): string => signCheckpoint(ORIGIN, size, root, privateKey);
  for (let round = 0; round < perStream; round++) {
    for (const streamId of ids) {
      const head = heads.get(streamId) ?? { version: 0, hash: null };
      const commandId = randomUUID();
      const envelope: UnhashedEnvelope<JsonObject> = {
        streamId,
        streamType: 'claim',
        version: head.version + 1,
        eventId: randomUUID(),
        type: round === 0 ? 'ClaimFiled' : 'SourceAttached',
        schemaVersion: 1,
        occurredAt: '2026-11-25T08:00:00.000Z',
        recordedAt: '2026-11-25T08:00:00.123Z',
        actor: { id: 'u-7f3a', role: 'documenter' },
        commandId,
        correlationId: commandId,
        causationId: commandId,
        payload: { round, name: { arabic: 'أحمد الحسين', latin: 'Ahmad "al" Hussein\n' }, lat: 35.9 },
        prevHash: head.hash,
      };
      const sealed = sealEnvelope(envelope);
      const size = tree.appendLeafInputs([Buffer.from(sealed.envelope.hash, 'hex')]);
      events.push({
        seq: size,
        eventId: envelope.eventId,
        logStreamId: null,
        logVersion: null,
        leafHash: tree.leafHash(size - 1),
        streamId,
        streamType: 'claim',
        version: envelope.version,
        type: envelope.type,
        commandId,
        prevHash: head.hash,
        hash: sealed.envelope.hash,
        canonical: Buffer.from(sealed.canonical, 'utf8'),
      });
      heads.set(streamId, { version: envelope.version, hash: sealed.envelope.hash });
      if (size % every === 0) checkpoints.push({ size, root: tree.root(), note: sign(size, tree.root()) });
    }
  }
  return { events, tree, checkpoints, key: verifierKey(ORIGIN, privateKey), sign };
}

/** merkle_nodes rows the way the verifier's query returns them for a batch growing the tree from `from` to `to`. */
function nodesBetween(tree: MemoryMerkleTree, from: number, to: number): StoredNodes {
  const rows: Array<{ level: number; index: number; hash: Uint8Array }> = [];
  for (let level = 0; 2 ** level <= to; level++) {
    for (let index = Math.floor(from / 2 ** level); index < Math.floor(to / 2 ** level); index++) {
      const hash = tree.node(level, index);
      if (hash) rows.push({ level, index, hash });
    }
  }
  return StoredNodes.fromNodes(from, rows);
}

/** Feeds the walk in batches as the reader does, stopping at the first failure. */
function walkAll(ledger: MemoryLedger, batch: number, external: string | null = null, tree = ledger.tree) {
  const key = parseVerifierKey(ledger.key);
  const walk = new LedgerWalk(key, external === null ? null : openCheckpoint(external, key), true);
  let failure = walk.walk(null, StoredNodes.fromNodes(0, []), ledger.checkpoints.filter((c) => c.size === 0));
  for (let start = 0; failure === null && start < ledger.events.length; start += batch) {
    const events = ledger.events.slice(start, start + batch);
    const to = events[events.length - 1].seq;
    const checkpoints = ledger.checkpoints.filter((c) => c.size > start && c.size <= to);
    failure = walk.walk(copyBatch(events), nodesBetween(tree, start, to), checkpoints);
  }
  return failure ?? walk.verdict();
}

function replaceEvent(ledger: MemoryLedger, index: number, change: (event: LoggedEvent) => Partial<LoggedEvent>): void {
  ledger.events[index] = { ...ledger.events[index], ...change(ledger.events[index]) };
}

describe('LedgerWalk', () => {
  it('verifies a clean ledger the same whatever the batch size', () => {
    const ledger = memoryLedger(7, 9, 10);
    const expected = {
      ok: true,
      events: 63,
      streams: 7,
      checkpoints: 6,
      size: 63,
      root: toHex(ledger.tree.root()),
    };
    for (const batch of [1, 2, 7, 10, 64]) expect(walkAll(ledger, batch)).toMatchObject(expected);
  });

  it('follows thousands of streams (the stream table grows and rehashes) and still names a broken link', () => {
    const ledger = memoryLedger(2500, 3, 1000);
    expect(walkAll(ledger, 1000)).toMatchObject({ ok: true, events: 7500, streams: 2500, root: toHex(ledger.tree.root()) });
    // The last stream's third version (seq 7500) names its first version's hash as its predecessor.
    const first = ledger.events[2499];
    replaceEvent(ledger, 7499, (event) => {
      const envelope = JSON.parse(Buffer.from(event.canonical as Uint8Array).toString('utf8')) as JsonObject;
      const canonical = Buffer.from(canonicalize({ ...envelope, prevHash: first.hash }), 'utf8');
      return { canonical, prevHash: first.hash, hash: createHash('sha256').update(canonical).digest('hex') };
    });
    expect(walkAll(ledger, 1000)).toMatchObject({
      ok: false,
      seq: 7500,
      streamId: first.streamId,
      version: 3,
      problem: 'chain-broken',
      expected: `prevHash ${ledger.events[4999].hash}`,
      actual: `prevHash ${first.hash}`,
    });
  });

  it('names a stream version that comes before its predecessor', () => {
    const ledger = memoryLedger(3, 3, 100);
    // seq 4 is stream 0 version 2, seq 7 its version 3: swap them in the log (each keeps its own leaf).
    [ledger.events[3], ledger.events[6]] = [{ ...ledger.events[6], seq: 4 }, { ...ledger.events[3], seq: 7 }];
    expect(walkAll(ledger, 5)).toMatchObject({
      ok: false,
      seq: 4,
      version: 3,
      problem: 'version-order',
      expected: 'version 2',
      actual: 'version 3',
    });
  });

  it('refuses a text that hashes right but is not canonical', () => {
    const ledger = memoryLedger(2, 2, 100);
    replaceEvent(ledger, 2, (event) => {
      const canonical = Buffer.from(Buffer.from(event.canonical as Uint8Array).toString('utf8').replace('{"actor"', '{ "actor"'), 'utf8');
      return { canonical, hash: createHash('sha256').update(canonical).digest('hex') };
    });
    expect(walkAll(ledger, 10)).toMatchObject({ ok: false, seq: 3, problem: 'not-canonical' });
  });

  it('refuses an envelope whose columns say something else', () => {
    const ledger = memoryLedger(2, 2, 100);
    replaceEvent(ledger, 1, () => ({ type: 'ClaimRetracted' }));
    expect(walkAll(ledger, 10)).toMatchObject({
      ok: false,
      seq: 2,
      problem: 'envelope-mismatch',
      expected: `type "ClaimFiled" (the envelope's type)`,
      actual: 'type "ClaimRetracted"',
    });
  });

  it('refuses a checkpoint row whose signed note commits to another size', () => {
    const ledger = memoryLedger(2, 5, 4);
    ledger.checkpoints[1] = { ...ledger.checkpoints[1], note: ledger.checkpoints[0].note };
    expect(walkAll(ledger, 3)).toMatchObject({ ok: false, seq: 8, problem: 'checkpoint-mismatch' });
  });

  it('checks the ledger against a checkpoint kept elsewhere, at its size', () => {
    const ledger = memoryLedger(3, 4, 100);
    const kept = ledger.sign(5, ledger.tree.root(5));
    expect(walkAll(ledger, 4, kept)).toMatchObject({ ok: true, externalCheckpoint: { size: 5, root: toHex(ledger.tree.root(5)) } });
    const forged = ledger.sign(5, ledger.tree.root(6));
    expect(walkAll(ledger, 4, forged)).toMatchObject({
      ok: false,
      seq: 5,
      problem: 'external-checkpoint-mismatch',
      expected: toHex(ledger.tree.root(5)),
      actual: toHex(ledger.tree.root(6)),
    });
  });

  it('names the first seq whose stored Merkle node is not the recomputed one', () => {
    const ledger = memoryLedger(2, 4, 100);
    // A tree whose level-1 node over leaves 4 and 5 (seq 5, 6) is wrong.
    const stored = new MemoryMerkleTree();
    stored.appendLeafHashes(ledger.events.map((e) => e.leafHash));
    const wrong = { node: (level: number, index: number) => (level === 1 && index === 2 ? new Uint8Array(32) : stored.node(level, index)) };
    expect(walkAll(ledger, 3, null, wrong as MemoryMerkleTree)).toMatchObject({ ok: false, seq: 6, problem: 'merkle-node-mismatch' });
  });
});

describe('leafHashInto and nodeHashInto', () => {
  it('are SHA-256 of 0x00 || leaf and 0x01 || left || right, in place too', () => {
    const next = random(42);
    for (let round = 0; round < 200; round++) {
      const bytes = Uint8Array.from({ length: 100 }, () => Math.floor(next() * 256));
      const out = new Uint8Array(40);
      leafHashInto(bytes, 3, out, 5);
      expect(toHex(out.subarray(5, 37))).toBe(createHash('sha256').update(Buffer.from([0])).update(bytes.subarray(3, 35)).digest('hex'));
      nodeHashInto(bytes, 1, bytes, 60, out, 2);
      const node = createHash('sha256').update(Buffer.from([1])).update(bytes.subarray(1, 33)).update(bytes.subarray(60, 92)).digest('hex');
      expect(toHex(out.subarray(2, 34))).toBe(node);
      // Written over its own left input, as the tree's frontier does.
      nodeHashInto(bytes, 1, bytes, 60, bytes, 1);
      expect(toHex(bytes.subarray(1, 33))).toBe(node);
    }
  });
});
