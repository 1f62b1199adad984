import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { validationSchemas } from './openapi-schemas.js';
import type { Server } from 'node:http';
import helmet from 'helmet';
import { assertEveryRouteDeclaresAccess } from './auth/route-access.js';
import { ijsonBody } from './ijson-body.js';
import { LedgerMetrics } from './metrics/ledger-metrics.js';
import { HandledRequests, observeRequests } from './observe-requests.js';
import { ProblemFilter } from './problem.filter.js';
import { ledgerValidationPipe } from './validation.js';

/**
 * What every HTTP app of the ledger shares: correlation ids, access logs and HTTP metrics, security
 * headers, I-JSON bodies, problem+json errors, strict DTOs, /docs. CORS stays off: no browser on
 * another origin may call the ledger.
 */
export function configureHttpApp(app: INestApplication, title: string): void {
  assertEveryRouteDeclaresAccess(app);
  app.use(observeRequests(optionalMetrics(app)));
  app.use(helmet());
  app.use(...ijsonBody());
  app.useGlobalInterceptors(new HandledRequests());
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(ledgerValidationPipe());
  const express = app.getHttpAdapter().getInstance() as { disable(setting: string): void };
  express.disable('x-powered-by');
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(title)
      .setDescription('Event-sourced evidence ledger for casualty claims. The contract is API.md.')
      .addBearerAuth()
      .build(),
  );
  // No Swagger compiler plugin here: the request schemas come from the class-validator rules.
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...validationSchemas() },
  };
  SwaggerModule.setup('docs', app, document);
}

/** The app's metrics, when it keeps any (an app built without LedgerMetrics still logs requests). */
function optionalMetrics(app: INestApplication): LedgerMetrics | undefined {
  try {
    return app.get(LedgerMetrics, { strict: false });
  } catch {
    return undefined;
  }
}

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish (bounded), then run
 * the shutdown hooks (consumers commit their offsets, loops stop, pools close), then `afterClose`
 * (the embedded database, once nothing uses it).
 */
export function closeGracefullyOnSignal(
  app: INestApplication | { close(): Promise<void> },
  { drainMs = 10000, afterClose }: { drainMs?: number; afterClose?: () => Promise<void> } = {},
): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: draining and stopping`);
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, drainMs + 10000);
    force.unref();
    void (async () => {
      if ('getHttpServer' in app) {
        const server = app.getHttpServer() as Server;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            server.closeAllConnections();
            resolve();
          }, drainMs);
          server.close(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      await app.close();
      await afterClose?.();
      process.exit(0);
    })().catch((error: unknown) => {
      logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
