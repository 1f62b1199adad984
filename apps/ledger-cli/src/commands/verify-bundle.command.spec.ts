import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBundleFailure, type BundleVerdict } from '@ledger/bundle';
import { generateCheckpointKey, verifierKey } from '@ledger/proof';
import { buildFixture, parseLine, sealLines, type Fixture } from '../../../../libs/bundle/test/bundle-fixture.js';
import { UsageError } from '../usage-error.js';
import { verifyBundleCommand } from './verify-bundle.command.js';

function capture(): { stdout: string[]; stderr: string[]; output: { stdout: { write(text: string): boolean }; stderr: { write(text: string): boolean } } } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, output: { stdout: { write: (text) => stdout.push(text) > 0 }, stderr: { write: (text) => stderr.push(text) > 0 } } };
}

describe('verify-bundle command', () => {
  let directory: string;
  let fixture: Fixture;
  let good: string;
  let tampered: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ledger-verify-bundle-'));
    fixture = buildFixture();
    good = join(directory, 'bundle.jsonl');
    await writeFile(good, fixture.text);
    const body = [...fixture.body];
    const index = body.findIndex((line) => parseLine(line).kind === 'event' && (parseLine(line).envelope as { version: number }).version === 2);
    const value = parseLine(body[index]);
    (value.envelope as { payload: Record<string, unknown> }).payload.statement = 'I saw nothing.';
    body[index] = JSON.stringify(value);
    tampered = join(directory, 'tampered.jsonl');
    await writeFile(tampered, sealLines(body));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('exits 0 on a sound bundle and says what holds', async () => {
    const { stdout, output } = capture();
    expect(await verifyBundleCommand([good], output)).toBe(0);
    const text = stdout.join('');
    expect(text).toContain(`ok: evidence bundle ${fixture.exportId} from ${fixture.ledger.origin}`);
    expect(text).toContain(`checkpoint: tree size ${fixture.ledger.tree.size}`);
    expect(text).toContain(`signed by ${fixture.ledger.verifierKey}, the key the bundle carries`);
    expect(text).toContain('not checked: the bundle has no checkpoint of that size');
  });

  it('exits 1 with the first failure: line, seq, stream, version and what was expected', async () => {
    const { stdout, output } = capture();
    expect(await verifyBundleCommand([tampered], output)).toBe(1);
    expect(stdout.join('')).toMatch(/^FAIL line \d+ \(seq \d+, stream claim-[0-9a-f-]+, version 2\): event-hash: hash is [0-9a-f]{64}, but the envelope without seq and hash hashes to [0-9a-f]{64}\n$/);
  });

  it('pins --key, given as text or as a file, and prints JSON with --json', async () => {
    const keyFile = join(directory, 'ledger.key');
    await writeFile(keyFile, `${fixture.ledger.verifierKey}\n`);
    const pinned = capture();
    expect(await verifyBundleCommand([good, '--key', keyFile, '--json'], pinned.output)).toBe(0);
    expect(JSON.parse(pinned.stdout.join(''))).toMatchObject({ ok: true, keyPinned: true, exportId: fixture.exportId });
    const other = capture();
    const otherKey = verifierKey(fixture.ledger.origin, generateCheckpointKey().publicKey);
    expect(await verifyBundleCommand(['--key', otherKey, good, '--json'], other.output)).toBe(1);
    const verdict = JSON.parse(other.stdout.join('')) as BundleVerdict;
    expect(verdict).toMatchObject({ ok: false, failure: { line: 1, check: 'trusted-key' } });
  });

  it('refuses a bad call with a usage error (exit 2) before reading anything', async () => {
    const { output } = capture();
    await expect(verifyBundleCommand([], output)).rejects.toBeInstanceOf(UsageError);
    await expect(verifyBundleCommand([good, good], output)).rejects.toThrow(/exactly one bundle file/);
    await expect(verifyBundleCommand([join(directory, 'missing.jsonl')], output)).rejects.toThrow(/cannot read/);
    await expect(verifyBundleCommand([good, '--key', join(directory, 'missing.key')], output)).rejects.toThrow(/--key: cannot read/);
    await expect(verifyBundleCommand([good, '--key', `${fixture.ledger.origin}+00000000+AAAA`], output)).rejects.toThrow(/--key/);
    await expect(verifyBundleCommand([good, '--bogus'], output)).rejects.toBeInstanceOf(UsageError);
  });

  it('names a failure without a place in the ledger by its line alone', () => {
    expect(describeBundleFailure({ line: 1, check: 'trusted-key', detail: 'x' })).toBe('FAIL line 1: trusted-key: x');
    expect(describeBundleFailure({ line: 40, check: 'manifest', detail: 'y', streamId: 'claim-1', version: 3 })).toBe('FAIL line 40 (stream claim-1, version 3): manifest: y');
  });
});
