import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { DomainError, type DomainErrorKind } from '@ledger/domain';
import type { Response } from 'express';
import { problem, ProblemException, type ProblemBody } from './problem.js';

const STATUS_OF_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  forbidden: 403,
};

interface CodedError {
  code: string;
  message: string;
  status?: number;
  extensions?: Record<string, unknown>;
  /** Response headers the error calls for (Retry-After on a 503, say). */
  headers?: Record<string, string>;
}

/** The one place where errors become HTTP: RFC 9457 bodies, never a stack trace or SQL text. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { body, headers } = this.toProblem(exception);
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }

  private toProblem(exception: unknown): { body: ProblemBody; headers: Record<string, string> } {
    if (exception instanceof ProblemException) return { body: exception.body, headers: exception.headers };
    if (exception instanceof DomainError) {
      const status = STATUS_OF_KIND[exception.kind];
      const extensions = exception.fields.length > 0 ? { errors: exception.fields } : {};
      return { body: problem(status, exception.code, exception.message, extensions), headers: {} };
    }
    if (isCoded(exception)) {
      const body = problem(exception.status ?? 409, exception.code, exception.message, exception.extensions ?? {});
      return { body, headers: exception.headers ?? {} };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { body: problem(status, httpCode(status), httpDetail(exception)), headers: {} };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { body: problem(500, 'INTERNAL', 'The ledger could not complete the request.'), headers: {} };
  }
}

function isCoded(error: unknown): error is CodedError {
  if (!(error instanceof Error)) return false;
  const code: unknown = (error as Partial<CodedError>).code;
  return typeof code === 'string' && /^[A-Z][A-Z_]*\.[A-Z_]+$/.test(code);
}

function httpCode(status: number): string {
  switch (status) {
    case 401:
      return 'AUTH.UNAUTHENTICATED';
    case 403:
      return 'AUTH.FORBIDDEN';
    case 404:
      return 'ROUTE.NOT_FOUND';
    case 413:
      return 'REQUEST.TOO_LARGE';
    case 415:
      return 'REQUEST.UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'REQUEST.RATE_LIMITED';
    default:
      return status >= 500 ? 'INTERNAL' : 'REQUEST.INVALID';
  }
}

function httpDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return typeof message === 'string' ? message : exception.message;
}
