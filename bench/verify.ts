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
      /** Wall time of `ledger verify`, process start and connection included. */
      seconds: number;
      rate: number;
      /** The verifier's own timing (`--json`), when it reports one. */
      internalSeconds?: number;
      internalRate?: number;
      output: string;
    };

interface VerifyJson {
  ok?: boolean;
  events?: number;
  seconds?: number;
  eventsPerSecond?: number;
}

function lastJson(text: string): VerifyJson | null {
  for (const line of text.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as VerifyJson;
    } catch {
      return null;
    }
  }
  return null;
}

/** Times `npm run ledger -- verify` on the bench ledger, when the CLI has that command. */
export async function timeVerify(env: Record<string, string>, events: number): Promise<VerifyResult> {
  assertScratch(env.DATABASE_URL);
  if (!existsSync(CLI)) return { measured: false, reason: `${CLI} does not exist` };
  const help = await runNode([CLI, 'help'], env);
  const usage = help.stdout + help.stderr;
  if (!/\bverify\b/.test(usage)) return { measured: false, reason: 'the CLI in this build has no `verify` command yet' };
  const json = /--json/.test(usage);
  const run = await runNode([CLI, 'verify', ...(json ? ['--json'] : [])], env);
  const seconds = run.ms / 1000;
  const parsed = json ? lastJson(run.stdout) : null;
  const counted = parsed?.events ?? events;
  return {
    measured: true,
    ok: run.code === 0 && parsed?.ok !== false,
    events: counted,
    seconds,
    rate: counted / seconds,
    internalSeconds: parsed?.seconds,
    internalRate: parsed?.eventsPerSecond,
    output: `${run.stdout}${run.stderr}`.trim().split('\n').slice(-6).join('\n'),
  };
}
