import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from './data-source-options.js';

/** Every migration this build knows is applied (the owner runs them at start; until then, not ready). */
export function missingMigrations(applied: readonly string[], known: readonly string[] = MIGRATIONS.map((m) => new m().name ?? m.name)): string[] {
  const done = new Set(applied);
  return known.filter((name) => !done.has(name));
}

/** A readiness component: the schema has every migration of this build. */
@Injectable()
export class MigrationsHealth {
  readonly name = 'migrations';

  constructor(private readonly dataSource: DataSource) {}

  async check(): Promise<string | null> {
    const rows = (await this.dataSource.query(`SELECT name FROM migrations`)) as Array<{ name: string }>;
    const missing = missingMigrations(rows.map((row) => row.name));
    return missing.length === 0 ? null : `migrations not applied: ${missing.join(', ')}`;
  }
}
