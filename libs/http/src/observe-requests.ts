import { Injectable, Logger, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Observable } from 'rxjs';
import type { AuthenticatedRequest } from './auth/auth.decorators.js';
import type { LedgerMetrics } from './metrics/ledger-metrics.js';
import { CORRELATION_HEADER, correlationIdFrom, runInRequestContext, type RequestContext } from './request-context.js';

/** Set on a request that got past the guards to its route's handler (pipes, handler, filters). */
const HANDLED = Symbol('ledger:handled');

type ObservedRequest = Request & AuthenticatedRequest & { [HANDLED]?: true };

/** The route's template in OpenAPI style (`/claims/{id}`), never the URL: no ids in labels or logs. */
export function routeTemplate(expressPath: unknown): string {
  if (typeof expressPath !== 'string') return '(unmatched)';
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export type CommandOutcomeLabel = 'accepted' | 'replayed' | 'invalid' | 'refused' | 'failed';

/** What became of a command, from its answer: refusals are the domain's and the ledger's 4xx. */
export function commandOutcome(status: number, replayed: boolean): CommandOutcomeLabel {
  if (status >= 500) return 'failed';
  if (status >= 400) return status === 400 || status === 413 || status === 415 ? 'invalid' : 'refused';
  return replayed ? 'replayed' : 'accepted';
}

/**
 * First on every request: its correlation id (a valid `X-Correlation-Id`, else a new one) is
 * echoed in the response and carried (AsyncLocalStorage) through everything the request runs, so
 * every log line written for it names it. When the response is done: one access log line
 * (method, route template, status, duration, correlation id, user id; never a token, a body or a
 * URL), the HTTP latency histogram, and the command counter for POST routes.
 */
export function observeRequests(metrics?: LedgerMetrics): RequestHandler {
  const logger = new Logger('Http');
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const context: RequestContext = { correlationId: correlationIdFrom(request.headers[CORRELATION_HEADER]) };
    response.setHeader('X-Correlation-Id', context.correlationId);
    response.once('close', () => {
      const observed = request as ObservedRequest;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // A client that went away before the answer was sent: nginx's 499.
      const status = response.writableFinished ? response.statusCode : 499;
      const route = routeTemplate((request.route as { path?: unknown } | undefined)?.path);
      metrics?.httpDuration.observe({ method: request.method, route, status: String(status) }, seconds);
      if (observed[HANDLED] && request.method === 'POST') {
        metrics?.commands.inc({ command: `POST ${route}`, outcome: commandOutcome(status, response.getHeader('Idempotent-Replayed') === 'true') });
      }
      const userId = observed.principal?.sub;
      runInRequestContext(context, () =>
        logger.log(`${request.method} ${route} ${status}`, {
          method: request.method,
          route,
          status,
          durationMs: Math.round(seconds * 10000) / 10,
          ...(userId === undefined ? {} : { userId }),
        }),
      );
    });
    runInRequestContext(context, next);
  };
}

/** Marks requests that reached their handler (the guards let them through): those are commands handled. */
@Injectable()
export class HandledRequests implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    context.switchToHttp().getRequest<ObservedRequest>()[HANDLED] = true;
    return next.handle();
  }
}
