import type { Actor } from './actor.js';

/** What every command carries, copied into the events it causes. */
export interface CommandContext {
  commandId: string;
  correlationId: string;
  causationId: string;
  actor: Actor;
  /** When the command was issued (the injected clock, never `new Date()` in the domain). */
  issuedAt: Date;
}
