import { parseIJsonUtf8 } from '@ledger/proof';
import { JsonScanError, scanObject } from '../src/json-scan.js';

const decode = (bytes: Uint8Array): string => parseIJsonUtf8(bytes) as string;

function members(text: string): Array<[string, unknown]> {
  const bytes = Buffer.from(text, 'utf8');
  const { members: found, end } = scanObject(bytes, 0, decode);
  expect(end).toBe(bytes.length);
  return found.map(({ name, start, end: stop }) => [name, parseIJsonUtf8(bytes.subarray(start, stop))]);
}

describe('scanObject', () => {
  it('finds each member of an object without parsing it, whatever the values hold', () => {
    const value = { a: 'x "}]{[ \\ y', 'b\u00e9\u2014': [1, { c: [true, null, -1.5e3] }], d: {}, e: [], f: false, g: 0, h: 'أحمد' };
    expect(members(JSON.stringify(value))).toEqual(Object.entries(value));
    expect(members(JSON.stringify(value, null, 2))).toEqual(Object.entries(value));
    expect(members('{}')).toEqual([]);
    expect(members(' { "a" : 1 , "a" : 2 } '.trim())).toEqual([
      ['a', 1],
      ['a', 2],
    ]);
  });

  it('refuses what is no object or is cut short', () => {
    for (const text of ['[1]', '{"a":1', '{"a" 1}', '{"a":"x}', '{"a":{"b":[1}', '{a:1}', '{"a":}', '{"a":1,}']) {
      expect(() => scanObject(Buffer.from(text), 0, decode)).toThrow(JsonScanError);
    }
  });
});
