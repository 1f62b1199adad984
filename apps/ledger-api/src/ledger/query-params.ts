import { ProblemException } from '@ledger/http';

/** A non-negative integer query parameter within bounds, or a 400 naming it. */
export function integerParam(
  name: string,
  text: string | undefined,
  { min, max = Number.MAX_SAFE_INTEGER, fallback }: { min: number; max?: number; fallback?: number },
): number {
  if (text === undefined && fallback !== undefined) return fallback;
  const value = text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw ProblemException.badRequest('REQUEST.INVALID', [{ path: `query:${name}`, message: `must be an integer ${range}` }]);
  }
  return value;
}
