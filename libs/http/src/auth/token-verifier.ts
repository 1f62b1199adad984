import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { LedgerConfig } from '@ledger/config';
import { isRole, type Role } from '@ledger/domain';

export interface Principal {
  sub: string;
  roles: Role[];
}

export class InvalidTokenError extends Error {}

/** Opaque user ids only: a name or an e-mail would be hashed into the ledger forever. */
const SUBJECT = /^[A-Za-z0-9._:@|-]{1,128}$/;
const EMAIL = /@[^@]+\.[^@]+$/;

/** HS256 tokens signed with LEDGER_JWT_SECRET (development and tests). */
@Injectable()
export class TokenVerifier {
  private readonly jwt: JwtService;

  constructor(config: LedgerConfig) {
    // A KeyObject, not the string: given a string, jsonwebtoken first tries (and fails) to read it
    // as a public key on every verification, which cost most of a millisecond per request.
    const secret = config.LEDGER_JWT_SECRET ? createSecretKey(Buffer.from(config.LEDGER_JWT_SECRET, 'utf8')) : undefined;
    this.jwt = new JwtService({ secret });
  }

  async verify(token: string): Promise<Principal> {
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync<Record<string, unknown>>(token, { algorithms: ['HS256'] });
    } catch {
      throw new InvalidTokenError('the token is not valid');
    }
    const { sub, roles, exp } = claims;
    if (typeof exp !== 'number') throw new InvalidTokenError('the token has no exp');
    if (typeof sub !== 'string' || !SUBJECT.test(sub) || EMAIL.test(sub)) {
      throw new InvalidTokenError('sub must be an opaque user id');
    }
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every(isRole)) {
      throw new InvalidTokenError('roles must be a non-empty array of ledger roles');
    }
    return { sub, roles: [...new Set(roles)] };
  }

  /** Development tokens, minted by `npm run ledger -- token`. */
  mint(principal: Principal, ttlSeconds: number): string {
    return this.jwt.sign({ sub: principal.sub, roles: principal.roles }, { algorithm: 'HS256', expiresIn: ttlSeconds });
  }
}
