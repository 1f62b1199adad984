import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@ledger/config';
import { migrate, startEmbeddedDefault } from '@ledger/database';
import { closeGracefullyOnSignal, configureHttpApp, runMain, useLedgerLogger } from '@ledger/http';
import { apiWorker, superviseApiWorkers } from './api-workers.js';
import { LedgerApiModule } from './ledger-api.module.js';

runMain('ledger-api', async () => {
  const worker = apiWorker();
  // No DATABASE_URL: the embedded default (PGlite in LEDGER_DATA_DIR), which also points the env at it.
  const embedded = worker ? null : await startEmbeddedDefault(process.env);
  try {
    const config = loadConfig();
    const logger = useLedgerLogger(config, worker ? `ledger-api:${worker.index}` : 'ledger-api');
    const withProjector = worker ? worker.withProjector : process.argv.includes('--with-projector') || embedded !== null;
    if (!worker) await migrate(config);
    // The embedded database is one session in this process: it is never shared by workers.
    if (!worker && !embedded && config.LEDGER_API_WORKERS > 1) {
      await superviseApiWorkers(config.LEDGER_API_WORKERS, withProjector);
      return;
    }
    const app = await NestFactory.create(LedgerApiModule.forRoot(config, { withProjector }), { bodyParser: false, logger });
    configureHttpApp(app, 'Evidence ledger');
    closeGracefullyOnSignal(app, { afterClose: async () => embedded?.close() });
    await app.listen(config.PORT, '0.0.0.0');
    const mode = embedded ? `embedded database in ${embedded.dataDir}` : 'PostgreSQL';
    const feed = config.usesKafka ? `Kafka topic ${config.KAFKA_TOPIC}` : 'in-process feed';
    const projector = !withProjector ? '' : LedgerApiModule.projectorOnThread(config, { withProjector }) ? ', projector on its own thread' : ', projector in process';
    logger.log(`ledger API listening on port ${config.PORT} (${mode}, ${feed}${projector}${worker ? `, worker ${worker.index}` : ''})`);
  } catch (error) {
    await embedded?.close().catch(() => undefined);
    throw error;
  }
});
