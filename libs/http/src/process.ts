import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import type { LedgerConfig } from '@ledger/config';
import { currentCorrelationId } from './request-context.js';

const LEVELS = ['debug', 'log', 'warn', 'error'] as const;

interface JsonLogOptions {
  context: string;
  logLevel: LogLevel;
  writeStreamType?: 'stdout' | 'stderr';
  errorStack?: unknown;
  params?: Record<string, unknown>;
  error?: Error;
}

interface JsonLogObject {
  [key: string]: unknown;
  level: LogLevel;
  pid: number;
  timestamp: number;
  message: unknown;
}

/**
 * Nest's JSON console logger, plus the correlation id of the request a line is written for
 * (AsyncLocalStorage: set by the HTTP edge for everything a request runs). Structured params
 * (`logger.log('message', { status: 201 })`) become members of the line.
 */
export class LedgerLogger extends ConsoleLogger {
  protected override getJsonLogObject(message: unknown, options: JsonLogOptions): JsonLogObject {
    const line = super.getJsonLogObject(message, options);
    const correlationId = currentCorrelationId();
    return correlationId === undefined ? line : { ...line, correlationId };
  }
}

/** The one structured logger: JSON lines, at LOG_LEVEL and above. */
export function useLedgerLogger(config: Pick<LedgerConfig, 'LOG_LEVEL'>, context: string): ConsoleLogger {
  const from = LEVELS.indexOf(config.LOG_LEVEL);
  const logger = new LedgerLogger(context, { json: true, flattenParams: true, logLevels: [...LEVELS.slice(from), 'fatal'] });
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
