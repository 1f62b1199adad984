import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@ledger/config';
import { migrate, startEmbeddedDefault } from '@ledger/database';
import { closeGracefullyOnSignal, configureHttpApp, runMain, useLedgerLogger } from '@ledger/http';
import { LedgerApiModule } from './ledger-api.module.js';

runMain('ledger-api', async () => {
  // No DATABASE_URL: the embedded default (PGlite in LEDGER_DATA_DIR), which also points the env at it.
  const embedded = await startEmbeddedDefault(process.env);
  try {
    const config = loadConfig();
    const logger = useLedgerLogger(config, 'ledger-api');
    await migrate(config);
    const withProjector = process.argv.includes('--with-projector') || embedded !== null;
    const app = await NestFactory.create(LedgerApiModule.forRoot(config, { withProjector }), { bodyParser: false, logger });
    configureHttpApp(app, 'Evidence ledger');
    closeGracefullyOnSignal(app, { afterClose: async () => embedded?.close() });
    await app.listen(config.PORT, '0.0.0.0');
    const mode = embedded ? `embedded database in ${embedded.dataDir}` : 'PostgreSQL';
    const feed = config.usesKafka ? `Kafka topic ${config.KAFKA_TOPIC}` : 'in-process feed';
    logger.log(`ledger API listening on port ${config.PORT} (${mode}, ${feed}${withProjector ? ', projector in process' : ''})`);
  } catch (error) {
    await embedded?.close().catch(() => undefined);
    throw error;
  }
});
