import type { FieldProblem } from '@ledger/domain';

export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

/** Cursors are opaque to clients: the filed seq of the last claim shown (unique, so the order is stable). */
export function encodeCursor(filedSeq: number): string {
  return Buffer.from(`f:${filedSeq}`).toString('base64url');
}

export function decodeCursor(text: string): number | undefined {
  const match = /^f:(\d{1,15})$/.exec(Buffer.from(text, 'base64url').toString());
  return match ? Number(match[1]) : undefined;
}

/** `limit` and `cursor` of a list route; problems are named `query:<name>`. */
export function parsePaging(query: Record<string, unknown>, problems: FieldProblem[]): { limit: number; after?: number } {
  let limit = PAGE_DEFAULT;
  if (query.limit !== undefined) {
    const text = query.limit;
    if (typeof text === 'string' && /^\d{1,3}$/.test(text) && Number(text) >= 1 && Number(text) <= PAGE_MAX) limit = Number(text);
    else problems.push({ path: 'query:limit', message: `must be an integer from 1 to ${PAGE_MAX}` });
  }
  let after: number | undefined;
  if (query.cursor !== undefined) {
    after = typeof query.cursor === 'string' ? decodeCursor(query.cursor) : undefined;
    if (after === undefined) problems.push({ path: 'query:cursor', message: 'is not a cursor this API gave out' });
  }
  return { limit, after };
}

/** Rejects parameters a route does not define (API.md: unknown members are 400, never ignored). */
export function unknownParameters(query: Record<string, unknown>, known: readonly string[], problems: FieldProblem[]): void {
  for (const name of Object.keys(query)) if (!known.includes(name)) problems.push({ path: `query:${name}`, message: 'is not a known parameter' });
}
