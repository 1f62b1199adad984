import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseVerifierKey } from '@ledger/proof';
import pg from 'pg';
// The verifier's own module, not the event store's index: verify loads no TypeORM, Nest or Kafka code.
import {
  VERIFY_CONNECTIONS,
  verifyLedger,
  type LedgerConnections,
  type LedgerFailure,
  type LedgerVerdict,
  type LedgerVerified,
} from '../../../../libs/event-store/src/ledger-verifier.js';
import { UsageError } from '../usage-error.js';

export interface VerifyRequest {
  readonly json: boolean;
  readonly trustedKey?: string;
  readonly externalCheckpoint?: string;
}

/** Where the command writes: process.stdout and process.stderr, or a test's buffers. */
export interface VerifyOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export async function parseVerifyArgs(args: string[]): Promise<VerifyRequest> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      key: { type: 'string' },
      checkpoint: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const trustedKey = values.key === undefined ? undefined : await readKey(values.key);
  let externalCheckpoint: string | undefined;
  if (values.checkpoint !== undefined) {
    externalCheckpoint = await readText(values.checkpoint, '--checkpoint');
  }
  return { json: values.json, trustedKey, externalCheckpoint };
}

/** `npm run ledger -- verify`: needs nothing but DATABASE_URL. */
export async function verifyCommand(args: string[], env: NodeJS.ProcessEnv, output: VerifyOutput): Promise<number> {
  const request = await parseVerifyArgs(args);
  const url = env.DATABASE_URL?.trim();
  if (!url || !/^postgres(ql)?:\/\/\S+$/.test(url)) throw new UsageError('DATABASE_URL (a postgres:// URL) is needed to verify the ledger');
  const pool = new pg.Pool({ connectionString: url, application_name: 'ledger-verify', max: VERIFY_CONNECTIONS });
  // A connection that fails while idle in the pool fails no query: it must not end the process.
  pool.on('error', () => undefined);
  try {
    return await runVerify(pool, request, output);
  } finally {
    await pool.end();
  }
}

/** Verifies, reports progress on stderr and the verdict on stdout; returns the exit code. */
export async function runVerify(connections: LedgerConnections, request: VerifyRequest, output: VerifyOutput): Promise<number> {
  const started = performance.now();
  const rate = (events: number): number => Math.round(events / Math.max((performance.now() - started) / 1000, 1e-3));
  const verdict: LedgerVerdict = await verifyLedger(connections, {
    trustedKey: request.trustedKey,
    externalCheckpoint: request.externalCheckpoint,
    onProgress: ({ events, streams }) =>
      output.stderr.write(`verified ${events} events in ${streams} streams (${rate(events)} events/s)\n`),
  });
  const seconds = (performance.now() - started) / 1000;
  if (request.json) {
    const events = verdict.ok ? verdict.events : undefined;
    const timing = events === undefined ? { seconds } : { seconds, eventsPerSecond: rate(events) };
    output.stdout.write(`${JSON.stringify({ ...verdict, ...timing })}\n`);
  } else {
    output.stdout.write(verdict.ok ? describeSuccess(verdict, seconds) : `${describeFailure(verdict)}\n`);
  }
  return verdict.ok ? 0 : 1;
}

export function describeFailure(failure: LedgerFailure): string {
  const where = [
    failure.streamId === undefined ? null : `stream ${failure.streamId}`,
    failure.version === undefined ? null : `version ${failure.version}`,
  ].filter((part) => part !== null);
  const position = failure.seq === null ? '' : ` seq ${failure.seq}`;
  const context = where.length > 0 ? ` (${where.join(', ')})` : failure.seq === null ? ' (ledger)' : '';
  return `FAIL${position}${context}: ${failure.problem}: expected ${failure.expected}, found ${failure.actual}`;
}

export function describeSuccess(verdict: LedgerVerified, seconds: number): string {
  const lines = [
    `ok: ${verdict.events} events in ${verdict.streams} streams; ${verdict.checkpoints} checkpoints and ${verdict.merkleNodes} Merkle nodes checked`,
    `tree size ${verdict.size}, root ${verdict.root}`,
  ];
  if (verdict.externalCheckpoint) {
    lines.push(`consistent with the external checkpoint at size ${verdict.externalCheckpoint.size} (root ${verdict.externalCheckpoint.root})`);
  }
  const perSecond = Math.round(verdict.events / Math.max(seconds, 1e-3));
  lines.push(`${seconds.toFixed(2)} s, ${perSecond} events/s`);
  return `${lines.join('\n')}\n`;
}

/** A verifier key given as text, or the name of a file holding one (as GET /ledger/key serves it). */
async function readKey(value: string): Promise<string> {
  const text = looksLikeKey(value) ? value : await readText(value, '--key');
  try {
    parseVerifierKey(text);
  } catch (error) {
    throw new UsageError(`--key: ${error instanceof Error ? error.message : String(error)}`);
  }
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

function looksLikeKey(value: string): boolean {
  return /^[^\s+]+\+[0-9a-f]{8}\+\S+$/.test(value);
}

async function readText(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${option}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
