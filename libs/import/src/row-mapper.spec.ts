import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { GAZA_MAPPING, VDC_MAPPING } from './built-in-mappings.js';
import { MappingError, parseMapping } from './mapping.js';
import { RowMapper, type RowOutcome } from './row-mapper.js';

const TODAY = '2025-11-25';
const GAZA_HEADER = ['id', 'name', 'en_name', 'age', 'dob', 'sex', 'source'];

/** Synthetic rows shaped like the VDC list (its rows are not ours to copy): CSV text as the file has it, CRLF and all. */
const VDC_TEXT = [
  'Province,Cause_of_Death,Name,Area,Date_of_Death,Sex,Rank',
  'Idlib,Shooting,Karim Adel Haddad ,Maarrat Test,2014-03-02,Adult - Male,Civilian',
  'Hama,Shelling,Lina Omar Saleh ,,2013-07-19,Child - Female,Civillian',
  'Aleppo,Warplane shelling,"Ha,em Rami Younes ",Test Quarter,2015-01-05,Child - Male,unknown ',
  'Homs,Explosion,"Samir Nabil ""Abu Test"" ",,0000-00-00,Adult - Female,Soldier',
  ',Field Execution,Unidentified 7 ,"Near the mill, east side",2012-11-30,Adult - Male,Civilian Defense',
  'Daraa,Shooting,Fadi Test, Alhariri ,Test Village,2012-05-01,Adult - Male,Unknown',
  'Raqqa,Shooting,Wael Nour ,,2013-02-30,Adult - Male,Sergeant',
  'Tartous,Drone strike,Majd Yousef ,,2014-04-04,Adult - Male,',
  'Damascus,Siege,Rana Test ,,2031-01-01,Adult - Female,civilian',
].join('\r\n');

function vdcRows(): RowOutcome[] {
  const [header, ...records] = parse(VDC_TEXT, { relax_quotes: true, relax_column_count: true }) as string[][];
  const mapper = new RowMapper(VDC_MAPPING, header, TODAY);
  return records.map((fields, i) => mapper.map(fields, i + 1));
}

const claimOf = (outcome: RowOutcome) => {
  if (!outcome.ok) throw new Error(`rejected: ${JSON.stringify(outcome.problems)}`);
  return outcome.claim;
};
const problemsOf = (outcome: RowOutcome) => {
  if (outcome.ok) throw new Error('expected a rejection');
  return outcome.problems;
};

