import {
  AGE_GROUPS,
  CAUSES,
  CIVILIAN_STATUSES,
  DATE_PRECISIONS,
  PLACE_PRECISIONS,
  PROTECTED_ROLES,
  RELIABILITIES,
  SEXES,
  SOURCE_CONNECTIONS,
  SOURCE_TYPES,
  type FieldProblem,
} from '@ledger/domain';

/**
 * How a casualty list's columns become claims (docs/IMPORT.md): for each member of the claim and
 * of the source attached to it, a column (with value maps) or a constant.
 */
export interface FieldSpec {
  /** The column the value is read from (a header name, or a name from `columns`). */
  column?: string;
  /** A constant, for every row. */
  value?: string | number;
  /** Cell text (compared trimmed, whitespace collapsed, case-insensitively) -> value; null = absent. */
  values?: Record<string, string | number | null>;
  /** The value when the cell is empty or means "not given" (`empty`, `emptyPattern`); null = absent. */
  default?: string | number | null;
  /** The value when the cell is given but not in `values`; null = absent. Without it such a row is rejected. */
  otherwise?: string | number | null;
  /** Cell texts that mean "not given", e.g. "0000-00-00". */
  empty?: string[];
  /** A regular expression (case-insensitive, whole cell) for cell texts that mean "not given". */
  emptyPattern?: string;
}

export const CLAIM_TARGETS = [
  'victim.name.arabic',
  'victim.name.latin',
  'victim.name.given',
  'victim.name.father',
  'victim.name.family',
  'victim.name.alias',
  'victim.sex',
  'victim.age',
  'victim.ageGroup',
  'victim.civilianStatus',
  'victim.protectedRole',
  'death.date',
  'death.from',
  'death.to',
  'death.precision',
  'place.governorate',
  'place.district',
  'place.locality',
  'place.lat',
  'place.lon',
  'place.precision',
  'cause',
  'perpetrator',
] as const;
export const SOURCE_TARGETS = ['type', 'publisher', 'url', 'archivedUrl', 'retrievedAt', 'connection', 'reliability'] as const;

export type ClaimTarget = (typeof CLAIM_TARGETS)[number];
export type SourceTarget = (typeof SOURCE_TARGETS)[number];

export interface ImportMapping {
  description?: string;
  /** One character; default ",". */
  delimiter?: string;
  /** Whether the first record names the columns (default true). */
  header?: boolean;
  /** With a header: the names it must have; without one: the names of the positions. */
  columns?: string[];
  claim: Partial<Record<ClaimTarget, FieldSpec | string>>;
  source: Partial<Record<SourceTarget, FieldSpec | string>>;
}

/** What a value must be, for each target: checked on constants when the mapping is read, on cells per row. */
export type ValueKind =
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'text'; max: number }
  | { kind: 'age' }
  | { kind: 'date' }
  | { kind: 'day' }
  | { kind: 'latitude' }
  | { kind: 'longitude' }
  | { kind: 'code' }
  | { kind: 'url' }
  | { kind: 'instant' };

const NAME_PART: ValueKind = { kind: 'text', max: 200 };

export const CLAIM_KINDS: Readonly<Record<ClaimTarget, ValueKind>> = {
  'victim.name.arabic': NAME_PART,
  'victim.name.latin': NAME_PART,
  'victim.name.given': NAME_PART,
  'victim.name.father': NAME_PART,
  'victim.name.family': NAME_PART,
  'victim.name.alias': NAME_PART,
  'victim.sex': { kind: 'enum', values: SEXES },
  'victim.age': { kind: 'age' },
  'victim.ageGroup': { kind: 'enum', values: AGE_GROUPS },
  'victim.civilianStatus': { kind: 'enum', values: CIVILIAN_STATUSES },
  'victim.protectedRole': { kind: 'enum', values: PROTECTED_ROLES },
  'death.date': { kind: 'date' },
  'death.from': { kind: 'day' },
  'death.to': { kind: 'day' },
  'death.precision': { kind: 'enum', values: DATE_PRECISIONS },
  'place.governorate': NAME_PART,
  'place.district': NAME_PART,
  'place.locality': NAME_PART,
  'place.lat': { kind: 'latitude' },
  'place.lon': { kind: 'longitude' },
  'place.precision': { kind: 'enum', values: PLACE_PRECISIONS },
  cause: { kind: 'enum', values: CAUSES },
  perpetrator: { kind: 'code' },
};

export const SOURCE_KINDS: Readonly<Record<SourceTarget, ValueKind>> = {
  type: { kind: 'enum', values: SOURCE_TYPES },
  publisher: { kind: 'text', max: 300 },
  url: { kind: 'url' },
  archivedUrl: { kind: 'url' },
  retrievedAt: { kind: 'instant' },
  connection: { kind: 'enum', values: SOURCE_CONNECTIONS },
  reliability: { kind: 'enum', values: RELIABILITIES },
};

