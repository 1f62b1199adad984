import { Doorbell } from '@ledger/event-store';
import { projectionWatermark } from '@ledger/read-models';
import type { DataSource } from 'typeorm';

/** How long a read waits for the read model to catch up before answering 503 (API.md). */
export const READ_MODEL_WAIT_MS = 5000;
const POLL_MS = 25;

export class ReadModelBehindError extends Error {
  readonly code = 'READMODEL.BEHIND';
  readonly status = 503;
  readonly headers = { 'Retry-After': '1' };
}

/** Polls `ready` until it returns a value, or throws READMODEL.BEHIND after the wait. */
export async function awaitReadModel<T>(ready: () => Promise<T | undefined>, behind: string): Promise<T> {
  const doorbell = new Doorbell();
  const deadline = Date.now() + READ_MODEL_WAIT_MS;
  for (;;) {
    const value = await ready();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new ReadModelBehindError(behind);
    await doorbell.wait(POLL_MS);
  }
}

/** The seq a read answers as of: the one asked for once the projection reflects it, else its watermark. */
export async function readSeq(dataSource: DataSource, projection: string, asked: number | undefined): Promise<number> {
  if (asked === undefined) return projectionWatermark(dataSource, projection);
  return awaitReadModel(
    async () => ((await projectionWatermark(dataSource, projection)) >= asked ? asked : undefined),
    `the ${projection} read model does not reflect seq ${asked} yet`,
  );
}
