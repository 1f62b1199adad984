/*
 * Finds the members of a JSON object in UTF-8 bytes without parsing their values, so that a very
 * long line (the `prov` line of a 10,000-claim bundle is ~50 MB) can be parsed one member at a
 * time. It only locates: every value it finds is then parsed strictly (I-JSON) on its own.
 */

export interface MemberSpan {
  readonly name: string;
  /** The value's bytes are [start, end). */
  readonly start: number;
  readonly end: number;
}

export class JsonScanError extends Error {
  override readonly name = 'JsonScanError';

  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * The members of the object starting at `at` (after optional whitespace), with the offset just
 * past its closing brace. `decodeName` turns a member name's bytes (quotes included) into text.
 */
export function scanObject(bytes: Uint8Array, at: number, decodeName: (bytes: Uint8Array) => string): { members: MemberSpan[]; end: number } {
  let i = skipSpace(bytes, at);
  if (bytes[i] !== OPEN_BRACE) throw new JsonScanError('expected an object', i);
  i = skipSpace(bytes, i + 1);
  const members: MemberSpan[] = [];
  if (bytes[i] === CLOSE_BRACE) return { members, end: i + 1 };
  for (;;) {
    if (bytes[i] !== QUOTE) throw new JsonScanError('expected a member name', i);
    const nameEnd = skipString(bytes, i);
    const name = decodeName(bytes.subarray(i, nameEnd));
    i = skipSpace(bytes, nameEnd);
    if (bytes[i] !== COLON) throw new JsonScanError("expected ':'", i);
    const start = skipSpace(bytes, i + 1);
    const end = skipValue(bytes, start);
    members.push({ name, start, end });
    i = skipSpace(bytes, end);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    if (bytes[i] === CLOSE_BRACE) return { members, end: i + 1 };
    throw new JsonScanError("expected ',' or '}'", i);
  }
}

export function skipSpace(bytes: Uint8Array, at: number): number {
  let i = at;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return i;
}

/** `at` is an opening quote; returns the offset just past the closing one. */
function skipString(bytes: Uint8Array, at: number): number {
  for (let i = at + 1; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === BACKSLASH) i++;
    else if (byte === QUOTE) return i + 1;
  }
  throw new JsonScanError('unterminated string', at);
}

function skipValue(bytes: Uint8Array, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return skipString(bytes, at);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = at; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte === QUOTE) i = skipString(bytes, i) - 1;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth === 0) return i + 1;
    }
    throw new JsonScanError('unterminated value', at);
  }
  let i = at;
  while (i < bytes.length && bytes[i] !== COMMA && bytes[i] !== CLOSE_BRACE && bytes[i] !== CLOSE_BRACKET && skipSpace(bytes, i) === i) i++;
  if (i === at) throw new JsonScanError('expected a value', at);
  return i;
}
