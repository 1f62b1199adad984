import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import type { LedgerConfig } from '@ledger/config';
import { ROLES, type Role } from '@ledger/domain';
import { AuthGuard, configureHttpApp, routeAccess, TokenVerifier, type RouteAccess } from '@ledger/http';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { freshTestLedger } from './support/test-ledger.js';

interface TableRow {
  route: string;
  public: boolean;
  allowed: Set<Role>;
}

/** docs/ROLES.md's table, the specification this test holds the app to. */
function rolesTable(): Map<string, TableRow> {
  const text = readFileSync(new URL('../docs/ROLES.md', import.meta.url), 'utf8');
  const lines = text.split('\n').filter((line) => line.startsWith('|'));
  const header = lines[0].split('|').slice(1, -1).map((cell) => cell.trim());
  const columns = header.slice(1, 1 + ROLES.length);
  expect(columns).toEqual([...ROLES]);
  const rows = new Map<string, TableRow>();
  for (const line of lines.slice(2)) {
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const route = /^`(GET|POST|PUT|PATCH|DELETE) (\/\S*)`$/.exec(cells[0]);
    if (!route) throw new Error(`docs/ROLES.md: cannot read the route in ${line}`);
    const marks = cells.slice(1, 1 + ROLES.length);
    for (const mark of marks) if (!['yes', '—', 'public'].includes(mark)) throw new Error(`docs/ROLES.md: "${mark}" in ${line}`);
    const isPublic = marks.every((mark) => mark === 'public');
    if (!isPublic && marks.includes('public')) throw new Error(`docs/ROLES.md: a public route is public for every role: ${line}`);
    const key = `${route[1]} ${route[2]}`;
    if (rows.has(key)) throw new Error(`docs/ROLES.md lists ${key} twice`);
    rows.set(key, { route: key, public: isPublic, allowed: new Set(ROLES.filter((_, i) => marks[i] === 'yes')) });
  }
  return rows;
}

const PARAMETERS: Record<string, string> = { size: '999999', subject: 'witness:W-nobody', name: 'no-such-projection' };

function concrete(path: string): string {
  return path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => encodeURIComponent(PARAMETERS[name] ?? randomUUID()));
}

/**
 * The whole role x route matrix: every route the running app has, called with a token carrying
 * one role at a time, against the table in docs/ROLES.md.
 */
describe('roles: every route x every role, as docs/ROLES.md says', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let routes: RouteAccess[];
  const table = rolesTable();

  beforeAll(async () => {
    config = await freshTestLedger('roles');
    api = await startLedgerApi(config, { withProjector: false });
    routes = routeAccess(api.app);
  }, 60000);

  afterAll(async () => {
    await api?.close();
  });

  const send = (route: RouteAccess, token?: string): Promise<Response> =>
    fetch(`${api.url}${concrete(route.path)}`, {
      method: route.method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(route.method === 'GET' ? {} : { 'content-type': 'application/json' }),
      },
      ...(route.method === 'GET' ? {} : { body: '{}' }),
    });

  it('lists exactly the routes the app has, no more and no fewer', () => {
    const actual = routes.map((route) => `${route.method} ${route.path}`).sort();
    expect(actual.length).toBeGreaterThan(30);
    expect(actual).toEqual([...table.keys()].sort());
  });

  it('matches every route declaration (@Public, @Roles) to its row', () => {
    for (const route of routes) {
      const row = table.get(`${route.method} ${route.path}`);
      expect({ route: row?.route, public: route.public, roles: [...route.roles].sort() }).toEqual({
        route: row?.route,
        public: row?.public,
        roles: [...(row?.allowed ?? [])].sort(),
      });
    }
  });

  it('answers 403 exactly when the table says the role may not call the route', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const row = table.get(`${route.method} ${route.path}`);
      if (!row) continue;
      for (const role of ROLES) {
        const response = await send(route, api.token(`u-matrix-${role}`, role));
        const body = (await response.json().catch(() => ({}))) as { code?: string };
        const refused = response.status === 403 && body.code === 'AUTH.ROLE_NOT_ALLOWED';
        const mayCall = row.public || row.allowed.has(role);
        if (response.status === 401 || refused === mayCall) {
          wrong.push(`${row.route} as ${role}: ${response.status} ${body.code ?? ''} (table: ${mayCall ? 'allowed' : 'refused'})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120000);

  it('answers 401 without a token, except on public routes', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const status = (await send(route)).status;
      if ((status === 401) === route.public) wrong.push(`${route.method} ${route.path}: ${status}`);
    }
    expect(wrong).toEqual([]);
  }, 60000);
});

@Controller('forgotten')
class ForgottenController {
  @Get()
  list(): string[] {
    return ['nobody said who may call this'];
  }
}

@Module({ controllers: [ForgottenController] })
class ForgottenModule {}

describe('roles: deny by default', () => {
  let config: LedgerConfig;

  beforeAll(async () => {
    config = await freshTestLedger('roles_default');
  });

  it('refuses to start an app with a route that declares neither @Roles nor @Public', async () => {
    const app = await NestFactory.create(ForgottenModule, { logger: false });
    try {
      expect(() => configureHttpApp(app, 'test')).toThrow(/routes without @Roles or @Public .*GET \/forgotten/);
    } finally {
      await app.close();
    }
  });

  it('and the guard answers 403 on such a route, even to an admin', async () => {
    @Module({
      controllers: [ForgottenController],
      providers: [{ provide: TokenVerifier, useValue: new TokenVerifier(config) }, { provide: APP_GUARD, useClass: AuthGuard }],
    })
    class GuardedModule {}
    const app = await NestFactory.create(GuardedModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const token = new TokenVerifier(config).mint({ sub: 'u-admin-1', roles: ['admin'] }, 60);
      const response = await fetch(`${url}/forgotten`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(403);
      expect((await fetch(`${url}/forgotten`)).status).toBe(401);
    } finally {
      await app.close();
    }
  });
});
