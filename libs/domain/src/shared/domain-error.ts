/** How the edge should treat a refusal; the domain never speaks HTTP. */
export type DomainErrorKind = 'invalid' | 'not-found' | 'conflict' | 'forbidden';

export interface FieldProblem {
  /** JSON Pointer (RFC 6901) into the request body. */
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: DomainErrorKind,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static invalid(code: string, fields: FieldProblem[]): DomainError {
    return new DomainError(code, 'invalid', fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
  }
}
