/** Time and identity come from outside the domain so that decisions replay identically. */
export abstract class Clock {
  abstract now(): Date;
}

export abstract class IdGenerator {
  abstract uuid(): string;
}
