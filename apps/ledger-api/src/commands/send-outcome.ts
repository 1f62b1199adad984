import type { CommandOutcome, CommandResponse } from '@ledger/event-store';
import type { Response } from 'express';

/** Status and ETag of a command answer; a replayed answer keeps the status it first had. */
export function sendOutcome<R extends CommandResponse>(response: Response, outcome: CommandOutcome<R>): R {
  response.status(outcome.status);
  response.setHeader('ETag', `"${outcome.response.version}"`);
  if (outcome.replayed) response.setHeader('Idempotent-Replayed', 'true');
  return outcome.response;
}
