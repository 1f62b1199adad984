import { constants, createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseVerifierKey } from '@ledger/proof';
import { verifyBundle, type BundleFailure, type BundleVerified } from './verify-bundle.js';

/*
 * The verify-bundle command line, shared by `npm run ledger -- verify-bundle` and the standalone
 * offline verifier (`node verify-bundle.js`), so both say the same thing about the same file.
 */

export const STANDALONE_USAGE = `usage: node verify-bundle.js <bundle file> [--key <verifier key or file>] [--json]

Checks an evidence bundle (format evidence-ledger-bundle/1) without trusting the ledger: every
event hash, chain link, inclusion proof, the checkpoint signature, the export's completeness
manifest, sources, disclosures, provenance and the end digest. Exit 0 when everything holds,
1 with the first failure, 2 for a usage error. --key pins the ledger's verifier key (as
GET /ledger/key serves it) instead of trusting the one the bundle carries.`;

/** A mistake in how the command was called: exit code 2. */
export class BundleUsageError extends Error {
  override readonly name = 'BundleUsageError';
}

export interface VerifyBundleRequest {
  readonly file: string;
  readonly json: boolean;
  readonly trustedKey?: string;
}

export interface CommandOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export async function parseVerifyBundleArgs(args: string[]): Promise<VerifyBundleRequest> {
  let parsed: { values: { key?: string; json?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: { key: { type: 'string' }, json: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new BundleUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new BundleUsageError('verify-bundle takes exactly one bundle file');
  const [file] = positionals;
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    throw new BundleUsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const trustedKey = values.key === undefined ? undefined : await readKey(values.key);
  return { file, json: values.json === true, ...(trustedKey === undefined ? {} : { trustedKey }) };
}

/** Verifies the file and writes the verdict on stdout; returns the exit code (0 or 1). */
export async function runVerifyBundle(request: VerifyBundleRequest, output: CommandOutput): Promise<number> {
  const verdict = await verifyBundle(createReadStream(request.file, { highWaterMark: 1 << 20 }), { trustedKey: request.trustedKey });
  if (request.json) output.stdout.write(`${JSON.stringify(verdict)}\n`);
  else output.stdout.write(verdict.ok ? describeBundleSuccess(verdict) : `${describeBundleFailure(verdict.failure)}\n`);
  return verdict.ok ? 0 : 1;
}

/** The standalone verifier's whole command line; returns the exit code. */
export async function verifyBundleMain(args: string[], output: CommandOutput): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    output.stdout.write(`${STANDALONE_USAGE}\n`);
    return 0;
  }
  let request: VerifyBundleRequest;
  try {
    request = await parseVerifyBundleArgs(args);
  } catch (error) {
    if (!(error instanceof BundleUsageError)) throw error;
    output.stderr.write(`${error.message}\n\n${STANDALONE_USAGE}\n`);
    return 2;
  }
  try {
    return await runVerifyBundle(request, output);
  } catch (error) {
    output.stderr.write(`verify-bundle: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** `FAIL line 17 (seq 123, stream claim-…, version 3): event-hash: …` */
export function describeBundleFailure(failure: BundleFailure): string {
  const where = [
    failure.seq === undefined ? null : `seq ${failure.seq}`,
    failure.streamId === undefined ? null : `stream ${failure.streamId}`,
    failure.version === undefined ? null : `version ${failure.version}`,
  ].filter((part) => part !== null);
  return `FAIL line ${failure.line}${where.length > 0 ? ` (${where.join(', ')})` : ''}: ${failure.check}: ${failure.detail}`;
}

export function describeBundleSuccess(verdict: BundleVerified): string {
  const counts = [`${verdict.claims} claims`, `${verdict.sources} sources`, ...(verdict.redacted ? [] : [`${verdict.disclosures} disclosures opened`])];
  const lines = [
    `ok: evidence bundle ${verdict.exportId} from ${verdict.origin}${verdict.redacted ? '' : ' (unredacted)'}`,
    `${verdict.events} events in ${verdict.streams} streams (${counts.join(', ')}): every hash, chain link and inclusion proof holds`,
    `complete: exactly the streams the export recorded in the ledger, each up to its head hash`,
    `checkpoint: tree size ${verdict.treeSize}, root ${verdict.root}`,
    verdict.keyPinned
      ? `signed by the pinned key ${verdict.verifierKey}`
      : `signed by ${verdict.verifierKey}, the key the bundle carries: compare it with the ledger's published key (GET /ledger/key), or pin it with --key`,
    ...verdict.consistency.map(({ fromSize, checked }) =>
      checked
        ? `consistent with the ledger's checkpoint at tree size ${fromSize}`
        : `consistency proof from tree size ${fromSize} not checked: the bundle has no checkpoint of that size; check it against the root you hold`,
    ),
    `sha256 ${verdict.sha256} (what the ledger's ExportCompleted event records)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** A verifier key given as text, or the name of a file holding one (as GET /ledger/key serves it). */
async function readKey(value: string): Promise<string> {
  let text = value;
  if (!/^[^\s+]+\+[0-9a-f]{8}\+\S+$/.test(value)) {
    try {
      text = await readFile(value, 'utf8');
    } catch (error) {
      throw new BundleUsageError(`--key: cannot read ${value}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const key = text.endsWith('\n') ? text.slice(0, -1) : text;
  try {
    parseVerifierKey(key);
  } catch (error) {
    throw new BundleUsageError(`--key: ${error instanceof Error ? error.message : String(error)}`);
  }
  return key;
}
