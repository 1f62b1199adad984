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
  return serialize(value, '', []);
}

function serialize(value: unknown, path: string, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalizationError(`${String(value)} is not a JSON number`, path);
      }
      // ECMAScript Number::toString, which RFC 8785 §3.2.2.3 adopts; String(-0) is "0".
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return serializeContainer(value, path, ancestors);
    default:
      throw new CanonicalizationError(`a ${typeof value} has no JSON form`, path);
  }
}

function serializeString(text: string, path: string): string {
  const lone = loneSurrogateIndex(text);
  if (lone >= 0) {
    throw new CanonicalizationError(`string holds an unpaired surrogate at index ${lone}`, path);
  }
  // For well-formed strings JSON.stringify escapes exactly what RFC 8785 §3.2.2.2 requires.
  return JSON.stringify(text);
}

function serializeContainer(value: object, path: string, ancestors: object[]): string {
  if (ancestors.includes(value)) {
    throw new CanonicalizationError('value refers to itself', path);
  }
  ancestors.push(value);
  const text = Array.isArray(value)
    ? serializeArray(value, path, ancestors)
    : serializeObject(value, path, ancestors);
  ancestors.pop();
  return text;
}

function serializeArray(items: readonly unknown[], path: string, ancestors: object[]): string {
  const parts: string[] = [];
  for (let i = 0; i < items.length; i++) {
    if (!(i in items)) throw new CanonicalizationError('array has a hole', `${path}/${i}`);
    parts.push(serialize(items[i], `${path}/${i}`, ancestors));
  }
  return `[${parts.join(',')}]`;
}

function serializeObject(value: object, path: string, ancestors: object[]): string {
  if (!isPlainObject(value)) {
    const kind = value.constructor?.name ?? 'object';
    throw new CanonicalizationError(`a ${kind} is not a plain JSON object`, path);
  }
  if (Object.getOwnPropertySymbols(value).length > 0) {
    throw new CanonicalizationError('object has symbol keys', path);
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is the order RFC 8785 §3.2.3 prescribes.
  const names = Object.keys(record).sort();
  const parts: string[] = [];
  for (const name of names) {
    const memberPath = `${path}/${escapePointerSegment(name)}`;
    parts.push(`${serializeString(name, memberPath)}:${serialize(record[name], memberPath, ancestors)}`);
  }
  return `{${parts.join(',')}}`;
}

/** RFC 6901 escaping of one JSON Pointer segment. */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
