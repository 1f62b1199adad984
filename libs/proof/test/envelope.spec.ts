import { createHash } from 'node:crypto';
import {
  canonicalEnvelope,
  checkEnvelope,
  eventLeafHash,
  hashEnvelope,
  isIsoMillis,
  isoMillis,
  leafHash,
  sealEnvelope,
  type LedgerEnvelope,
  type UnhashedEnvelope,
} from '@ledger/proof';

const sha256Hex = (text: string): string => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

interface TestimonyRecorded {
  readonly witness: { readonly pseudonym: string };
  readonly statement: string;
  readonly language: string;
}

const first: UnhashedEnvelope<TestimonyRecorded> = {
  streamId: 'claim-0f0c',
  streamType: 'claim',
  version: 1,
  eventId: '6f1d0c2e-4a55-4c1e-9a43-0c8a9f2f4d10',
  type: 'TestimonyRecorded',
  schemaVersion: 1,
  occurredAt: '2026-11-25T08:00:00.000Z',
  recordedAt: '2026-11-25T08:00:00.123Z',
  actor: { id: 'u-7f3a', role: 'documenter' },
  commandId: 'c0a8012e-0000-4000-8000-000000000001',
  correlationId: 'c0a8012e-0000-4000-8000-000000000002',
  causationId: 'c0a8012e-0000-4000-8000-000000000001',
  payload: { witness: { pseudonym: 'W-17' }, statement: 'سقطت القذيفة الثانية', language: 'ar' },
  prevHash: null,
};

// Written out by hand: members sorted by UTF-16 code units, no whitespace, and no seq or hash.
const FIRST_CANONICAL =
  '{"actor":{"id":"u-7f3a","role":"documenter"},"causationId":"c0a8012e-0000-4000-8000-000000000001",' +
  '"commandId":"c0a8012e-0000-4000-8000-000000000001","correlationId":"c0a8012e-0000-4000-8000-000000000002",' +
  '"eventId":"6f1d0c2e-4a55-4c1e-9a43-0c8a9f2f4d10","occurredAt":"2026-11-25T08:00:00.000Z",' +
  '"payload":{"language":"ar","statement":"سقطت القذيفة الثانية","witness":{"pseudonym":"W-17"}},' +
  '"prevHash":null,"recordedAt":"2026-11-25T08:00:00.123Z","schemaVersion":1,"streamId":"claim-0f0c",' +
  '"streamType":"claim","type":"TestimonyRecorded","version":1}';

