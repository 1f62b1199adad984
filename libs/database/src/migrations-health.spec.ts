import { MIGRATIONS } from './data-source-options.js';
import { missingMigrations } from './migrations-health.js';

describe('missingMigrations', () => {
  it('names the migrations of this build the database has not applied, in order', () => {
    expect(missingMigrations(['A1'], ['A1', 'B2', 'C3'])).toEqual(['B2', 'C3']);
    expect(missingMigrations(['C3', 'A1', 'B2', 'Z9'], ['A1', 'B2', 'C3'])).toEqual([]);
  });

  it('knows every migration of the build by the name TypeORM records', () => {
    const names = MIGRATIONS.map((migration) => new migration().name);
    expect(missingMigrations([], undefined)).toEqual(names);
    expect(names.every((name) => typeof name === 'string' && /\d{13}$/.test(name))).toBe(true);
  });
});
