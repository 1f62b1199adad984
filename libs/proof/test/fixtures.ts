import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export function fixturePath(...segments: string[]): string {
  return join(FIXTURES, ...segments);
}

export function readFixture(...segments: string[]): Buffer {
  return readFileSync(fixturePath(...segments));
}

/** Every `.json` file under the fixture directory, as paths relative to it, sorted. */
export function jsonFixturesUnder(...segments: string[]): string[] {
  const root = fixturePath(...segments);
  const found: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory)) {
      const path = join(directory, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.json')) found.push(relative(root, path));
    }
  };
  walk(root);
  return found.sort();
}
