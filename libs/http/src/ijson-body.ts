import { IJsonError, parseIJson } from '@ledger/proof';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { problem } from './problem.js';

const BODY_LIMIT = '1mb';

function send(response: Response, status: number, code: string, detail: string, errors?: unknown[]): void {
  const body = problem(status, code, detail, errors ? { errors } : {});
  response.status(status).type('application/problem+json').send(JSON.stringify(body));
}

/** Members that reach an object's prototype when copied onto it (class-transformer does). */
const PROTOTYPE_MEMBERS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The JSON Pointer of the first member named `__proto__`, `constructor` or `prototype` at any
 * depth: no DTO has one, and copied onto a DTO instance one would replace or reach its prototype
 * (and slip past the whitelist). Iterative, since depth is bounded only by the body limit.
 */
function prototypeMember(value: unknown): string | undefined {
  const stack: Array<{ value: unknown; pointer: string }> = [{ value, pointer: '' }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    for (const [key, member] of Object.entries(next.value)) {
      const pointer = `${next.pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (PROTOTYPE_MEMBERS.has(key)) return pointer;
      stack.push({ value: member, pointer });
    }
  }
  return undefined;
}

/**
 * Request bodies are parsed here and only here, as I-JSON (RFC 7493): duplicate members, lone
 * surrogates, U+0000 and numbers beyond IEEE double are refused before any handler sees them.
 */
export function ijsonBody(): RequestHandler[] {
  const readText = express.text({ type: () => true, limit: BODY_LIMIT, defaultCharset: 'utf-8' });
  const parse = (request: Request, response: Response, next: NextFunction): void => {
    const text: unknown = request.body;
    if (typeof text !== 'string' || text.length === 0) {
      request.body = undefined;
      next();
      return;
    }
    if (!request.is(['application/json', 'application/*+json'])) {
      send(response, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be application/json.');
      return;
    }
    const charset = request.headers['content-type']?.match(/;\s*charset\s*=\s*"?([^";\s]+)/i)?.[1].toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      send(response, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be UTF-8.');
      return;
    }
    try {
      const body = parseIJson(text);
      const pointer = prototypeMember(body);
      if (pointer !== undefined) {
        send(response, 400, 'REQUEST.INVALID', 'The request is not valid.', [{ path: pointer, message: 'is not a permitted member name' }]);
        return;
      }
      request.body = body;
      next();
    } catch (error) {
      if (!(error instanceof IJsonError)) throw error;
      send(response, 400, 'REQUEST.NOT_IJSON', 'The body is not I-JSON (RFC 7493).', [
        { path: error.path, message: error.message },
      ]);
    }
  };
  const tooLarge = (error: unknown, _request: Request, response: Response, next: NextFunction): void => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') send(response, 413, 'REQUEST.TOO_LARGE', `Bodies are limited to ${BODY_LIMIT}.`);
    else if (type === 'encoding.unsupported' || type === 'charset.unsupported')
      send(response, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be UTF-8.');
    else if (error) send(response, 400, 'REQUEST.UNREADABLE', 'The request body could not be read.');
    else next();
  };
  return [readText, tooLarge as unknown as RequestHandler, parse];
}
