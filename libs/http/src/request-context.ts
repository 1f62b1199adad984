import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What every log line written while handling one request may say about it. */
export interface RequestContext {
  readonly correlationId: string;
}

export const CORRELATION_HEADER = 'x-correlation-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const storage = new AsyncLocalStorage<RequestContext>();

/**
 * The request's correlation id: its `X-Correlation-Id` when that is a UUID (the ledger records it
 * in every event the request appends, as API.md's envelope says: a UUID), else a new one.
 */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value !== undefined && UUID.test(value) ? value.toLowerCase() : randomUUID();
}

/** Runs `fn` (and everything it starts) as part of the request `context` describes. */
export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The correlation id of the request this code runs for, if it runs for one. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}
