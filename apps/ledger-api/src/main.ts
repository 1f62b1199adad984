import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@ledger/config';
import { migrate } from '@ledger/database';
import { closeGracefullyOnSignal, configureHttpApp, runMain, useLedgerLogger } from '@ledger/http';
import { LedgerApiModule } from './ledger-api.module.js';

runMain('ledger-api', async () => {
  const config = loadConfig();
  const logger = useLedgerLogger(config, 'ledger-api');
  await migrate(config);
  const withProjector = process.argv.includes('--with-projector');
  const app = await NestFactory.create(LedgerApiModule.forRoot(config, { withProjector }), { bodyParser: false, logger });
  configureHttpApp(app, 'Evidence ledger');
  closeGracefullyOnSignal(app);
  await app.listen(config.PORT, '0.0.0.0');
  logger.log(`ledger API listening on port ${config.PORT}${withProjector ? ', projector in process' : ''}`);
});
