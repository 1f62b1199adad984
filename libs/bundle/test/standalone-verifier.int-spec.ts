import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixture, eventLineIndex, parseLine, sealLines, writeLargeBundle, type Fixture } from './bundle-fixture.js';

/*
 * The offline verifier as a court would run it: the packaged folder alone, copied elsewhere, run
 * by `node` with nothing in its environment but PATH and no node_modules anywhere near it. Needs
 * `npm run build` first (the package is assembled from dist/).
 */

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const PACKAGE = join(ROOT, 'dist/verifier');
const CLI = join(ROOT, 'dist/apps/ledger-cli/src/main.js');

function run(args: string[], cwd: string, nodeOptions: string[] = []): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...nodeOptions, ...args], { cwd, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 300_000 });
}

describe('the standalone offline verifier (dist/verifier)', () => {
  let directory: string;
  let fixture: Fixture;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/libs/bundle/src/index.js'))) {
      throw new Error('dist/libs/bundle is missing: run `npm run build` before the integration tests');
    }
    const packaging = run([join(ROOT, 'scripts/package-verifier.mjs')], ROOT);
    if (packaging.status !== 0) throw new Error(`scripts/package-verifier.mjs failed (exit ${packaging.status}): ${packaging.stderr}`);
    directory = await mkdtemp(join(tmpdir(), 'offline-verifier-'));
    await cp(PACKAGE, join(directory, 'verifier'), { recursive: true });
    fixture = buildFixture({ redacted: false });
    await writeFile(join(directory, 'bundle.jsonl'), fixture.text);
    await writeFile(join(directory, 'ledger.key'), `${fixture.ledger.verifierKey}\n`);
    const body = [...fixture.body];
    const index = eventLineIndex(body, fixture.claims[0].streamId, 1);
    const value = parseLine(body[index]);
    (value.envelope as { payload: { cause: string } }).payload.cause = 'shelling';
    body[index] = JSON.stringify(value);
    await writeFile(join(directory, 'tampered.jsonl'), sealLines(body));
  }, 120_000);

  afterAll(async () => {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('holds only the compiled proof and bundle libraries, the entry and its manifest, importing only node: built-ins', async () => {
    const root = join(directory, 'verifier');
    expect((await readdir(root)).sort()).toEqual(['BUNDLE-FORMAT.md', 'SHA256SUMS', 'lib', 'package.json', 'verify-bundle.js']);
    expect((await readdir(join(root, 'lib'))).sort()).toEqual(['bundle', 'proof']);
    expect(JSON.parse(await readFile(join(root, 'package.json'), 'utf8'))).toMatchObject({ type: 'module' });
    for (const library of ['bundle', 'proof']) {
      for (const file of await readdir(join(root, 'lib', library))) {
        const text = await readFile(join(root, 'lib', library, file), 'utf8');
        const specifiers = [...text.matchAll(/^(?:import|export)\b[^'";(=]*?\bfrom\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
        for (const specifier of specifiers) expect(specifier).toMatch(/^(?:node:|\.\.?\/)/);
      }
    }
  });

  it('exits 0 on a sound bundle, the key pinned from a file', () => {
    const result = run(['verifier/verify-bundle.js', 'bundle.jsonl', '--key', 'ledger.key'], directory);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`ok: evidence bundle ${fixture.exportId}`);
    // The witness's identity (unredacted) and each victim's sealed name (always) are disclosure lines.
    const witnesses = fixture.claims.filter((claim) => claim.testimonyEventId !== undefined).length;
    const names = fixture.claims.filter((claim) => claim.sealedName !== undefined).length;
    expect(witnesses).toBe(1);
    expect(result.stdout).toContain(`${witnesses + names} disclosures opened`);
  });

  it('exits 1 on a tampered copy, naming the line, stream and version', () => {
    const result = run(['verifier/verify-bundle.js', 'tampered.jsonl', '--json'], directory);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, failure: { check: 'event-hash', streamId: fixture.claims[0].streamId, version: 1 } });
  });

  it('exits 2 on a usage error', () => {
    const result = run(['verifier/verify-bundle.js', 'bundle.jsonl', '--bogus'], directory);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: node verify-bundle.js');
  });

  it('verifies 10,000 claims of six events each in bounded memory: a heap far smaller than the file', async () => {
    const file = join(directory, 'large.jsonl');
    const large = await writeLargeBundle(file, 10_000);
    expect(large.events).toBe(60_001);
    expect(large.bytes).toBeGreaterThan(150e6);
    const result = run(['--max-old-space-size=128', 'verifier/verify-bundle.js', file, '--json'], directory);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, events: 60_001, claims: 10_000, streams: 10_001 });
    await rm(file);
  }, 600_000);

  it('the ledger CLI verifies a bundle without loading Nest, TypeORM, pg or reflect-metadata', () => {
    if (!existsSync(CLI)) throw new Error('dist/apps/ledger-cli is missing: run `npm run build` before the integration tests');
    const forbid = `export async function resolve(specifier, context, next) {
      if (/^(?:reflect-metadata|typeorm|pg|@nestjs\\/)/.test(specifier)) throw new Error('verify-bundle loaded ' + specifier);
      return next(specifier, context);
    }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(forbid)}`)});`;
    const hook = ['--import', `data:text/javascript,${encodeURIComponent(register)}`];
    const ok = run([CLI, 'verify-bundle', join(directory, 'bundle.jsonl')], ROOT, hook);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const tampered = run([CLI, 'verify-bundle', join(directory, 'tampered.jsonl')], ROOT, hook);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toMatch(/^FAIL line \d+ \(seq \d+, stream claim-/);
    // The hook does stop a command that needs Nest: the check above can fail.
    expect(run([CLI, 'replay'], ROOT, hook).stderr).toContain('loaded reflect-metadata');
  });
});