describe('event envelopes', () => {
  it('canonicalizes the envelope without seq and hash, exactly', () => {
    expect(canonicalEnvelope(first)).toBe(FIRST_CANONICAL);
  });

  it('hashes the UTF-8 bytes of the canonical text as lowercase hex SHA-256', () => {
    expect(hashEnvelope(first)).toBe(sha256Hex(FIRST_CANONICAL));
    expect(hashEnvelope(first)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same hash for a sequenced envelope, and whatever the member order', () => {
    const sealed = sealEnvelope(first).envelope;
    const sequenced: LedgerEnvelope<TestimonyRecorded> = { seq: 17, ...sealed };
    expect(hashEnvelope(sequenced)).toBe(sealed.hash);
    const reordered = Object.fromEntries(Object.entries(sequenced).reverse()) as unknown as LedgerEnvelope<TestimonyRecorded>;
    expect(hashEnvelope(reordered)).toBe(sealed.hash);
  });

  it('seals an envelope with its hash and the text it hashed', () => {
    const { envelope, canonical } = sealEnvelope(first);
    expect(canonical).toBe(FIRST_CANONICAL);
    expect(envelope.hash).toBe(sha256Hex(FIRST_CANONICAL));
    expect(envelope.payload.statement).toBe(first.payload.statement);
    expect(checkEnvelope(envelope)).toBeNull();
    expect(checkEnvelope({ seq: 1, ...envelope })).toBeNull();
  });

  it('chains a second version to the first by prevHash', () => {
    const v1 = sealEnvelope(first).envelope;
    const v2 = sealEnvelope({ ...first, version: 2, eventId: 'e2', type: 'SourceAttached', prevHash: v1.hash }).envelope;
    expect(checkEnvelope(v2)).toBeNull();
    expect(v2.hash).not.toBe(v1.hash);
  });

  it('gives the Merkle leaf hash of an event from the raw bytes of its hash', () => {
    const { hash } = sealEnvelope(first).envelope;
    expect(Buffer.from(eventLeafHash(hash)).equals(Buffer.from(leafHash(Buffer.from(hash, 'hex'))))).toBe(true);
    expect(() => eventLeafHash(hash.toUpperCase())).toThrow(RangeError);
    expect(() => eventLeafHash(hash.slice(2))).toThrow(RangeError);
  });

  describe('checkEnvelope names what is wrong', () => {
    const sealed = sealEnvelope(first).envelope as unknown as Record<string, unknown>;
    const hash = sealed.hash as string;
    const v2 = { ...sealed, version: 2, prevHash: hash };

    it.each<[string, unknown, RegExp]>([
      ['a changed payload', { ...sealed, payload: { ...first.payload, statement: 'changed' } }, /hash is .* but the content hashes to/],
      ['a changed actor role', { ...sealed, actor: { id: 'u-7f3a', role: 'admin' } }, /content hashes to/],
      ['a changed recordedAt', { ...sealed, recordedAt: '2026-11-25T08:00:00.124Z' }, /content hashes to/],
      ['an extra member', { ...sealed, links: { self: '/claims/1' } }, /unexpected member "links"/],
      ['a missing member', { ...sealed, causationId: undefined }, /causationId/],
      ['a missing hash', { ...sealed, hash: undefined }, /hash must be/],
      ['an uppercase hash', { ...sealed, hash: hash.toUpperCase() }, /hash must be/],
      ['prevHash on version 1', { ...sealed, prevHash: hash }, /prevHash must be null/],
      ['no prevHash after version 1', { ...sealed, version: 2 }, /prevHash must be 64/],
      ['a version 2 whose hash was not recomputed', v2, /content hashes to/],
      ['a version of 0', { ...sealed, version: 0 }, /version/],
      ['a version as a string', { ...sealed, version: '1' }, /version/],
      ['a fractional schemaVersion', { ...sealed, schemaVersion: 1.5 }, /schemaVersion/],
      ['a seq of 0', { ...sealed, seq: 0 }, /seq/],
      ['a timestamp without milliseconds', { ...sealed, occurredAt: '2026-11-25T08:00:00Z' }, /occurredAt/],
      ['a timestamp with an offset', { ...sealed, recordedAt: '2026-11-25T08:00:00.123+00:00' }, /recordedAt/],
      ['an impossible date', { ...sealed, occurredAt: '2026-02-30T08:00:00.000Z' }, /occurredAt/],
      ['an actor with an extra member', { ...sealed, actor: { id: 'u', role: 'verifier', name: 'Alice' } }, /actor/],
      ['an empty streamId', { ...sealed, streamId: '' }, /streamId/],
      ['a payload that is an array', { ...sealed, payload: [] }, /payload/],
      ['a payload with a Date', { ...sealed, payload: { at: new Date(0) } }, /payload\/at/],
      ['something that is not an object', 'envelope', /JSON object/],
      ['null', null, /JSON object/],
    ])('%s', (_label, envelope, problem) => {
      expect(checkEnvelope(envelope)).toMatch(problem);
    });
  });

  it('refuses to canonicalize or hash a malformed envelope', () => {
    expect(() => canonicalEnvelope({ ...first, occurredAt: '2026-11-25' })).toThrow(/invalid envelope: occurredAt/);
    expect(() => hashEnvelope({ ...first, payload: { n: Number.NaN } })).toThrow(/payload\/n/);
    expect(() => sealEnvelope({ ...first, version: 2 })).toThrow(/prevHash/);
  });
});

describe('timestamps', () => {
  it('writes UTC with milliseconds', () => {
    expect(isoMillis(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(isoMillis(new Date(Date.UTC(2026, 10, 25, 8, 0, 0, 123)))).toBe('2026-11-25T08:00:00.123Z');
  });

  it('refuses dates it cannot write in that form', () => {
    expect(() => isoMillis(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => isoMillis(new Date(Date.UTC(10000, 0, 1)))).toThrow(RangeError);
    expect(() => isoMillis(new Date(Date.UTC(-1, 0, 1)))).toThrow(RangeError);
  });

  it.each([
    ['2026-11-25T08:00:00.000Z', true],
    ['2024-02-29T23:59:59.999Z', true],
    ['2023-02-29T00:00:00.000Z', false],
    ['2026-11-25T24:00:00.000Z', false],
    ['2026-11-25T08:00:00.0000Z', false],
    ['2026-11-25 08:00:00.000Z', false],
    ['2026-11-25T08:00:00.000z', false],
  ])('isIsoMillis(%s) is %s', (text, expected) => {
    expect(isIsoMillis(text)).toBe(expected);
  });
});
