import { Logger as NestLogger } from '@nestjs/common';
import type { Logger, LogLevel, LogMessage, QueryRunner } from 'typeorm';

/**
 * TypeORM through our one logger. Query parameters are never logged: they carry testimony,
 * names and contacts.
 */
export class LedgerTypeOrmLogger implements Logger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string, _parameters?: unknown[], _runner?: QueryRunner): void {
    const message = error instanceof Error ? error.message : error;
    this.logger.debug(`query failed (${message}): ${query.replace(/\s+/g, ' ').slice(0, 200)}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${query.replace(/\s+/g, ' ').slice(0, 200)}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: LogLevel | 'warn' | 'info' | 'log', message: LogMessage | string | unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (level === 'warn') this.logger.warn(text);
    else this.logger.debug(text);
  }
}
