import { createSecretKey } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { LedgerConfig } from '@ledger/config';
import { isRole, type Role } from '@ledger/domain';

export interface Principal {
  sub: string;
  roles: Role[];
}

export class InvalidTokenError extends Error {}

/** The identity provider's key set could not be fetched: no token can be judged, so 503, not 401. */
export class KeysUnavailableError extends Error {
  readonly code = 'AUTH.KEYS_UNAVAILABLE';
  readonly status = 503;
  readonly headers = { 'Retry-After': '5' };

  constructor() {
    super('The identity provider\'s keys (LEDGER_JWKS_URL) cannot be fetched now.');
  }
}

/** Failures of the key set itself, as opposed to a bad token. */
const KEY_SET_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/** Opaque user ids only: a name or an e-mail would be hashed into the ledger forever. */
const SUBJECT = /^[A-Za-z0-9._:@|-]{1,128}$/;
const EMAIL = /@[^@]+\.[^@]+$/;

/** What the identity provider may sign with; never `none`, never a MAC with a public key. */
const JWKS_ALGORITHMS = ['RS256', 'EdDSA'];

/**
 * A token whose `kid` is not in the cached key set refetches LEDGER_JWKS_URL (key rotation), at
 * most once per this many milliseconds, so a flood of made-up kids cannot hammer the provider.
 */
const JWKS_REFETCH_COOLDOWN_MS = 5000;

/**
 * Tokens by their `alg` header: HS256 signed with LEDGER_JWT_SECRET (development and tests), or
 * RS256/EdDSA checked against the identity provider's LEDGER_JWKS_URL (production). Each kind is
 * accepted only when its key is configured.
 */
@Injectable()
export class TokenVerifier {
  private readonly jwt: JwtService;
  private readonly hmac: boolean;
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;
  private readonly logger = new Logger('TokenVerifier');

  constructor(config: LedgerConfig) {
    // A KeyObject, not the string: given a string, jsonwebtoken first tries (and fails) to read it
    // as a public key on every verification, which cost most of a millisecond per request.
    const secret = config.LEDGER_JWT_SECRET ? createSecretKey(Buffer.from(config.LEDGER_JWT_SECRET, 'utf8')) : undefined;
    this.hmac = secret !== undefined;
    this.jwt = new JwtService({ secret });
    if (config.LEDGER_JWKS_URL) {
      this.jwks = createRemoteJWKSet(new URL(config.LEDGER_JWKS_URL), {
        cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
        timeoutDuration: 5000,
      });
    }
  }

  async verify(token: string): Promise<Principal> {
    return checkClaims(await this.signedClaims(token));
  }

  private async signedClaims(token: string): Promise<Record<string, unknown>> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new InvalidTokenError('the token header is not readable');
    }
    if (alg === 'HS256' && this.hmac) {
      try {
        return await this.jwt.verifyAsync<Record<string, unknown>>(token, { algorithms: ['HS256'] });
      } catch {
        throw new InvalidTokenError('the token is not valid');
      }
    }
    if (typeof alg === 'string' && JWKS_ALGORITHMS.includes(alg) && this.jwks) {
      try {
        const { payload } = await jwtVerify<JWTPayload>(token, this.jwks, { algorithms: JWKS_ALGORITHMS, requiredClaims: ['exp'] });
        return payload as Record<string, unknown>;
      } catch (error) {
        if (error instanceof errors.JOSEError && !KEY_SET_FAILURES.has(error.code)) throw new InvalidTokenError('the token is not valid');
        // Unreachable, timed out, not a key set: no token can be judged until it is back.
        this.logger.warn(`LEDGER_JWKS_URL cannot be fetched: ${error instanceof Error ? error.message : String(error)}`);
        throw new KeysUnavailableError();
      }
    }
    throw new InvalidTokenError('the token is signed with an algorithm this ledger does not accept');
  }

  /** Development tokens, minted by `npm run ledger -- token`. */
  mint(principal: Principal, ttlSeconds: number): string {
    return this.jwt.sign({ sub: principal.sub, roles: principal.roles }, { algorithm: 'HS256', expiresIn: ttlSeconds });
  }
}

/** The same checks whoever signed the token: an opaque `sub`, ledger roles, an `exp`. */
function checkClaims(claims: Record<string, unknown>): Principal {
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
