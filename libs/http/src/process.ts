import { ConsoleLogger, Logger } from '@nestjs/common';
import type { LedgerConfig } from '@ledger/config';

const LEVELS = ['debug', 'log', 'warn', 'error'] as const;

/** The one structured logger: JSON lines, at LOG_LEVEL and above. */
export function useLedgerLogger(config: LedgerConfig, context: string): ConsoleLogger {
  const from = LEVELS.indexOf(config.LOG_LEVEL);
  const logger = new ConsoleLogger(context, { json: true, logLevels: [...LEVELS.slice(from), 'fatal'] });
  Logger.overrideLogger(logger);
  return logger;
}

/** Runs a process's main; a bad configuration or start-up failure exits 1 with a one-line reason. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${name} failed to start: ${reason}\n`);
    process.exit(1);
  });
}
