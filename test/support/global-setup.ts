import { randomBytes } from 'node:crypto';

/** One run id for the whole run, so every file's topic and origin are its own. */
export default async function globalSetup(): Promise<void> {
  process.env.LEDGER_TEST_RUN ??= `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}
