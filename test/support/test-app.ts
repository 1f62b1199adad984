import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { LedgerConfig } from '@ledger/config';
import { migrate } from '@ledger/database';
import type { Role } from '@ledger/domain';
import { configureHttpApp, TokenVerifier } from '@ledger/http';
import { LedgerApiModule } from '../../apps/ledger-api/src/ledger-api.module.js';

export interface TestApp {
  app: INestApplication;
  url: string;
  token(sub: string, ...roles: Role[]): string;
  close(): Promise<void>;
}

/** The real HTTP app on a real port, against real Postgres and Kafka, as main.ts builds it. */
export async function startLedgerApi(config: LedgerConfig, options = { withProjector: true }): Promise<TestApp> {
  await migrate(config);
  const app = await NestFactory.create(LedgerApiModule.forRoot(config, options), { bodyParser: false, logger: ['error', 'warn'] });
  configureHttpApp(app, 'Evidence ledger');
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const tokens = new TokenVerifier(config);
  return {
    app,
    url: url.replace('[::1]', '127.0.0.1'),
    token: (sub, ...roles) => tokens.mint({ sub, roles }, 600),
    close: () => app.close(),
  };
}
