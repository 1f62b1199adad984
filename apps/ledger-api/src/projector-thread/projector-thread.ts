/**
 * The projector's own thread in a built API started with --with-projector on Kafka (`npm start`
 * with the full stack): folding batches into the read models runs beside the HTTP edge and the
 * sequencer instead of taking turns with them on one event loop, so a projector catching up on a
 * backlog (after a replay, an import, a restart) no longer slows every request.
 */
import 'reflect-metadata';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigModule, loadConfig, type LedgerConfig } from '@ledger/config';
import { dataSourceOptions } from '@ledger/database';
import { useLedgerLogger } from '@ledger/http';
import { ProjectorModule, ProjectorService } from '@ledger/read-models';

export const PROJECTOR_THREAD = 'ledger-projector';

export interface ProjectorThreadData {
  readonly kind: typeof PROJECTOR_THREAD;
}

export type ToProjectorThread = { readonly type: 'check'; readonly id: number } | { readonly type: 'stop' };
export type FromProjectorThread =
  | { readonly type: 'health'; readonly id: number; readonly problem: string | null }
  | { readonly type: 'failed'; readonly reason: string }
  | { readonly type: 'stopped' };

/** The standalone projector's modules without its HTTP server: connections for two partitions of each projection at once. */
@Module({})
class ProjectorThreadModule {
  static forRoot(config: LedgerConfig): DynamicModule {
    return { module: ProjectorThreadModule, imports: [ConfigModule.forRoot(config), TypeOrmModule.forRoot(dataSourceOptions(config, 6)), ProjectorModule] };
  }
}

async function serve(port: MessagePort): Promise<void> {
  // The thread has the process's environment: the same configuration as the API that started it.
  const config = loadConfig();
  const logger = useLedgerLogger(config, 'ledger-api');
  const app = await NestFactory.createApplicationContext(ProjectorThreadModule.forRoot(config), { logger });
  const projector = app.get(ProjectorService);
  port.on('message', (message: ToProjectorThread) => {
    if (message.type === 'check') {
      void projector.check().then((problem) => port.postMessage({ type: 'health', id: message.id, problem } satisfies FromProjectorThread));
      return;
    }
    // Closing runs the projector's shutdown: its consumers commit their offsets and leave their groups.
    void app.close().finally(() => {
      port.postMessage({ type: 'stopped' } satisfies FromProjectorThread);
      port.close();
    });
  });
}

if (parentPort && (workerData as Partial<ProjectorThreadData> | null)?.kind === PROJECTOR_THREAD) {
  const port = parentPort;
  serve(port).catch((error: unknown) => {
    port.postMessage({ type: 'failed', reason: error instanceof Error ? error.message : String(error) } satisfies FromProjectorThread);
    process.exit(1);
  });
}