/** A mapping file that cannot be used: every problem, with its JSON Pointer into the file. */
export class MappingError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(`the mapping cannot be used:\n${problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n')}`);
    this.name = 'MappingError';
  }
}

const SPEC_MEMBERS = new Set(['column', 'value', 'values', 'default', 'otherwise', 'empty', 'emptyPattern']);
const TOP_MEMBERS = new Set(['description', 'delimiter', 'header', 'columns', 'claim', 'source', '$comment']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a mapping (parsed JSON) and checks everything that does not depend on the file: known
 * targets, well-formed specs, constants and value maps of the right kind. Throws MappingError.
 */
export function parseMapping(input: unknown): ImportMapping {
  const problems: FieldProblem[] = [];
  if (!isObject(input)) throw new MappingError([{ path: '', message: 'must be a JSON object' }]);
  for (const key of Object.keys(input)) if (!TOP_MEMBERS.has(key)) problems.push({ path: `/${key}`, message: `is not a mapping member (there are ${[...TOP_MEMBERS].join(', ')})` });
  if (input.description !== undefined && typeof input.description !== 'string') problems.push({ path: '/description', message: 'must be a string' });
  if (input.delimiter !== undefined && (typeof input.delimiter !== 'string' || [...input.delimiter].length !== 1 || /["\r\n]/.test(input.delimiter))) {
    problems.push({ path: '/delimiter', message: 'must be one character (not a quote or a line break)' });
  }
  if (input.header !== undefined && typeof input.header !== 'boolean') problems.push({ path: '/header', message: 'must be true or false' });
  if (input.columns !== undefined) {
    if (!Array.isArray(input.columns) || input.columns.length === 0 || !input.columns.every((c) => typeof c === 'string' && c.trim() !== '')) {
      problems.push({ path: '/columns', message: 'must be a non-empty array of column names' });
    } else if (new Set(input.columns.map((c: string) => c.trim())).size !== input.columns.length) problems.push({ path: '/columns', message: 'names a column twice' });
  }
  if (input.header === false && input.columns === undefined) problems.push({ path: '/columns', message: 'is required when the file has no header' });
  const claim = checkSection(input.claim, '/claim', CLAIM_KINDS, problems);
  const source = checkSection(input.source, '/source', SOURCE_KINDS, problems);
  if (source && source.publisher === undefined) problems.push({ path: '/source/publisher', message: 'is required: who published the list' });
  if (claim && claim['place.governorate'] === undefined) problems.push({ path: '/claim/place.governorate', message: 'is required (a column or a constant)' });
  if (problems.length > 0) throw new MappingError(problems);
  return input as unknown as ImportMapping;
}

function checkSection<T extends string>(
  section: unknown,
  base: string,
  kinds: Readonly<Record<T, ValueKind>>,
  problems: FieldProblem[],
): Partial<Record<T, FieldSpec | string>> | undefined {
  if (!isObject(section)) {
    problems.push({ path: base, message: 'must be an object of target -> column or spec' });
    return undefined;
  }
  for (const [target, spec] of Object.entries(section)) {
    const path = `${base}/${target.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!Object.hasOwn(kinds, target)) {
      problems.push({ path, message: `is not a target (there are ${Object.keys(kinds).join(', ')})` });
      continue;
    }
    checkSpec(spec, path, kinds[target as T], problems);
  }
  return section as Partial<Record<T, FieldSpec | string>>;
}

function checkSpec(spec: unknown, path: string, kind: ValueKind, problems: FieldProblem[]): void {
  if (typeof spec === 'string') {
    if (spec.trim() === '') problems.push({ path, message: 'must name a column' });
    return;
  }
  if (!isObject(spec)) {
    problems.push({ path, message: 'must be a column name or an object with "column" or "value"' });
    return;
  }
  for (const key of Object.keys(spec)) if (!SPEC_MEMBERS.has(key)) problems.push({ path: `${path}/${key}`, message: `is not a spec member (there are ${[...SPEC_MEMBERS].join(', ')})` });
  const hasColumn = spec.column !== undefined;
  const hasValue = spec.value !== undefined;
  if (hasColumn === hasValue) problems.push({ path, message: 'needs exactly one of "column" and "value"' });
  if (hasColumn && (typeof spec.column !== 'string' || spec.column.trim() === '')) problems.push({ path: `${path}/column`, message: 'must be a column name' });
  if (hasValue) checkConstant(spec.value, `${path}/value`, kind, problems, false);
  if (hasValue && ['values', 'default', 'otherwise', 'empty', 'emptyPattern'].some((k) => spec[k] !== undefined)) {
    problems.push({ path, message: 'a constant "value" takes no values, default, otherwise, empty or emptyPattern' });
  }
  if (spec.values !== undefined) {
    if (!isObject(spec.values)) problems.push({ path: `${path}/values`, message: 'must be an object of cell text -> value' });
    else for (const [text, value] of Object.entries(spec.values)) checkConstant(value, `${path}/values/${text.replace(/~/g, '~0').replace(/\//g, '~1')}`, kind, problems, true);
  }
  if (spec.default !== undefined) checkConstant(spec.default, `${path}/default`, kind, problems, true);
  if (spec.otherwise !== undefined) checkConstant(spec.otherwise, `${path}/otherwise`, kind, problems, true);
  if (spec.empty !== undefined && (!Array.isArray(spec.empty) || !spec.empty.every((e) => typeof e === 'string'))) {
    problems.push({ path: `${path}/empty`, message: 'must be an array of cell texts' });
  }
  if (spec.emptyPattern !== undefined) {
    try {
      if (typeof spec.emptyPattern !== 'string') throw new Error('not a string');
      new RegExp(spec.emptyPattern, 'iu');
    } catch {
      problems.push({ path: `${path}/emptyPattern`, message: 'must be a regular expression' });
    }
  }
}

function checkConstant(value: unknown, path: string, kind: ValueKind, problems: FieldProblem[], nullable: boolean): void {
  if (value === null && nullable) return;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') {
    problems.push({ path, message: nullable ? 'must be a string, a number or null' : 'must be a string or a number' });
    return;
  }
  const problem = checkValue(text, kind);
  if (problem) problems.push({ path, message: problem });
}

const DATE_TEXT = /^\d{4}(-\d{2}(-\d{2})?)?$/;
const DAY_TEXT = /^\d{4}-\d{2}-\d{2}$/;
const CODE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const URL_TEXT = /^https?:\/\/[^\s/?#]+\.[^\s/?#]+\S*$/i;

/** Why `text` cannot be a value of this kind (the same bounds as the API's DTOs), or null. */
export function checkValue(text: string, kind: ValueKind): string | null {
  switch (kind.kind) {
    case 'enum':
      return kind.values.includes(text) ? null : `must be one of: ${kind.values.join(', ')} (not "${clip(text)}")`;
    case 'text':
      if (text === '') return 'must not be empty';
      return [...text].length <= kind.max ? null : `must be at most ${kind.max} characters (has ${[...text].length})`;
    case 'age':
      return /^\d{1,3}$/.test(text) && Number(text) <= 130 ? null : `must be a whole number of years from 0 to 130 (not "${clip(text)}")`;
    case 'date':
      return DATE_TEXT.test(text) ? null : `must be YYYY, YYYY-MM or YYYY-MM-DD (not "${clip(text)}")`;
    case 'day':
      return DAY_TEXT.test(text) ? null : `must be YYYY-MM-DD (not "${clip(text)}")`;
    case 'latitude':
    case 'longitude': {
      const limit = kind.kind === 'latitude' ? 90 : 180;
      const n = Number(text);
      return /^-?\d+(\.\d+)?$/.test(text) && Math.abs(n) <= limit ? null : `must be a ${kind.kind} in degrees (not "${clip(text)}")`;
    }
    case 'code':
      return CODE.test(text) && text.length <= 80 ? null : `must be a perpetrator code like "not-identified" (not "${clip(text)}")`;
    case 'url':
      return URL_TEXT.test(text) && text.length <= 2000 ? null : 'must be an http(s) URL of at most 2000 characters';
    case 'instant':
      return INSTANT.test(text) ? null : `must be an ISO 8601 date or time (not "${clip(text)}")`;
    default: {
      const unreachable: never = kind;
      return `unknown kind ${JSON.stringify(unreachable)}`;
    }
  }
}

/** A cell quoted in a message: enough to recognise it, never a whole row. */
function clip(text: string): string {
  const chars = [...text];
  return chars.length <= 40 ? text : `${chars.slice(0, 40).join('')}…`;
}

/**
 * A built-in mapping with a user's mapping over it: top-level members and each target's spec
 * replace the built-in's (a target set to null removes it).
 */
export function overrideMapping(base: ImportMapping, override: unknown): ImportMapping {
  if (!isObject(override)) throw new MappingError([{ path: '', message: 'must be a JSON object' }]);
  const merged: Record<string, unknown> = { ...base, ...override };
  for (const section of ['claim', 'source'] as const) {
    const over = override[section];
    if (over === undefined) continue;
    if (!isObject(over)) throw new MappingError([{ path: `/${section}`, message: 'must be an object of target -> column or spec' }]);
    const combined: Record<string, unknown> = { ...base[section], ...over };
    for (const [target, spec] of Object.entries(combined)) if (spec === null) delete combined[target];
    merged[section] = combined;
  }
  return parseMapping(merged);
}
