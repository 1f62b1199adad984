import { loadConfig } from '@ledger/config';
import { dataSourceOptions } from '@ledger/database';
import { DataKeyVault } from '@ledger/protection';
import { DataSource } from 'typeorm';
import { UsageError } from '../usage-error.js';

/**
 * `npm run ledger -- rotate-master-key`: with the new key in LEDGER_MASTER_KEY and the old one in
 * LEDGER_MASTER_KEY_PREVIOUS, rewraps every data key under the new one. The ledger itself is not
 * touched (it holds only ciphertext under the data keys), so every hash and proof stays as it was.
 */
export async function rotateMasterKeyCommand(args: string[], output: { stdout: { write(text: string): unknown } }): Promise<number> {
  if (args.length > 0) throw new UsageError('rotate-master-key takes no arguments: it reads LEDGER_MASTER_KEY and LEDGER_MASTER_KEY_PREVIOUS');
  const config = loadConfig();
  if (!config.LEDGER_MASTER_KEY || !config.LEDGER_MASTER_KEY_PREVIOUS) {
    throw new UsageError('set LEDGER_MASTER_KEY to the new master key and LEDGER_MASTER_KEY_PREVIOUS to the one being replaced');
  }
  const dataSource = new DataSource(dataSourceOptions(config, 2));
  await dataSource.initialize();
  try {
    const { rewrapped, current } = await new DataKeyVault(dataSource, config).rewrapAll();
    output.stdout.write(`rewrapped ${rewrapped} data key(s) under master key ${current}; LEDGER_MASTER_KEY_PREVIOUS can now be removed\n`);
    return 0;
  } finally {
    await dataSource.destroy();
  }
}
