import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { LedgerConfig } from '@ledger/config';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { freePort } from './support/ledger-process.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { freshTestLedger } from './support/test-ledger.js';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'EdDSA';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function signingKey(kid: string, alg: 'RS256' | 'EdDSA'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function sign(key: SigningKey, claims: Record<string, unknown> = {}, expiresIn: string | number = '10m'): Promise<string> {
  return new SignJWT({ sub: 'u-idp-7f3a', roles: ['documenter'], ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key.privateKey);
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Production identity: RS256/EdDSA tokens checked against the identity provider's JWKS, here a
 * node:http server owned by the test, whose published keys the test rotates.
 */
describe('identity: tokens verified against LEDGER_JWKS_URL', () => {
  let published: JWK[] = [];
  let fetches = 0;
  let jwks: Server;
  let jwksUrl: string;
  let first: SigningKey;
  let ed: SigningKey;
  let rotated: SigningKey;
  let stranger: SigningKey;

  beforeAll(async () => {
    first = await signingKey('k-2026-11', 'RS256');
    ed = await signingKey('k-ed-2026-11', 'EdDSA');
    rotated = await signingKey('k-2026-12', 'RS256');
    stranger = await signingKey('k-unknown', 'RS256');
    published = [first.publicJwk, ed.publicJwk];
    const port = await freePort();
    jwks = createServer((_request, response) => {
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => jwks.listen(port, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    jwks.closeAllConnections();
    await new Promise((resolve) => jwks.close(resolve));
  });

  const call = (api: TestApp, token: string): Promise<Response> =>
    fetch(`${api.url}/perpetrators`, { headers: { authorization: `Bearer ${token}` } });

  describe('with only LEDGER_JWKS_URL (production)', () => {
    let config: LedgerConfig;
    let api: TestApp;

    beforeAll(async () => {
      config = await freshTestLedger('identity_jwks', { LEDGER_JWKS_URL: jwksUrl, LEDGER_JWT_SECRET: '' });
      expect(config.LEDGER_JWT_SECRET).toBeUndefined();
      api = await startLedgerApi(config, { withProjector: false });
    }, 60000);

    afterAll(async () => {
      await api?.close();
    });

    it('accepts RS256 and EdDSA tokens signed by a published key, with the roles they carry', async () => {
      expect((await call(api, await sign(first))).status).toBe(200);
      expect((await call(api, await sign(ed))).status).toBe(200);
      const filed = await fetch(`${api.url}/ledger/events?after=0`, {
        headers: { authorization: `Bearer ${await sign(first, { roles: ['auditor'] })}` },
      });
      expect(filed.status).toBe(200);
    });

    it('follows a key rotation: a token signed with a key published later verifies', async () => {
      const before = fetches;
      expect((await call(api, await sign(rotated))).status).toBe(401);
      published = [rotated.publicJwk, ed.publicJwk];
      // An unknown kid refetches the set, at most once per cooldown (5 s).
      const deadline = Date.now() + 15000;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await call(api, await sign(rotated))).status;
        if (status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status).toBe(200);
      expect(fetches).toBeGreaterThan(before);
    }, 30000);

    it('refuses a token signed by a key that is not in the set', async () => {
      const response = await call(api, await sign(stranger));
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 401, code: 'AUTH.UNAUTHENTICATED' });
    });

    it('refuses an expired token', async () => {
      expect((await call(api, await sign(rotated, {}, Math.floor(Date.now() / 1000) - 60))).status).toBe(401);
    });

    it('refuses a token without exp, a named sub, or without ledger roles', async () => {
      const noExp = await new SignJWT({ roles: ['documenter'] })
        .setProtectedHeader({ alg: 'RS256', kid: rotated.kid })
        .setSubject('u-1')
        .sign(rotated.privateKey);
      expect((await call(api, noExp)).status).toBe(401);
      expect((await call(api, await sign(rotated, { sub: 'alice@example.org' }))).status).toBe(401);
      expect((await call(api, await sign(rotated, { roles: [] }))).status).toBe(401);
      expect((await call(api, await sign(rotated, { roles: ['root'] }))).status).toBe(401);
    });

    it('refuses alg=none', async () => {
      const exp = Math.floor(Date.now() / 1000) + 600;
      const unsigned = `${b64url({ alg: 'none', typ: 'JWT', kid: rotated.kid })}.${b64url({ sub: 'u-1', roles: ['admin'], exp })}.`;
      expect((await call(api, unsigned)).status).toBe(401);
      expect((await call(api, `${unsigned}AAAA`)).status).toBe(401);
    });

    it('refuses an HS256 token whose MAC key is the published public key', async () => {
      const exp = Math.floor(Date.now() / 1000) + 600;
      const input = `${b64url({ alg: 'HS256', typ: 'JWT', kid: rotated.kid })}.${b64url({ sub: 'u-1', roles: ['admin'], exp })}`;
      for (const secret of [JSON.stringify(rotated.publicJwk), rotated.publicJwk.n ?? '']) {
        const mac = createHmac('sha256', secret).update(input).digest('base64url');
        expect((await call(api, `${input}.${mac}`)).status).toBe(401);
      }
    });

    it('refuses development HS256 tokens when no LEDGER_JWT_SECRET is configured', async () => {
      const exp = Math.floor(Date.now() / 1000) + 600;
      const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'u-1', roles: ['admin'], exp })}`;
      const mac = createHmac('sha256', '').update(input).digest('base64url');
      expect((await call(api, `${input}.${mac}`)).status).toBe(401);
    });
  });

  describe('with both LEDGER_JWT_SECRET and LEDGER_JWKS_URL', () => {
    let api: TestApp;

    beforeAll(async () => {
      published = [rotated.publicJwk];
      api = await startLedgerApi(await freshTestLedger('identity_both', { LEDGER_JWKS_URL: jwksUrl }), { withProjector: false });
    }, 60000);

    afterAll(async () => {
      await api?.close();
    });

    it('accepts either kind by the token alg header', async () => {
      expect((await call(api, api.token('u-dev-1', 'documenter'))).status).toBe(200);
      expect((await call(api, await sign(rotated))).status).toBe(200);
    });

    it('still refuses alg=none, foreign keys and HS256 under the public key', async () => {
      const exp = Math.floor(Date.now() / 1000) + 600;
      const none = `${b64url({ alg: 'none' })}.${b64url({ sub: 'u-1', roles: ['admin'], exp })}.`;
      expect((await call(api, none)).status).toBe(401);
      expect((await call(api, await sign(stranger))).status).toBe(401);
      const input = `${b64url({ alg: 'HS256', kid: rotated.kid })}.${b64url({ sub: 'u-1', roles: ['admin'], exp })}`;
      const mac = createHmac('sha256', JSON.stringify(rotated.publicJwk)).update(input).digest('base64url');
      expect((await call(api, `${input}.${mac}`)).status).toBe(401);
    });
  });

  describe('when the key set cannot be fetched', () => {
    let api: TestApp;
    let unreachable: string;

    beforeAll(async () => {
      unreachable = `http://127.0.0.1:${await freePort()}/jwks.json`;
      api = await startLedgerApi(await freshTestLedger('identity_down', { LEDGER_JWKS_URL: unreachable }), { withProjector: false });
    }, 60000);

    afterAll(async () => {
      await api?.close();
    });

    it('answers 503 with Retry-After (no token can be judged), while development tokens still work', async () => {
      const response = await call(api, await sign(first));
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      const body = await response.text();
      expect(JSON.parse(body)).toMatchObject({ status: 503, code: 'AUTH.KEYS_UNAVAILABLE' });
      expect(body).not.toContain('127.0.0.1');
      expect((await call(api, api.token('u-dev-2', 'documenter'))).status).toBe(200);
      expect((await call(api, 'garbage.garbage.garbage')).status).toBe(401);
    });
  });
});
