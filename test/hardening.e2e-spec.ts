import type { LedgerConfig } from '@ledger/config';
import type pg from 'pg';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { eventually, freshTestLedger, superuser } from './support/test-ledger.js';

const HEADERS = {
  'content-security-policy': /default-src 'self'/,
  'strict-transport-security': /max-age=\d+/,
  'x-content-type-options': /: nosniff$/,
  'x-frame-options': /: SAMEORIGIN$/,
  'referrer-policy': /no-referrer/,
  'cross-origin-opener-policy': /same-origin/,
};

/** The HTTP edge against a hostile world: security headers, no CORS, per-user rate limits, bare 500s. */
describe('hardening of the HTTP edge', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;

  beforeAll(async () => {
    config = await freshTestLedger('hardening');
    api = await startLedgerApi(config, { withProjector: true });
    db = await superuser(config);
    await eventually(async () => ((await fetch(`${api.url}/health`)).status === 200 ? true : undefined), 'the ledger to be healthy', 30000);
  }, 60000);

  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  it('sends the helmet security headers on every response, errors included, and no X-Powered-By', async () => {
    const token = api.token('u-doc-h', 'documenter');
    const responses = [
      await fetch(`${api.url}/health`),
      await fetch(`${api.url}/claims`, { headers: { authorization: `Bearer ${token}` } }),
      await fetch(`${api.url}/claims`),
      await fetch(`${api.url}/ledger/events`, { headers: { authorization: `Bearer ${token}` } }),
      await fetch(`${api.url}/claims`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: 'x' }),
      await fetch(`${api.url}/no-such-route`),
      await fetch(`${api.url}/docs`),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 200, 401, 403, 415, 404, 200]);
    for (const response of responses) {
      for (const [name, value] of Object.entries(HEADERS)) expect(`${name}: ${response.headers.get(name)}`).toMatch(value);
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('answers no cross-origin request: no Access-Control-Allow-Origin for a foreign Origin', async () => {
    const origin = 'https://attacker.example';
    const preflight = await fetch(`${api.url}/claims`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
    const simple = await fetch(`${api.url}/health`, { headers: { origin } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    expect(simple.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('answers a database failure with a bare 500 problem: code INTERNAL, no SQL, no stack', async () => {
    const token = api.token('u-doc-h', 'documenter');
    await db.query('ALTER TABLE claim_view RENAME TO claim_view_hidden');
    let response: Response;
    try {
      response = await fetch(`${api.url}/claims?q=hussein`, { headers: { authorization: `Bearer ${token}` } });
    } finally {
      await db.query('ALTER TABLE claim_view_hidden RENAME TO claim_view');
    }
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      type: 'https://evidence-ledger.org/problems/internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'The ledger could not complete the request.',
      code: 'INTERNAL',
    });
    expect(text).not.toMatch(/claim_view|relation|SELECT|FROM|QueryFailed|\bat \S+:\d+/i);
    expect((await fetch(`${api.url}/claims`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});

describe('rate limiting per user (LEDGER_RATE_LIMIT)', () => {
  let api: TestApp;

  beforeAll(async () => {
    api = await startLedgerApi(await freshTestLedger('hardening_rate', { LEDGER_RATE_LIMIT: '5' }), { withProjector: false });
  }, 60000);

  afterAll(async () => {
    await api?.close();
  });

  const get = (token?: string): Promise<Response> =>
    fetch(`${api.url}/perpetrators`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('allows LEDGER_RATE_LIMIT requests a minute per user, then 429 problem+json with Retry-After', async () => {
    const alice = api.token('u-rate-alice', 'documenter');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await get(alice)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const refused = await get(alice);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'REQUEST.RATE_LIMITED' });
    // A fresh token for the same user counts against the same limit: the tracker is the sub.
    expect((await get(api.token('u-rate-alice', 'verifier'))).status).toBe(429);
  });

  it('counts each user on their own, from the same address', async () => {
    expect((await get(api.token('u-rate-bob', 'documenter'))).status).toBe(200);
  });

  it('counts unauthenticated public calls by address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await fetch(`${api.url}/ledger/key`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('is off with LEDGER_RATE_LIMIT=0', async () => {
    const unlimited = await startLedgerApi(await freshTestLedger('hardening_norate', { LEDGER_RATE_LIMIT: '0' }), { withProjector: false });
    try {
      const token = unlimited.token('u-rate-carol', 'documenter');
      const statuses = await Promise.all(
        Array.from({ length: 30 }, async () => (await fetch(`${unlimited.url}/perpetrators`, { headers: { authorization: `Bearer ${token}` } })).status),
      );
      expect(new Set(statuses)).toEqual(new Set([200]));
    } finally {
      await unlimited.close();
    }
  }, 60000);
});
