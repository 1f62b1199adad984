import { USAGE } from './usage.js';
import { UsageError } from './usage-error.js';

// Each command's module is loaded when it runs: `verify` need not load the Nest, HTTP and
// migration code it never uses, and `verify-bundle` loads no Nest, TypeORM, pg or
// reflect-metadata at all: it needs nothing but Node and the bundle file.

/** Commands that load no decorated (Nest or TypeORM) class, and so no reflect-metadata. */
const WITHOUT_DECORATORS: ReadonlySet<string | undefined> = new Set(['verify', 'verify-bundle', 'help', '--help', undefined]);

/** Commands that use no database: they never start the embedded one. */
const WITHOUT_DATABASE: ReadonlySet<string | undefined> = new Set(['token', 'verify-bundle', 'help', '--help', undefined]);

/**
 * With no DATABASE_URL, commands run against the embedded ledger in LEDGER_DATA_DIR (default
 * ./data), as `npm start` does: its database is opened for the command and closed after it.
 */
async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (WITHOUT_DATABASE.has(command)) {
    if (command === 'token') {
      await import('reflect-metadata');
      (await import('@ledger/database')).useKeptDevelopmentSecrets(process.env);
    }
    return run(argv);
  }
  // A configured database leaves no embedded one to start: load none of its code (verify's start-up).
  if (process.env.DATABASE_URL) return run(argv);
  await import('reflect-metadata');
  const [database, config, nest] = await Promise.all([import('@ledger/database'), import('@ledger/config'), import('@nestjs/common')]);
  const embedded = await database.startEmbeddedDefault(process.env);
  try {
    if (embedded) {
      // A data directory no server has opened yet is a ledger like any other: migrate it first.
      quietLibraryLogs(nest);
      await database.migrate(config.loadConfig());
    }
    return await run(argv);
  } finally {
    await embedded?.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  // Decorator metadata must be in place before any Nest or TypeORM class is defined.
  if (!WITHOUT_DECORATORS.has(command)) await import('reflect-metadata');
  switch (command) {
    case 'token': {
      const { tokenCommand } = await import('./commands/token.command.js');
      process.stdout.write(`${tokenCommand(args, process.env)}\n`);
      return 0;
    }
    case 'migrate': {
      const [{ loadConfig }, { migrate }, nest] = await Promise.all([import('@ledger/config'), import('@ledger/database'), import('@nestjs/common')]);
      quietLibraryLogs(nest);
      const applied = await migrate(loadConfig());
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the schema is up to date\n');
      return 0;
    }
    case 'stats': {
      const { statsCommand } = await import('./commands/stats.command.js');
      return statsCommand(args, process.env, process);
    }
    case 'duplicates': {
      const { duplicatesCommand } = await import('./commands/duplicates.command.js');
      return duplicatesCommand(args, process.env, process);
    }
    case 'import': {
      quietLibraryLogs(await import('@nestjs/common'));
      const { importCommand } = await import('./commands/import.command.js');
      return importCommand(args, process.env, process);
    }
    case 'replay': {
      quietLibraryLogs(await import('@nestjs/common'));
      const { replayCommand } = await import('./commands/replay.command.js');
      return replayCommand(args, process);
    }
    case 'rotate-master-key': {
      quietLibraryLogs(await import('@nestjs/common'));
      const { rotateMasterKeyCommand } = await import('./commands/rotate-master-key.command.js');
      return rotateMasterKeyCommand(args, process);
    }
    case 'verify': {
      const { verifyCommand } = await import('./commands/verify.command.js');
      return verifyCommand(args, process.env, process);
    }
    case 'verify-bundle': {
      const { verifyBundleCommand } = await import('./commands/verify-bundle.command.js');
      return verifyBundleCommand(args, process);
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** stdout is the CLI's answer: library logs go to stderr, warnings and errors only. */
function quietLibraryLogs({ Logger }: typeof import('@nestjs/common')): void {
  const toStderr = (level: string) => (message: unknown) => void process.stderr.write(`${level}: ${String(message)}\n`);
  const silent = (): void => undefined;
  Logger.overrideLogger({ log: silent, debug: silent, verbose: silent, fatal: toStderr('fatal'), warn: toStderr('warning'), error: toStderr('error') });
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
