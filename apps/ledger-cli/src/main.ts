import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@ledger/config';
import { migrate } from '@ledger/database';
import { TOKEN_USAGE, tokenCommand } from './commands/token.command.js';
import { VERIFY_USAGE, verifyCommand } from './commands/verify.command.js';
import { UsageError } from './usage-error.js';

const USAGE = `usage: npm run ledger -- <command> [options]

commands:
  ${TOKEN_USAGE}
  migrate
      Applies pending database migrations as the schema owner and grants the application role.
  ${VERIFY_USAGE}`;

/** The CLI's stdout is its answer (a token, JSON): library logs go to stderr, warnings and errors only. */
function quietLibraryLogs(): void {
  const toStderr = (level: string) => (message: unknown) => void process.stderr.write(`${level}: ${String(message)}\n`);
  const silent = (): void => undefined;
  Logger.overrideLogger({ log: silent, debug: silent, verbose: silent, fatal: toStderr('fatal'), warn: toStderr('warning'), error: toStderr('error') });
}

async function main(argv: string[]): Promise<number> {
  quietLibraryLogs();
  const [command, ...args] = argv;
  switch (command) {
    case 'token':
      process.stdout.write(`${tokenCommand(args, process.env)}\n`);
      return 0;
    case 'migrate': {
      const applied = await migrate(loadConfig());
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the schema is up to date\n');
      return 0;
    }
    case 'verify':
      return verifyCommand(args, process.env, process);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`ledger: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
