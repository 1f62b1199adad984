import {
  checkClaimDetails,
  CHILD_AGE_LIMIT,
  type AgeGroup,
  type ClaimDetails,
  type FieldProblem,
  type FuzzyDate,
  type Place,
  type SourceDetails,
  type Victim,
  type VictimName,
} from '@ledger/domain';
import {
  CLAIM_KINDS,
  checkValue,
  MappingError,
  SOURCE_KINDS,
  type ClaimTarget,
  type FieldSpec,
  type ImportMapping,
  type ValueKind,
} from './mapping.js';

/** A problem with one row: where in the claim (JSON Pointer), which column it came from, why. */
export interface RowProblem extends FieldProblem {
  column?: string;
}

/** A row as a claim and the source attached to it; the source's content hash is the file's. */
export interface MappedClaim {
  details: ClaimDetails;
  source: Omit<SourceDetails, 'contentSha256'>;
}

export type RowOutcome = { ok: true; claim: MappedClaim } | { ok: false; problems: RowProblem[] };

interface CompiledField {
  target: string;
  path: string;
  kind: ValueKind;
  column?: { name: string; index: number };
  constant?: string;
  values?: Map<string, string | null>;
  fallback: string | null;
  otherwise: string | null;
  hasOtherwise: boolean;
  empty: Set<string>;
  emptyPattern?: RegExp;
}

