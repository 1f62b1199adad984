import { Injectable, type CanActivate, type ExecutionContext, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LedgerConfig } from '@ledger/config';
import type { Request, Response } from 'express';
import type { AuthenticatedRequest } from './auth/auth.decorators.js';
import { problem, ProblemException } from './problem.js';

const WINDOW_MS = 60000;

interface Window {
  resetAt: number;
  count: number;
}

/**
 * LEDGER_RATE_LIMIT requests per minute per user, counted in this process: the verified token's
 * `sub` (it runs after the AuthGuard), else the client address (public routes), so a user's limit
 * is theirs alone whichever address they call from. Over it: 429 problem+json
 * (REQUEST.RATE_LIMITED) with Retry-After in seconds.
 *
 * Not @nestjs/throttler: its latest release (6.7) is CommonJS and requires the ES-module-only
 * @nestjs/common 12, which Node 20 loads but Jest on Node 20 cannot, so no e2e test could load it.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limit: number;
  private readonly windows = new Map<string, Window>();
  private nextSweep = 0;

  constructor(config: LedgerConfig) {
    this.limit = config.LEDGER_RATE_LIMIT;
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.limit === 0) return true;
    const request = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const tracker = request.principal ? `user:${request.principal.sub}` : `ip:${request.ip ?? request.socket.remoteAddress ?? ''}`;
    const now = Date.now();
    this.sweep(now);
    let window = this.windows.get(tracker);
    if (!window || window.resetAt <= now) {
      window = { resetAt: now + WINDOW_MS, count: 0 };
      this.windows.set(tracker, window);
    }
    window.count += 1;
    const response = context.switchToHttp().getResponse<Response>();
    if (window.count > this.limit) {
      const retryAfter = String(Math.max(1, Math.ceil((window.resetAt - now) / 1000)));
      throw new ProblemException(
        problem(429, 'REQUEST.RATE_LIMITED', `At most ${this.limit} requests per minute per user.`),
        { 'Retry-After': retryAfter },
      );
    }
    response.setHeader('RateLimit-Limit', String(this.limit));
    response.setHeader('RateLimit-Remaining', String(this.limit - window.count));
    return true;
  }

  /** Forgets finished windows once a minute, so idle users and addresses cost no memory. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + WINDOW_MS;
    for (const [tracker, window] of this.windows) if (window.resetAt <= now) this.windows.delete(tracker);
  }
}

/** Register after the AuthGuard, so the tracker sees the verified principal. Nothing at all when LEDGER_RATE_LIMIT is 0. */
export function rateLimiting(config: LedgerConfig): Provider[] {
  return config.LEDGER_RATE_LIMIT === 0 ? [] : [{ provide: APP_GUARD, useClass: RateLimitGuard }];
}
