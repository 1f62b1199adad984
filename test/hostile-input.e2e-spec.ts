import { createHmac, randomUUID } from 'node:crypto';
import type { LedgerConfig } from '@ledger/config';
import { ROLES } from '@ledger/domain';
import { routeAccess, type RouteAccess } from '@ledger/http';
import type pg from 'pg';
import { claimBody } from './fixtures/claims.js';
import { LedgerUser } from './support/ledger-client.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { eventually, freshTestLedger, superuser } from './support/test-ledger.js';

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const DROP = "'; DROP TABLE ledger_events; --";
const SCRIPT = '<script>alert(document.cookie)</script>';

interface Attempt {
  status: number;
  code?: string;
}

/**
 * Hostile input at every command route (every POST the app has): each attempt is refused with
 * the right status, appends nothing to the ledger, pollutes nothing, and leaves the app healthy.
 */
describe('hostile input at every command route', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;
  let commands: RouteAccess[];
  let everyRole: string;
  let claimId: string;
  let testimonyId: string;
  let incidentId: string;

  /** Real ids, so a route's own checks pass and the body is what is refused. */
  const concrete = (path: string): string =>
    path
      .replace('{id}', path.startsWith('/incidents') ? incidentId : claimId)
      .replace('{testimonyId}', testimonyId)
      .replace('{disputeId}', randomUUID())
      .replace('{subject}', 'witness:W-hostile')
      .replace('{name}', 'claims');

  const ledgerSize = async (): Promise<number> => Number((await db.query('SELECT count(*) AS n FROM ledger_events')).rows[0].n);

  const send = async (route: RouteAccess, body: string, headers: Record<string, string> = {}, path = concrete(route.path)): Promise<Attempt> => {
    const response = await fetch(`${api.url}${path}`, {
      method: route.method,
      headers: { authorization: `Bearer ${everyRole}`, 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await response.text();
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { code?: string }).code;
    } catch {
      code = undefined;
    }
    return { status: response.status, code };
  };

  /** Runs `attempts` at every command route and checks what each must not do. */
  const atEveryCommandRoute = async (attempt: (route: RouteAccess) => Promise<Attempt>, allowed: (a: Attempt) => boolean): Promise<void> => {
    const before = await ledgerSize();
    const wrong: string[] = [];
    for (const route of commands) {
      const answer = await attempt(route);
      if (!allowed(answer)) wrong.push(`${route.method} ${route.path}: ${answer.status} ${answer.code ?? ''}`);
    }
    expect(wrong).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await ledgerSize()).toBe(before);
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  };

  beforeAll(async () => {
    config = await freshTestLedger('hostile');
    api = await startLedgerApi(config);
    db = await superuser(config);
    commands = routeAccess(api.app).filter((route) => route.method === 'POST');
    everyRole = api.token('u-hostile', ...ROLES);
    const documenter = new LedgerUser(api, 'u-doc-hostile', 'documenter');
    claimId = (await documenter.post('/claims', claimBody(1))).body.id;
    const recorded = await documenter.post(`/claims/${claimId}/testimony`, {
      witness: { pseudonym: 'W-hostile', identity: { name: 'Name Withheld', contact: 'none' } },
      relation: 'eyewitness',
      statement: 'I saw it.',
      language: 'ar',
      consent: 'internal',
    });
    expect(recorded.status).toBe(200);
    const { rows } = await db.query(`SELECT canonical::jsonb -> 'payload' ->> 'testimonyId' AS id FROM ledger_events WHERE type = 'TestimonyRecorded'`);
    testimonyId = rows[0].id;
    incidentId = (
      await documenter.post('/incidents', {
        code: 'IDL-2018-07-16-HOSTILE',
        date: '2018-07-16',
        precision: 'day',
        place: { governorate: 'Idlib', precision: 'governorate' },
        attackType: 'airstrike',
        narrative: 'A test incident.',
      })
    ).body.id;
    expect(incidentId).toEqual(expect.any(String));
    await eventually(async () => ((await fetch(`${api.url}/health`)).status === 200 ? true : undefined), 'the ledger to be healthy', 30000);
  }, 60000);

  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  it('finds the command routes', () => {
    expect(commands.map((route) => route.path)).toEqual(expect.arrayContaining(['/claims', '/claims/{id}/testimony', '/exports', '/perpetrators']));
    expect(commands.length).toBeGreaterThanOrEqual(16);
  });

  it('refuses a body over the limit with 413', async () => {
    const huge = JSON.stringify({ reason: 'x'.repeat(1100 * 1024) });
    await atEveryCommandRoute((route) => send(route, huge), (a) => a.status === 413 && a.code === 'REQUEST.TOO_LARGE');
  });

  it('refuses a body that is not JSON by its content type with 415', async () => {
    await atEveryCommandRoute((route) => send(route, '{}', { 'content-type': 'text/plain' }), (a) => a.status === 415);
    await atEveryCommandRoute(
      (route) => send(route, 'reason=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      (a) => a.status === 415,
    );
    await atEveryCommandRoute((route) => send(route, '{"reason": "caf\u00e9"}', { 'content-type': 'application/json; charset=latin1' }), (a) => a.status === 415);
  });

  it.each([
    ['__proto__ at the top', '{"__proto__": {"polluted": "yes"}, "reason": "x"}'],
    ['constructor.prototype at the top', '{"constructor": {"prototype": {"polluted": "yes"}}, "reason": "x"}'],
    ['prototype at the top', '{"prototype": {"polluted": "yes"}}'],
    ['__proto__ nested', '{"victim": {"__proto__": {"polluted": "yes"}}, "changes": {"__proto__": {"polluted": "yes"}}, "scope": {"__proto__": {"polluted": "yes"}}}'],
    ['constructor nested', '{"changes": {"constructor": {"prototype": {"polluted": "yes"}}}, "witness": {"constructor": {"prototype": {"polluted": "yes"}}}}'],
  ])('refuses prototype pollution (%s) with 400 and leaves Object.prototype clean', async (_, body) => {
    await atEveryCommandRoute((route) => send(route, body), (a) => a.status === 400);
  });

  it('refuses numbers beyond IEEE double (1e400) with 400 REQUEST.NOT_IJSON', async () => {
    await atEveryCommandRoute((route) => send(route, '{"reason": "x", "age": 1e400}'), (a) => a.status === 400 && a.code === 'REQUEST.NOT_IJSON');
  });

  it('refuses JSON nested 10,000 deep with 400, without crashing', async () => {
    const arrays = `${'['.repeat(10000)}${']'.repeat(10000)}`;
    const objects = `${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}`;
    await atEveryCommandRoute((route) => send(route, arrays), (a) => a.status === 400);
    await atEveryCommandRoute((route) => send(route, objects), (a) => a.status === 400);
  });

  it('refuses malformed, unsigned, expired, forged and role-less tokens with 401', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const claims = { sub: 'u-mallory', roles: [...ROLES], exp };
    const hs256 = (payload: unknown, secret: string): string => {
      const input = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    const secret = config.LEDGER_JWT_SECRET as string;
    const tokens = {
      garbage: 'not-a-jwt',
      'three garbage segments': 'aaaa.bbbb.cccc',
      'alg=none': `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`,
      'alg=none with a signature': `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.c2ln`,
      expired: hs256({ ...claims, exp: Math.floor(Date.now() / 1000) - 5 }, secret),
      'wrong signature': hs256(claims, `${secret}-not`),
      'missing roles': hs256({ sub: 'u-mallory', exp }, secret),
      'empty roles': hs256({ sub: 'u-mallory', roles: [], exp }, secret),
      'unknown role': hs256({ sub: 'u-mallory', roles: ['superuser'], exp }, secret),
      'no exp': hs256({ sub: 'u-mallory', roles: ['admin'] }, secret),
    };
    for (const [what, token] of Object.entries(tokens)) {
      await atEveryCommandRoute(
        (route) => send(route, JSON.stringify(claimBody(2)), { authorization: `Bearer ${token}` }),
        (a) => a.status === 401 && a.code === 'AUTH.UNAUTHENTICATED',
      ).catch((error: Error) => {
        throw new Error(`${what}: ${error.message}`);
      });
    }
  });

  it('refuses injection strings in path parameters without running them', async () => {
    await atEveryCommandRoute(
      (route) =>
        send(route, '{}', {}, route.path.replace(/\{[A-Za-z]+\}/g, encodeURIComponent(DROP))),
      (a) => a.status === 400 || a.status === 404,
    );
    await atEveryCommandRoute(
      (route) => send(route, '{}', {}, route.path.replace(/\{[A-Za-z]+\}/g, encodeURIComponent(SCRIPT))),
      (a) => a.status === 400 || a.status === 404,
    );
  });

  it('stores SQL and script strings in a body as data, byte for byte, and runs neither', async () => {
    const documenter = new LedgerUser(api, 'u-doc-hostile', 'documenter');
    const body = claimBody(3) as { victim: { name: Record<string, string> }; place: Record<string, unknown> };
    body.victim.name = { latin: DROP, alias: SCRIPT };
    body.place.locality = `${SCRIPT}${DROP}`;
    const filed = await documenter.post('/claims', body);
    expect(filed.status).toBe(201);
    const { rows } = await db.query(`SELECT canonical::jsonb -> 'payload' AS payload FROM ledger_events WHERE stream_id = $1`, [`claim-${filed.body.id}`]);
    expect(JSON.stringify(rows[0].payload)).toContain(JSON.stringify(DROP).slice(1, -1));
    // The name is sealed in the ledger (docs/PROTECTION.md) and comes back byte for byte from the read model.
    expect(rows[0].payload.victim).not.toHaveProperty('name');
    expect(rows[0].payload.protected.victimName).toMatchObject({ alg: 'A256GCM', subject: `victim:${filed.body.id}` });
    const read = await eventually(async () => {
      const answer = await fetch(`${api.url}/claims/${filed.body.id}?minVersion=1`, { headers: { authorization: `Bearer ${everyRole}` } });
      return answer.status === 200 ? answer : undefined;
    }, 'the claim to be readable');
    expect(read.headers.get('content-type')).toMatch(/^application\/json/);
    const claim = (await read.json()) as { place: { locality: string }; victim: { name: unknown } };
    expect(claim.place.locality).toBe(`${SCRIPT}${DROP}`);
    expect(claim.victim.name).toEqual({ latin: DROP, alias: SCRIPT });
    const search = await fetch(`${api.url}/claims?q=${encodeURIComponent(DROP)}`, { headers: { authorization: `Bearer ${everyRole}` } });
    expect([200, 400]).toContain(search.status);
    expect(Number((await db.query(`SELECT count(*) AS n FROM ledger_events`)).rows[0].n)).toBeGreaterThan(0);
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });
});
