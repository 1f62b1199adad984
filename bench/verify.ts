import { existsSync } from 'node:fs';
import { runNode } from './proc.js';
import { assertScratch } from './scratch.js';

const CLI = 'dist/apps/ledger-cli/src/main.js';

export type VerifyResult =
  | { measured: false; reason: string }
  | {
      measured: true;
      ok: boolean;
      events: number;
      /** Wall time of `ledger verify`, process start included. */
      seconds: number;
      /** Wall time of `ledger help`: the CLI's start-up, subtracted for the net rate. */
      startupSeconds: number;
      rate: number;
      netRate: number;
      output: string;
    };

/** Times `npm run ledger -- verify` on the bench ledger, when the CLI has that command. */
export async function timeVerify(env: Record<string, string>, events: number): Promise<VerifyResult> {
  assertScratch(env.DATABASE_URL);
  if (!existsSync(CLI)) return { measured: false, reason: `${CLI} does not exist` };
  const help = await runNode([CLI, 'help'], env);
  if (!/\bverify\b/.test(help.stdout + help.stderr)) {
    return { measured: false, reason: '`ledger verify` is not in this build yet (the CLI has no verify command)' };
  }
  const run = await runNode([CLI, 'verify'], env);
  const seconds = run.ms / 1000;
  const startupSeconds = help.ms / 1000;
  return {
    measured: true,
    ok: run.code === 0,
    events,
    seconds,
    startupSeconds,
    rate: events / seconds,
    netRate: events / Math.max(0.001, seconds - startupSeconds),
    output: `${run.stdout}${run.stderr}`.trim().split('\n').slice(-8).join('\n'),
  };
}