describe('the VDC mapping, on synthetic rows with the list’s quirks', () => {
  const rows = vdcRows();

  it('reads sex and age group out of the one Sex column', () => {
    expect(claimOf(rows[0]).details.victim).toMatchObject({ sex: 'male', ageGroup: 'adult' });
    expect(claimOf(rows[1]).details.victim).toMatchObject({ sex: 'female', ageGroup: 'child' });
    expect(claimOf(rows[2]).details.victim).toMatchObject({ sex: 'male', ageGroup: 'child' });
    expect(claimOf(rows[3]).details.victim).toMatchObject({ sex: 'female', ageGroup: 'adult' });
  });

  it('keeps a quoted comma inside a name, and doubled quotes as one', () => {
    expect(claimOf(rows[2]).details.victim.name).toEqual({ latin: 'Ha,em Rami Younes' });
    expect(claimOf(rows[3]).details.victim.name).toEqual({ latin: 'Samir Nabil "Abu Test"' });
    expect(claimOf(rows[4]).details.place.locality).toBe('Near the mill, east side');
  });

  it('rejects an unquoted comma that shifts the columns instead of guessing where it belongs', () => {
    expect(problemsOf(rows[5])).toEqual([{ path: '', message: expect.stringMatching(/^has 8 fields where the file has 7 columns \(an unquoted delimiter/) }]);
  });

  it('files 0000-00-00 as an unknown date, and refuses a date the calendar does not have or one in the future', () => {
    expect(claimOf(rows[3]).details.death).toEqual({ precision: 'unknown' });
    expect(claimOf(rows[0]).details.death).toEqual({ date: '2014-03-02', precision: 'day' });
    expect(problemsOf(rows[6])).toEqual([{ path: '/death/date', column: 'Date_of_Death', message: 'must be a real date written YYYY-MM-DD' }]);
    expect(problemsOf(rows[8])).toEqual([{ path: '/death/date', column: 'Date_of_Death', message: 'must not be in the future' }]);
  });

  it('reads the rank column as civilian status in all its spellings, civil defence as a protected role', () => {
    expect(rows.slice(0, 5).map((r) => claimOf(r).details.victim.civilianStatus)).toEqual(['civilian', 'civilian', 'unknown', 'non-civilian', 'civilian']);
    expect(claimOf(rows[4]).details.victim.protectedRole).toBe('civil-defence');
    expect(claimOf(rows[0]).details.victim.protectedRole).toBeUndefined();
  });

  it('files "Unidentified 7" without a name and an empty province as "Unknown"', () => {
    const claim = claimOf(rows[4]).details;
    expect(claim.victim.name).toBeUndefined();
    expect(claim.place).toEqual({ governorate: 'Unknown', locality: 'Near the mill, east side', precision: 'locality' });
  });

  it('maps causes, and rejects one the mapping does not know, naming column and value', () => {
    expect(rows.slice(0, 5).map((r) => claimOf(r).details.cause)).toEqual(['shooting', 'shelling', 'airstrike', 'explosive-device', 'field-execution']);
    expect(problemsOf(rows[7])).toEqual([{ path: '/cause', column: 'Cause_of_Death', message: expect.stringContaining('"Drone strike" is not one of the mapping\'s values') }]);
  });

  it('gives the place the precision of what the row says', () => {
    expect(claimOf(rows[0]).details.place).toEqual({ governorate: 'Idlib', locality: 'Maarrat Test', precision: 'locality' });
    expect(claimOf(rows[1]).details.place).toEqual({ governorate: 'Hama', precision: 'governorate' });
  });

  it('attaches the list as a monitoring report by its publisher', () => {
    expect(claimOf(rows[0]).source).toEqual({ type: 'monitoring-report', publisher: 'Violations Documentation Center in Syria', connection: 'third-party', reliability: 'unknown' });
  });
});

describe('the Gaza mapping, on a real excerpt of the list', () => {
  const text = readFileSync(new URL('../../../test/fixtures/import/gaza-excerpt.csv', import.meta.url), 'utf8');
  const [header, ...records] = parse(text) as string[][];
  const mapper = new RowMapper(GAZA_MAPPING, header, TODAY);
  const outcomes = records.map((fields, i) => mapper.map(fields, i + 1));

  it('files every row of the excerpt', () => {
    expect(records).toHaveLength(300);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });

  it('counts sexes and children as an independent count of the rows does', () => {
    // Independent of the mapper: the excerpt has no quoted values, so a split reads it.
    const lines = text.trim().split('\n').slice(1).map((line) => line.split(','));
    const count = (pick: (fields: string[]) => boolean): number => lines.filter(pick).length;
    const claims = outcomes.map((o) => claimOf(o).details);
    expect(claims.filter((c) => c.victim.sex === 'female')).toHaveLength(count((f) => f[5] === 'f'));
    expect(claims.filter((c) => c.victim.sex === 'male')).toHaveLength(count((f) => f[5] === 'm'));
    expect(claims.filter((c) => c.victim.ageGroup === 'child')).toHaveLength(count((f) => Number(f[3]) < 18));
  });

  it('keeps both scripts of the name, the age, and no identity number or birth date', () => {
    const infant = claimOf(outcomes[0]);
    expect(records[0][0]).toBe('طفل رضيع66');
    expect(infant.details).toEqual({
      victim: { name: { arabic: 'أمل محمد جمعة أبو صويص', latin: 'Amal Muhammad Jmuaah Abu Sois' }, sex: 'female', age: 0, ageGroup: 'child', civilianStatus: 'unknown' },
      death: { precision: 'unknown' },
      place: { governorate: 'Gaza Strip', precision: 'governorate' },
      cause: 'unknown',
      perpetrator: 'not-identified',
    });
    expect(JSON.stringify(outcomes.map((o) => claimOf(o)))).not.toMatch(/طفل رضيع|E\+99|\d{4}-\d{2}-\d{2}/);
  });

  it('names the health ministry or the public submission form as the publisher', () => {
    const publishers = new Set(outcomes.map((o) => claimOf(o).source.publisher));
    expect(publishers).toEqual(new Set(['Gaza Ministry of Health (health ministry records)', 'Gaza Ministry of Health (public submission)']));
  });

  it('rejects a sex, an age or a field count it cannot read, with the path and the column', () => {
    const row = (overrides: Record<number, string>): string[] => GAZA_HEADER.map((_, i) => overrides[i] ?? ['123456789', 'اسم', 'Name Test', '30', '1994-01-01', 'm', 'h'][i]);
    expect(problemsOf(mapper.map(row({ 5: 'x' }), 1))).toEqual([{ path: '/victim/sex', column: 'sex', message: expect.stringContaining('"x" is not one of the mapping\'s values (m, f)') }]);
    expect(problemsOf(mapper.map(row({ 3: '131' }), 2))).toEqual([{ path: '/victim/age', column: 'age', message: 'must be a whole number of years from 0 to 130 (not "131")' }]);
    expect(problemsOf(mapper.map(row({ 3: 'about 30' }), 3))[0]).toMatchObject({ path: '/victim/age', column: 'age' });
    expect(problemsOf(mapper.map(row({}).slice(0, 6), 4))).toEqual([{ path: '', message: 'has 6 fields where the file has 7 columns' }]);
    expect(claimOf(mapper.map(row({ 3: '' }), 5)).details.victim).toMatchObject({ ageGroup: 'unknown' });
  });
});

describe('a mapping bound to a file', () => {
  it('refuses a file without a column the mapping needs', () => {
    expect(() => new RowMapper(GAZA_MAPPING, ['id', 'name', 'age'], TODAY)).toThrow(MappingError);
    try {
      new RowMapper(GAZA_MAPPING, ['id', 'name', 'age'], TODAY);
    } catch (error) {
      expect((error as MappingError).problems[0]).toEqual({ path: '/columns', message: expect.stringContaining('the file has no column "en_name", "dob", "sex", "source"') });
    }
  });

  it('reads a header with a byte order mark and padded names', () => {
    expect(() => new RowMapper(GAZA_MAPPING, ['\uFEFFid', ' name', 'en_name ', 'age', 'dob', 'sex', 'source'], TODAY)).not.toThrow();
  });

  it('names positions from the mapping when the file has no header, and fills a {row} URL template', () => {
    const mapping = parseMapping({
      header: false,
      columns: ['n', 'g', 'd'],
      claim: { 'victim.name.latin': 'n', 'place.governorate': 'g', 'death.date': 'd' },
      source: { publisher: { value: 'A monitor' }, url: { value: 'https://example.org/list.csv#row={row}' } },
    });
    const outcome = new RowMapper(mapping, null, TODAY).map(['A Name', 'Idlib', '2016-11'], 42);
    expect(claimOf(outcome)).toEqual({
      details: {
        victim: { name: { latin: 'A Name' }, sex: 'unknown', ageGroup: 'unknown', civilianStatus: 'unknown' },
        death: { date: '2016-11', precision: 'month' },
        place: { governorate: 'Idlib', precision: 'governorate' },
        cause: 'unknown',
        perpetrator: 'not-identified',
      },
      source: { type: 'other', publisher: 'A monitor', url: 'https://example.org/list.csv#row=42', connection: 'third-party', reliability: 'unknown' },
    });
  });

  it('rejects a row with no governorate and no default, and reports every problem of the row at once', () => {
    const mapping = parseMapping({ claim: { 'place.governorate': 'g', 'victim.age': 'a', 'victim.ageGroup': 'ag' }, source: { publisher: { value: 'A monitor' } } });
    const mapper = new RowMapper(mapping, ['g', 'a', 'ag'], TODAY);
    expect(problemsOf(mapper.map(['', '7', 'adult'], 1))).toEqual([
      { path: '/place/governorate', column: 'g', message: 'is required (the cell is empty and the mapping gives no default)' },
      { path: '/victim/ageGroup', column: 'ag', message: 'must be "child" for age 7' },
    ]);
  });

  it('refuses a value longer than the API accepts', () => {
    const mapping = parseMapping({ claim: { 'place.governorate': 'g', 'victim.name.latin': 'n' }, source: { publisher: { value: 'A monitor' } } });
    const outcome = new RowMapper(mapping, ['g', 'n'], TODAY).map(['Idlib', 'x'.repeat(201)], 1);
    expect(problemsOf(outcome)).toEqual([{ path: '/victim/name/latin', column: 'n', message: 'must be at most 200 characters (has 201)' }]);
  });
});
