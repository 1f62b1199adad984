import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import type { FieldProblem } from '@ledger/domain';
import { ProblemException } from './problem.js';

/** Flattens class-validator's tree into JSON Pointer paths, e.g. `/victim/ageGroup`. */
export function fieldProblems(errors: ValidationError[], base = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const path = `${base}/${error.property}`;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      problems.push({ path, message: constraint === 'whitelistValidation' ? 'is not a known member' : message });
    }
    problems.push(...fieldProblems(error.children ?? [], path));
  }
  return problems;
}

/**
 * whitelist + forbidNonWhitelisted: members the contract does not define are rejected, never
 * dropped. A query string's problems are named `query:<parameter>`, a body's by JSON Pointer.
 */
class LedgerValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => ProblemException.badRequest('REQUEST.INVALID', fieldProblems(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (metadata.type !== 'query' || !(error instanceof ProblemException) || !Array.isArray(error.body.errors)) throw error;
      const errors = error.body.errors.map(({ path, message }) => ({ path: `query:${path.slice(1).replace(/\//g, '.')}`, message }));
      throw ProblemException.badRequest('REQUEST.INVALID', errors);
    }
  }
}

export function ledgerValidationPipe(): ValidationPipe {
  return new LedgerValidationPipe();
}

/**
 * A validated DTO as the plain JSON the domain and the ledger hash take: class instances and
 * members left undefined (absent optionals) do not survive.
 */
export function plainJson<T>(dto: T): T {
  return JSON.parse(JSON.stringify(dto)) as T;
}
