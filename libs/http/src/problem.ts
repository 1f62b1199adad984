import { HttpException, HttpStatus } from '@nestjs/common';
import type { FieldProblem } from '@ledger/domain';

/** RFC 9457 problem details, with our stable `code` and, for 400, the field paths. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(
  status: number,
  code: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemBody {
  return {
    type: `https://evidence-ledger.org/problems/${code.toLowerCase().replace(/[._]/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extensions,
  };
}

/** Thrown anywhere in the edge when the problem body is already known. */
export class ProblemException extends HttpException {
  constructor(readonly body: ProblemBody, readonly headers: Record<string, string> = {}) {
    super(body, body.status);
  }

  static badRequest(code: string, errors: FieldProblem[], detail = 'The request is not valid.'): ProblemException {
    return new ProblemException(problem(HttpStatus.BAD_REQUEST, code, detail, { errors }));
  }
}
