import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCheckpointKey, signCheckpoint, verifierKey } from '@ledger/proof';
import { UsageError } from '../usage-error.js';
import { describeFailure, describeSuccess, parseVerifyArgs, verifyCommand } from './verify.command.js';

describe('verify command', () => {
  const origin = 'test.ledger/cli';
  const key = verifierKey(origin, generateCheckpointKey().privateKey);
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'ledger-verify-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads --key as key text, or as a file holding one (a trailing newline as GET /ledger/key serves it)', async () => {
    expect(await parseVerifyArgs(['--key', key])).toEqual({ json: false, trustedKey: key, externalCheckpoint: undefined });
    const file = join(directory, 'ledger.key');
    await writeFile(file, `${key}\n`);
    expect(await parseVerifyArgs(['--key', file, '--json'])).toEqual({ json: true, trustedKey: key, externalCheckpoint: undefined });
  });

  it('reads --checkpoint from a file, as it was kept', async () => {
    const { privateKey } = generateCheckpointKey();
    const note = signCheckpoint(origin, 3, new Uint8Array(32), privateKey);
    const file = join(directory, 'checkpoint');
    await writeFile(file, note);
    expect(await parseVerifyArgs(['--checkpoint', file])).toMatchObject({ externalCheckpoint: note });
  });

  it('refuses a bad call with a usage error (exit 2), before touching the database', async () => {
    await expect(parseVerifyArgs(['--key', join(directory, 'missing')])).rejects.toBeInstanceOf(UsageError);
    await expect(parseVerifyArgs(['--key', `${origin}+00000000+AAAA`])).rejects.toThrow(/--key/);
    await expect(parseVerifyArgs(['--checkpoint', join(directory, 'missing')])).rejects.toThrow(/--checkpoint: cannot read/);
    await expect(parseVerifyArgs(['--bogus'])).rejects.toMatchObject({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    const output = { stdout: { write: () => true }, stderr: { write: () => true } };
    await expect(verifyCommand([], {}, output)).rejects.toThrow(/DATABASE_URL/);
    await expect(verifyCommand([], { DATABASE_URL: 'mysql://x' }, output)).rejects.toBeInstanceOf(UsageError);
  });

  it('names the first failing seq, stream and version and what was expected', () => {
    expect(
      describeFailure({
        ok: false,
        seq: 1234,
        streamId: 'claim-7',
        version: 3,
        problem: 'hash-mismatch',
        expected: 'aa',
        actual: 'bb',
      }),
    ).toBe('FAIL seq 1234 (stream claim-7, version 3): hash-mismatch: expected aa, found bb');
    expect(describeFailure({ ok: false, seq: 1001, problem: 'seq-gap', expected: 'seq 1001', actual: 'seq 1002 follows seq 1000' })).toBe(
      'FAIL seq 1001: seq-gap: expected seq 1001, found seq 1002 follows seq 1000',
    );
    expect(describeFailure({ ok: false, seq: null, problem: 'identity-mismatch', expected: 'the trusted key', actual: 'another' })).toBe(
      'FAIL (ledger): identity-mismatch: expected the trusted key, found another',
    );
  });

  it('sums up a sound ledger: counts, tree size, root and rate', () => {
    const text = describeSuccess(
      { ok: true, events: 120000, streams: 4000, checkpoints: 120, merkleNodes: 239996, size: 120000, root: 'ab'.repeat(32), externalCheckpoint: { size: 1000, root: 'cd'.repeat(32) } },
      2,
    );
    expect(text.split('\n')).toEqual([
      'ok: 120000 events in 4000 streams; 120 checkpoints and 239996 Merkle nodes checked',
      `tree size 120000, root ${'ab'.repeat(32)}`,
      `consistent with the external checkpoint at size 1000 (root ${'cd'.repeat(32)})`,
      '2.00 s, 60000 events/s',
      '',
    ]);
  });
});
