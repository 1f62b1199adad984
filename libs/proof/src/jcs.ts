import { isPlainObject, loneSurrogateIndex } from './encoding.js';

export type JsonValue = null | boolean | number | string | JsonArray | JsonObject;
export type JsonArray = readonly JsonValue[];
export interface JsonObject {
  readonly [member: string]: JsonValue;
}

/** Thrown when a value has no RFC 8785 form; `path` points at the offending value. */
export class CanonicalizationError extends Error {
  override readonly name = 'CanonicalizationError';

  constructor(
    message: string,
    readonly path: string,
  ) {
    super(path === '' ? message : `${message} at ${path}`);
  }
}

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialization of plain JSON data. Anything JSON.stringify
 * would silently drop or rewrite (undefined, functions, Dates, Maps, class instances, NaN) is
 * rejected instead, because a hash over a quietly altered value proves nothing.
 */
export function canonicalize(value: unknown): string {
  return serialize(value, [], []);
}

/**
 * Where the serializer is, as JSON Pointer segments: the path string is only built for an error,
 * so canonicalizing a ledger batch (thousands of envelopes) builds none.
 */
type Segments = Array<string | number>;

function pathOf(segments: Segments): string {
  return segments.map((s) => `/${typeof s === 'number' ? s : escapePointerSegment(s)}`).join('');
}

function serialize(value: unknown, at: Segments, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, at);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalizationError(`${String(value)} is not a JSON number`, pathOf(at));
      }
      // ECMAScript Number::toString, which RFC 8785 §3.2.2.3 adopts; String(-0) is "0".
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return serializeContainer(value, at, ancestors);
    default:
      throw new CanonicalizationError(`a ${typeof value} has no JSON form`, pathOf(at));
  }
}

function serializeString(text: string, at: Segments): string {
  const lone = loneSurrogateIndex(text);
  if (lone >= 0) {
    throw new CanonicalizationError(`string holds an unpaired surrogate at index ${lone}`, pathOf(at));
  }
  // For well-formed strings JSON.stringify escapes exactly what RFC 8785 §3.2.2.2 requires.
  return JSON.stringify(text);
}

function serializeContainer(value: object, at: Segments, ancestors: object[]): string {
  if (ancestors.includes(value)) {
    throw new CanonicalizationError('value refers to itself', pathOf(at));
  }
  ancestors.push(value);
  const text = Array.isArray(value)
    ? serializeArray(value, at, ancestors)
    : serializeObject(value, at, ancestors);
  ancestors.pop();
  return text;
}

function serializeArray(items: readonly unknown[], at: Segments, ancestors: object[]): string {
  const parts: string[] = [];
  for (let i = 0; i < items.length; i++) {
    at.push(i);
    if (!(i in items)) throw new CanonicalizationError('array has a hole', pathOf(at));
    parts.push(serialize(items[i], at, ancestors));
    at.pop();
  }
  return `[${parts.join(',')}]`;
}

function serializeObject(value: object, at: Segments, ancestors: object[]): string {
  if (!isPlainObject(value)) {
    const kind = value.constructor?.name ?? 'object';
    throw new CanonicalizationError(`a ${kind} is not a plain JSON object`, pathOf(at));
  }
  if (Object.getOwnPropertySymbols(value).length > 0) {
    throw new CanonicalizationError('object has symbol keys', pathOf(at));
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is the order RFC 8785 §3.2.3 prescribes.
  const names = Object.keys(record).sort();
  const parts: string[] = [];
  for (const name of names) {
    at.push(name);
    parts.push(`${serializeString(name, at)}:${serialize(record[name], at, ancestors)}`);
    at.pop();
  }
  return `{${parts.join(',')}}`;
}

/** RFC 6901 escaping of one JSON Pointer segment. */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
