import { readFileSync } from 'node:fs';
import { GAZA_MAPPING, VDC_MAPPING } from './built-in-mappings.js';
import { MappingError, overrideMapping, parseMapping } from './mapping.js';
import { RowMapper } from './row-mapper.js';

function problemsOf(work: () => unknown): Array<{ path: string; message: string }> {
  try {
    work();
  } catch (error) {
    if (error instanceof MappingError) return error.problems;
    throw error;
  }
  throw new Error('expected a MappingError');
}

const minimal = { claim: { 'place.governorate': 'g' }, source: { publisher: { value: 'A monitor' } } };

describe('parseMapping', () => {
  it('accepts the built-in mappings and the example in config/import', () => {
    expect(() => parseMapping(GAZA_MAPPING)).not.toThrow();
    expect(() => parseMapping(VDC_MAPPING)).not.toThrow();
    const example = parseMapping(JSON.parse(readFileSync(new URL('../../../config/import/example.json', import.meta.url), 'utf8')));
    const mapper = new RowMapper(example, example.columns ?? [], '2025-11-25');
    const outcome = mapper.map(['', 'Unidentified 2', 'F', '?', '2018-07-16', 'Idlib', '', 'Zardana', 'Air strike', '', 'White Helmets', 'https://example.org/report/7'], 1);
    expect(outcome).toEqual({
      ok: true,
      claim: {
        details: {
          victim: { sex: 'female', ageGroup: 'unknown', civilianStatus: 'unknown', protectedRole: 'civil-defence' },
          death: { date: '2018-07-16', precision: 'day' },
          place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
          cause: 'airstrike',
          perpetrator: 'not-identified',
        },
        source: { type: 'monitoring-report', publisher: 'Example Monitoring Group', url: 'https://example.org/report/7', connection: 'third-party', reliability: 'medium' },
      },
    });
  });

  it('names every problem of a mapping with its JSON Pointer', () => {
    expect(
      problemsOf(() =>
        parseMapping({
          delimiter: ';;',
          colums: ['a'],
          claim: {
            'victim.gender': 'a',
            cause: { value: 'bombing' },
            'victim.sex': { column: 'a', value: 'male' },
            'victim.ageGroup': { value: 'adult', default: 'child' },
            'victim.age': { column: 'a', default: 200 },
            'victim.civilianStatus': { column: 'a', values: { yes: 'civilian', no: 'combatant' } },
            'death.date': { column: 'a', emptyPattern: '(' },
          },
          source: { type: { value: 'rumour' } },
        }),
      ),
    ).toEqual([
      { path: '/colums', message: expect.stringContaining('is not a mapping member') },
      { path: '/delimiter', message: 'must be one character (not a quote or a line break)' },
      { path: '/claim/victim.gender', message: expect.stringContaining('is not a target') },
      { path: '/claim/cause/value', message: expect.stringContaining('must be one of: shooting, shelling, airstrike') },
      { path: '/claim/victim.sex', message: 'needs exactly one of "column" and "value"' },
      { path: '/claim/victim.ageGroup', message: expect.stringContaining('a constant "value" takes no values') },
      { path: '/claim/victim.age/default', message: 'must be a whole number of years from 0 to 130 (not "200")' },
      { path: '/claim/victim.civilianStatus/values/no', message: expect.stringContaining('(not "combatant")') },
      { path: '/claim/death.date/emptyPattern', message: 'must be a regular expression' },
      { path: '/source/type/value', message: expect.stringContaining('(not "rumour")') },
      { path: '/source/publisher', message: 'is required: who published the list' },
      { path: '/claim/place.governorate', message: 'is required (a column or a constant)' },
    ]);
  });

  it('needs the column names when the file has no header', () => {
    expect(problemsOf(() => parseMapping({ ...minimal, header: false }))).toEqual([{ path: '/columns', message: 'is required when the file has no header' }]);
  });
});

describe('overrideMapping', () => {
  it('replaces the built-in spec of each target given, removes a target set to null, and keeps the rest', () => {
    const mapping = overrideMapping(VDC_MAPPING, {
      claim: { cause: { value: 'unknown' }, 'place.locality': null },
      source: { reliability: { value: 'medium' } },
    });
    expect(mapping.claim.cause).toEqual({ value: 'unknown' });
    expect(mapping.claim['place.locality']).toBeUndefined();
    expect(mapping.claim['victim.sex']).toEqual(VDC_MAPPING.claim['victim.sex']);
    expect(mapping.source.reliability).toEqual({ value: 'medium' });
    expect(mapping.source.publisher).toEqual(VDC_MAPPING.source.publisher);
    expect(mapping.columns).toEqual(VDC_MAPPING.columns);
  });

  it('checks the result like any mapping', () => {
    expect(problemsOf(() => overrideMapping(GAZA_MAPPING, { claim: { 'place.governorate': null } }))).toEqual([
      { path: '/claim/place.governorate', message: 'is required (a column or a constant)' },
    ]);
  });
});
