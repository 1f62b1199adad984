import { IJsonError, parseIJson } from '@ledger/proof';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { problem } from './problem.js';

const BODY_LIMIT = '1mb';

function send(response: Response, status: number, code: string, detail: string, errors?: unknown[]): void {
  const body = problem(status, code, detail, errors ? { errors } : {});
  response.status(status).type('application/problem+json').send(JSON.stringify(body));
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
    try {
      request.body = parseIJson(text);
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
