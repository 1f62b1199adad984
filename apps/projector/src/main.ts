import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@ledger/config';
import { migrate } from '@ledger/database';
import { closeGracefullyOnSignal, configureHttpApp, runMain, useLedgerLogger } from '@ledger/http';
import { ProjectorAppModule } from './projector-app.module.js';

runMain('projector', async () => {
  const config = loadConfig();
  // Victims' names are sealed in the events: the read models (names, search, duplicates) need the key that opens them.
  if (!config.LEDGER_MASTER_KEY) throw new Error('LEDGER_MASTER_KEY is not set: the projector needs it to open the victims\' names sealed in the ledger');
  const logger = useLedgerLogger(config, 'projector');
  await migrate(config);
  const app = await NestFactory.create(ProjectorAppModule.forRoot(config), { bodyParser: false, logger });
  configureHttpApp(app, 'Evidence ledger projector');
  closeGracefullyOnSignal(app);
  await app.listen(config.PORT, '0.0.0.0');
  logger.log(`projector consuming ${config.usesKafka ? config.KAFKA_TOPIC : 'the sequenced log'}; health on port ${config.PORT}`);
});
