import { BundleUsageError, parseVerifyBundleArgs, runVerifyBundle, type CommandOutput, type VerifyBundleRequest } from '@ledger/bundle';
import { UsageError } from '../usage-error.js';

/**
 * `npm run ledger -- verify-bundle <file> [--key <verifier key or file>] [--json]`: checks an
 * evidence bundle with nothing but Node and the file — no database, no Nest, no TypeORM. Exit 0
 * when everything holds, 1 with the first failure, 2 (a UsageError) for a bad call.
 */
export async function verifyBundleCommand(args: string[], output: CommandOutput): Promise<number> {
  let request: VerifyBundleRequest;
  try {
    request = await parseVerifyBundleArgs(args);
  } catch (error) {
    if (error instanceof BundleUsageError) throw new UsageError(error.message);
    throw error;
  }
  return runVerifyBundle(request, output);
}
