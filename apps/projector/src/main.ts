import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@ledger/config';
import { migrate } from '@ledger/database';
import { closeGracefullyOnSignal, configureHttpApp, runMain, useLedgerLogger } from '@ledger/http';
import { ProjectorAppModule } from './projector-app.module.js';

runMain('projector', async () => {
  const config = loadConfig();
  const logger = useLedgerLogger(config, 'projector');
  await migrate(config);
  const app = await NestFactory.create(ProjectorAppModule.forRoot(config), { bodyParser: false, logger });
  configureHttpApp(app, 'Evidence ledger projector');
  closeGracefullyOnSignal(app);
  await app.listen(config.PORT, '0.0.0.0');
  logger.log(`projector consuming ${config.usesKafka ? config.KAFKA_TOPIC : 'the sequenced log'}; health on port ${config.PORT}`);
});
