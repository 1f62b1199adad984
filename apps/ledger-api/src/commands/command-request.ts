import { createHash, randomUUID } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { CommandContext } from '@ledger/domain';
import type { AuthenticatedRequest } from '@ledger/http';
import { currentCorrelationId, ProblemException } from '@ledger/http';
import { canonicalize } from '@ledger/proof';
import type { Request } from 'express';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** What the edge knows about a command request: who, which command id, and its fingerprint. */
export interface CommandRequest {
  /** Everything but the time, which the handler takes from the injected clock. */
  context: Omit<CommandContext, 'issuedAt'>;
  /** SHA-256 over route, actor and body: a retry with the same Idempotency-Key must match it. */
  requestHash: string;
  /** From `If-Match: "<version>"`, when given. */
  expectedVersion?: number;
}

function header(request: Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function uuidHeader(request: Request, name: string): string | undefined {
  const value = header(request, name)?.trim();
  if (value === undefined) return undefined;
  if (!UUID.test(value)) throw ProblemException.badRequest('REQUEST.INVALID', [{ path: `header:${name}`, message: 'must be a UUID' }]);
  return value.toLowerCase();
}

export function readCommandRequest(request: Request & AuthenticatedRequest): CommandRequest {
  const actor = request.actor;
  if (!actor) throw new Error('command routes must declare @Roles');
  const commandId = uuidHeader(request, 'idempotency-key') ?? randomUUID();
  // The id the HTTP edge gave the request (echoed in X-Correlation-Id and in its log lines).
  const correlationId = uuidHeader(request, 'x-correlation-id') ?? currentCorrelationId() ?? commandId;
  const route = `${request.method} ${request.baseUrl}${request.path}`;
  const requestHash = createHash('sha256')
    .update(canonicalize({ route, actor, body: (request.body as unknown) ?? null }), 'utf8')
    .digest('hex');
  const ifMatch = header(request, 'if-match')?.trim();
  let expectedVersion: number | undefined;
  if (ifMatch !== undefined) {
    const match = /^(?:W\/)?"(\d{1,9})"$/.exec(ifMatch);
    if (!match) throw ProblemException.badRequest('REQUEST.INVALID', [{ path: 'header:if-match', message: 'must be "<version>"' }]);
    expectedVersion = Number(match[1]);
  }
  return {
    context: { commandId, correlationId, causationId: commandId, actor },
    requestHash,
    expectedVersion,
  };
}

/** The command's context, read from the authenticated request (Idempotency-Key, correlation, If-Match). */
export const CommandMeta = createParamDecorator((_: unknown, context: ExecutionContext): CommandRequest =>
  readCommandRequest(context.switchToHttp().getRequest()),
);
