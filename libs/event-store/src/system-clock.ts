import { randomUUID } from 'node:crypto';
import { Clock, IdGenerator } from '@ledger/domain';

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

export class RandomIds extends IdGenerator {
  uuid(): string {
    return randomUUID();
  }
}