/** Cell text as a value: trimmed, runs of white space as one space, Unicode NFC. */
export function cleanCell(text: string): string {
  return text.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

const lookupKey = (text: string): string => cleanCell(text).toLowerCase();

const pointer = (target: string, section: 'claim' | 'source'): string => (section === 'source' ? `/source/${target}` : `/${target.replace(/\./g, '/')}`);

/**
 * A mapping bound to a file's columns: turns each row into a claim or into the reasons it cannot
 * be one. The rules are the API's: the DTOs' bounds on every value, then the domain's
 * checkClaimDetails (the perpetrator code is checked against the ledger's list when filing).
 */
export class RowMapper {
  private readonly claimFields: CompiledField[];
  private readonly sourceFields: CompiledField[];
  /** The columns, as the file (or the mapping) names them. */
  readonly columns: readonly string[];

  constructor(
    mapping: ImportMapping,
    header: readonly string[] | null,
    private readonly today: string,
  ) {
    const expected = mapping.columns?.map((c) => c.trim());
    const problems: FieldProblem[] = [];
    if (header) {
      this.columns = header.map((h) => h.replace(/^\uFEFF/, '').trim());
      const missing = (expected ?? []).filter((c) => !this.columns.includes(c));
      if (missing.length > 0) problems.push({ path: '/columns', message: `the file has no column ${missing.map((c) => `"${c}"`).join(', ')}; its header is: ${this.columns.join(',')}` });
    } else {
      this.columns = expected ?? [];
    }
    const compile = <T extends string>(section: Partial<Record<T, FieldSpec | string>>, kinds: Readonly<Record<T, ValueKind>>, name: 'claim' | 'source'): CompiledField[] =>
      (Object.entries(section) as Array<[T, FieldSpec | string]>).map(([target, raw]) => {
        const spec: FieldSpec = typeof raw === 'string' ? { column: raw } : raw;
        const field: CompiledField = {
          target,
          path: pointer(target, name),
          kind: kinds[target],
          hasOtherwise: spec.otherwise !== undefined,
          fallback: spec.default === undefined || spec.default === null ? null : String(spec.default),
          otherwise: spec.otherwise === undefined || spec.otherwise === null ? null : String(spec.otherwise),
          empty: new Set((spec.empty ?? []).map(lookupKey)),
          emptyPattern: spec.emptyPattern === undefined ? undefined : new RegExp(`^(?:${spec.emptyPattern})$`, 'iu'),
        };
        if (spec.value !== undefined) field.constant = String(spec.value);
        if (spec.values) field.values = new Map(Object.entries(spec.values).map(([text, value]) => [lookupKey(text), value === null ? null : String(value)]));
        if (spec.column !== undefined) {
          const column = spec.column.trim();
          const index = this.columns.indexOf(column);
          if (index < 0) problems.push({ path: `/${name}/${target}/column`, message: `"${column}" is not a column of the file (${this.columns.join(',') || 'no columns named'})` });
          field.column = { name: column, index };
        }
        return field;
      });
    this.claimFields = compile(mapping.claim, CLAIM_KINDS, 'claim');
    this.sourceFields = compile(mapping.source, SOURCE_KINDS, 'source');
    if (problems.length > 0) throw new MappingError(problems);
  }

  /** One data row (fields in file order) as a claim, or every reason it is not one. */
  map(fields: readonly string[], row: number): RowOutcome {
    const problems: RowProblem[] = [];
    if (fields.length !== this.columns.length) {
      const why = fields.length > this.columns.length ? ' (an unquoted delimiter inside a value shifts the columns)' : '';
      return { ok: false, problems: [{ path: '', message: `has ${fields.length} fields where the file has ${this.columns.length} columns${why}` }] };
    }
    const read = (fieldsOf: CompiledField[]): Map<string, string> => {
      const values = new Map<string, string>();
      for (const field of fieldsOf) {
        const value = this.valueOf(field, fields, problems);
        if (value !== null) values.set(field.target, value);
      }
      return values;
    };
    const claim = read(this.claimFields);
    const source = read(this.sourceFields);
    if (problems.length > 0) return { ok: false, problems };
    const details = assembleClaim(claim);
    if (!claim.has('place.governorate')) problems.push({ path: '/place/governorate', column: this.columnOf('place.governorate'), message: 'is required (the cell is empty and the mapping gives no default)' });
    // Membership of the perpetrator code is the ledger's to decide when the claim is filed.
    for (const problem of checkClaimDetails(details, new Set([details.perpetrator]), this.today)) {
      problems.push({ ...problem, column: this.columnOf(problem.path.slice(1).replace(/\//g, '.')) });
    }
    if (!source.has('publisher')) problems.push({ path: '/source/publisher', column: this.columnOf('publisher', this.sourceFields), message: 'is required (the cell is empty and the mapping gives no default)' });
    if (problems.length > 0) return { ok: false, problems: problems.map(dropUndefinedColumn) };
    const withRow = (url: string | undefined): string | undefined => url?.replaceAll('{row}', String(row));
    const url = withRow(source.get('url'));
    const archivedUrl = withRow(source.get('archivedUrl'));
    return {
      ok: true,
      claim: {
        details,
        source: {
          type: (source.get('type') ?? 'other') as MappedClaim['source']['type'],
          publisher: source.get('publisher') as string,
          ...(url === undefined ? {} : { url }),
          ...(archivedUrl === undefined ? {} : { archivedUrl }),
          ...(source.has('retrievedAt') ? { retrievedAt: source.get('retrievedAt') } : {}),
          connection: (source.get('connection') ?? 'third-party') as MappedClaim['source']['connection'],
          reliability: (source.get('reliability') ?? 'unknown') as MappedClaim['source']['reliability'],
        },
      },
    };
  }

  private columnOf(target: string, fields: CompiledField[] = this.claimFields): string | undefined {
    return fields.find((f) => f.target === target)?.column?.name;
  }

  /** The value a field takes in this row (null: absent), or a problem recorded. */
  private valueOf(field: CompiledField, fields: readonly string[], problems: RowProblem[]): string | null {
    if (field.constant !== undefined) return field.constant;
    const column = field.column as { name: string; index: number };
    const cell = cleanCell(fields[column.index] ?? '');
    const key = cell.toLowerCase();
    let value: string | null;
    if (cell === '' || field.empty.has(key) || field.emptyPattern?.test(cell)) value = field.fallback;
    else if (field.values?.has(key)) value = field.values.get(key) as string | null;
    else if (field.values && !field.hasOtherwise) {
      const known = [...field.values.keys()];
      const list = known.length > 12 ? `${known.slice(0, 12).join(', ')}, …` : known.join(', ');
      problems.push({ path: field.path, column: column.name, message: `"${cell.length > 40 ? `${cell.slice(0, 40)}…` : cell}" is not one of the mapping's values (${list})` });
      return null;
    } else value = field.values ? field.otherwise : cell;
    if (value === null) return null;
    const problem = checkValue(value, field.kind);
    if (problem) {
      problems.push({ path: field.path, column: column.name, message: problem });
      return null;
    }
    return value;
  }
}

function dropUndefinedColumn(problem: RowProblem): RowProblem {
  return problem.column === undefined ? { path: problem.path, message: problem.message } : problem;
}

function assembleClaim(values: Map<string, string>): ClaimDetails {
  const text = (target: ClaimTarget): string | undefined => values.get(target);
  const name: VictimName = {};
  for (const part of ['arabic', 'latin', 'given', 'father', 'family', 'alias'] as const) {
    const value = text(`victim.name.${part}`);
    if (value !== undefined) name[part] = value;
  }
  const ageText = text('victim.age');
  const age = ageText === undefined ? undefined : Number(ageText);
  const ageGroup = (text('victim.ageGroup') ?? (age === undefined ? 'unknown' : age < CHILD_AGE_LIMIT ? 'child' : 'adult')) as AgeGroup;
  const victim: Victim = {
    ...(Object.keys(name).length > 0 ? { name } : {}),
    sex: (text('victim.sex') ?? 'unknown') as Victim['sex'],
    ...(age === undefined ? {} : { age }),
    ageGroup,
    civilianStatus: (text('victim.civilianStatus') ?? 'unknown') as Victim['civilianStatus'],
    ...(text('victim.protectedRole') ? { protectedRole: text('victim.protectedRole') as Victim['protectedRole'] } : {}),
  };
  const [date, from, to] = [text('death.date'), text('death.from'), text('death.to')];
  const precision = (text('death.precision') ??
    (date !== undefined ? (date.length === 10 ? 'day' : date.length === 7 ? 'month' : 'year') : from !== undefined || to !== undefined ? 'range' : 'unknown')) as FuzzyDate['precision'];
  const death: FuzzyDate = { ...(date === undefined ? {} : { date }), ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), precision };
  const [lat, lon, district, locality] = [text('place.lat'), text('place.lon'), text('place.district'), text('place.locality')];
  const place: Place = {
    governorate: text('place.governorate') ?? '',
    ...(district === undefined ? {} : { district }),
    ...(locality === undefined ? {} : { locality }),
    ...(lat === undefined ? {} : { lat: Number(lat) }),
    ...(lon === undefined ? {} : { lon: Number(lon) }),
    precision: (text('place.precision') ??
      (lat !== undefined && lon !== undefined ? 'exact' : locality !== undefined ? 'locality' : district !== undefined ? 'district' : 'governorate')) as Place['precision'],
  };
  return {
    victim,
    death,
    place,
    cause: (text('cause') ?? 'unknown') as ClaimDetails['cause'],
    perpetrator: text('perpetrator') ?? 'not-identified',
  };
}
