import { CanonicalizationError, canonicalize } from '@ledger/proof';
import { jsonFixturesUnder, readFixture } from './fixtures.js';

function doubleFromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

/** [1, <hole>, 3] */
function withHole(): unknown[] {
  const list: unknown[] = [1];
  list[2] = 3;
  return list;
}

describe('canonicalize (RFC 8785)', () => {
  const vectors = jsonFixturesUnder('rfc8785', 'input');

  it('has all six cyberphone vectors', () => {
    expect(vectors).toEqual(['arrays.json', 'french.json', 'structures.json', 'unicode.json', 'values.json', 'weird.json']);
  });

  it.each(vectors)('matches the published output for %s byte for byte', (name) => {
    const input: unknown = JSON.parse(readFixture('rfc8785', 'input', name).toString('utf8'));
    const expected = readFixture('rfc8785', 'output', name);
    expect(Buffer.from(canonicalize(input), 'utf8').equals(expected)).toBe(true);
  });

  // RFC 8785 Appendix B: IEEE 754 bit patterns and their required serialization.
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('serializes the double %s as %s', (bits, expected) => {
    expect(canonicalize(doubleFromBits(bits))).toBe(expected);
  });

  it('sorts member names by UTF-16 code units, not code points or locale', () => {
    // U+1F600 is stored as D83D DE00, which sorts before U+FB33 although its code point is larger.
    expect(canonicalize({ '\uFB33': 1, '\u{1F600}': 2, b: 3, B: 4, '\u00e9': 5 })).toBe('{"B":4,"b":3,"\u00e9":5,"\u{1F600}":2,"\uFB33":1}');
  });

  it('escapes only what RFC 8785 requires, in lowercase hex', () => {
    expect(canonicalize('\u0000\u0008\u0009\u000a\u000c\u000d\u001f"\\/\u007f\u2028é')).toBe(
      '"\\u0000\\b\\t\\n\\f\\r\\u001f\\"\\\\/\u007f\u2028é"',
    );
  });

  it('writes nested plain data, null-prototype objects and -0 canonically', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.z = [1, { y: null, x: false }];
    bare.a = -0;
    expect(canonicalize(bare)).toBe('{"a":0,"z":[1,{"x":false,"y":null}]}');
  });

  it.each<[string, unknown, string]>([
    ['undefined', undefined, ''],
    ['an undefined member', { a: { b: undefined } }, '/a/b'],
    ['an undefined array item', [1, undefined], '/1'],
    ['a function', { run: () => 1 }, '/run'],
    ['a symbol', Symbol('s'), ''],
    ['a bigint', { n: 10n }, '/n'],
    ['NaN', [Number.NaN], '/0'],
    ['Infinity', { x: Number.POSITIVE_INFINITY }, '/x'],
    ['-Infinity', Number.NEGATIVE_INFINITY, ''],
    ['a Date', { at: new Date(0) }, '/at'],
    ['a Map', new Map([['a', 1]]), ''],
    ['a class instance', { c: new (class Claim { id = 1 })() }, '/c'],
    ['a sparse array', { list: withHole() }, '/list/1'],
    ['a lone high surrogate', { name: 'a\ud800b' }, '/name'],
    ['a lone low surrogate in a member name', { 'x\udc00': 1 }, '/x\udc00'],
    ['symbol keys', { [Symbol('hidden')]: 1 }, ''],
    ['a member name with / and ~', { 'a/b~': Number.NaN }, '/a~1b~0'],
  ])('rejects %s with the path to it', (_label, value, path) => {
    let caught: unknown;
    try {
      canonicalize(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CanonicalizationError);
    expect((caught as CanonicalizationError).path).toBe(path);
  });

  it('rejects values that contain themselves', () => {
    const claim: Record<string, unknown> = { id: 'c-1' };
    claim.self = { claim };
    expect(() => canonicalize(claim)).toThrow(/refers to itself/);
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(canonicalize([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });
});
