import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { LedgerConfig } from '@ledger/config';
import { routeAccess, TokenVerifier } from '@ledger/http';
import pg from 'pg';
import { claimBody } from './fixtures/claims.js';
import { exited, freePort, spawnLedger, spawnProjector } from './support/ledger-process.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { eventually, freshTestLedger } from './support/test-ledger.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text exposition format 0.0.4, strictly: a line that is none of its forms fails the test. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    // Values as Go's ParseFloat reads them (prom-client writes NaN as "Nan").
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|nan|[+-]inf)$/i.exec(line);
    if (!sample) throw new Error(`not Prometheus text exposition: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name] = value;
    const value = /^nan$/i.test(sample[3]) ? Number.NaN : /inf$/i.test(sample[3]) ? (sample[3].startsWith('-') ? -Infinity : Infinity) : Number(sample[3]);
    samples.push({ name: sample[1], labels, value });
  }
  return { samples, types };
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))?.value;
}

describe('operations: /metrics, correlation ids, liveness and readiness', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let documenter: string;
  let auditor: string;

  beforeAll(async () => {
    config = await freshTestLedger('operations');
    api = await startLedgerApi(config);
    documenter = api.token('u-doc-ops', 'documenter');
    auditor = api.token('u-audit-ops', 'auditor');
  }, 60000);

  afterAll(async () => {
    await api?.close();
  });

  const scrape = async (): Promise<{ text: string; samples: Sample[]; types: Map<string, string> }> => {
    const response = await fetch(`${api.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    return { text, ...parseExposition(text) };
  };
  const fileClaim = (headers: Record<string, string> = {}, body: unknown = claimBody(3)): Promise<Response> =>
    fetch(`${api.url}/claims`, {
      method: 'POST',
      headers: { authorization: `Bearer ${documenter}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('serves Prometheus text without a token: process metrics and the ledger gauges', async () => {
    const { samples, types } = await scrape();
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'ledger_status_up')).toBe(1);
    expect(valueOf(samples, 'ledger_sequencer_halted')).toBe(0);
    for (const name of ['ledger_head_seq', 'ledger_sequencer_lag_events', 'ledger_sequencer_lag_seconds', 'ledger_checkpoint_age_seconds', 'ledger_publisher_lag_events']) {
      expect(types.get(name)).toBe('gauge');
    }
    expect(types.get('ledger_http_request_duration_seconds')).toBe('histogram');
    expect(types.get('ledger_commands_total')).toBe('counter');
    expect(types.get('ledger_kafka_publish_errors_total')).toBe('counter');
    expect(valueOf(samples, 'ledger_kafka_publish_errors_total')).toBe(0);
  });

  it('counts a filed claim: commands, events appended, HTTP latency by route template; lag drains to 0', async () => {
    const before = (await scrape()).samples;
    const accepted = { command: 'POST /claims', outcome: 'accepted' };
    const filed = await fileClaim();
    expect(filed.status).toBe(201);
    const { id } = (await filed.json()) as { id: string };
    expect((await fetch(`${api.url}/claims/${id}?minVersion=1`, { headers: { authorization: `Bearer ${auditor}` } })).status).toBeLessThan(500);

    const after = await scrape();
    expect(valueOf(after.samples, 'ledger_commands_total', accepted)).toBe((valueOf(before, 'ledger_commands_total', accepted) ?? 0) + 1);
    const filedEvents = { type: 'ClaimFiled' };
    expect(valueOf(after.samples, 'ledger_events_appended_total', filedEvents)).toBe((valueOf(before, 'ledger_events_appended_total', filedEvents) ?? 0) + 1);
    expect(valueOf(after.samples, 'ledger_http_request_duration_seconds_count', { method: 'POST', route: '/claims', status: '201' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(after.samples, 'ledger_http_request_duration_seconds_count', { method: 'GET', route: '/claims/{id}' })).toBeGreaterThanOrEqual(1);
    // Route templates only: no claim id, no query string in any label.
    expect(after.text).not.toContain(id);
    expect(after.text).not.toContain('minVersion');

    // Sequenced, published, and applied by both projections: every lag reaches 0.
    const drained = await eventually(async () => {
      const { samples } = await scrape();
      const head = valueOf(samples, 'ledger_head_seq') ?? 0;
      const lags = samples.filter((s) => s.name === 'ledger_projection_lag_events');
      const zero = (name: string): boolean => valueOf(samples, name) === 0;
      return head >= 1 && lags.length >= 2 && lags.every((s) => s.value === 0) && zero('ledger_sequencer_lag_events') && zero('ledger_publisher_lag_events') ? samples : undefined;
    }, 'every lag to drain after the claim');
    const projections = drained.filter((s) => s.name === 'ledger_projection_lag_events').map((s) => s.labels.projection).sort();
    expect(projections).toEqual(expect.arrayContaining(['claims', 'incidents']));
    for (const projection of projections) {
      expect(valueOf(drained, 'ledger_projection_watermark_seq', { projection })).toBe(valueOf(drained, 'ledger_head_seq'));
    }
  }, 30000);

  it('tells replayed, invalid and refused commands apart', async () => {
    const key = randomUUID();
    expect((await fileClaim({ 'idempotency-key': key }, claimBody(4))).status).toBe(201);
    const before = (await scrape()).samples;
    const replayed = await fileClaim({ 'idempotency-key': key }, claimBody(4));
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect((await fileClaim({}, { ...claimBody(5), cause: 'not-a-cause' })).status).toBe(400);
    const reused = await fileClaim({ 'idempotency-key': key }, claimBody(6));
    expect(reused.status).toBe(422);

    const after = (await scrape()).samples;
    for (const outcome of ['replayed', 'invalid', 'refused']) {
      const labels = { command: 'POST /claims', outcome };
      expect([outcome, valueOf(after, 'ledger_commands_total', labels)]).toEqual([outcome, (valueOf(before, 'ledger_commands_total', labels) ?? 0) + 1]);
    }
    // Refused before the route (no token): not a command handled.
    const unauthenticated = await fetch(`${api.url}/claims`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauthenticated.status).toBe(401);
    const total = (samples: Sample[]): number =>
      samples.filter((s) => s.name === 'ledger_commands_total').reduce((sum, s) => sum + s.value, 0);
    expect(total((await scrape()).samples)).toBe(total(after));
  });

  it('echoes a valid X-Correlation-Id and records it in the envelope; otherwise makes one up', async () => {
    const correlationId = randomUUID();
    const given = await fileClaim({ 'x-correlation-id': correlationId.toUpperCase() }, claimBody(7));
    expect(given.status).toBe(201);
    expect(given.headers.get('x-correlation-id')).toBe(correlationId);

    const made = await fileClaim({}, claimBody(8));
    expect(made.status).toBe(201);
    const madeId = made.headers.get('x-correlation-id') ?? '';
    expect(madeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(madeId).not.toBe(correlationId);

    for (const [response, expected] of [
      [given, correlationId],
      [made, madeId],
    ] as const) {
      const { id } = (await response.json()) as { id: string };
      const history = await fetch(`${api.url}/claims/${id}/history`, { headers: { authorization: `Bearer ${auditor}` } });
      const { events } = (await history.json()) as { events: Array<{ correlationId: string; commandId: string }> };
      expect(events.map((event) => event.correlationId)).toEqual([expected]);
    }

    // Reads get one too; a header that is not a UUID is replaced, never echoed.
    const read = await fetch(`${api.url}/health/live`, { headers: { 'x-correlation-id': 'not a uuid <script>' } });
    expect(read.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists every route in the OpenAPI description, the operations routes among them', async () => {
    const document = (await (await fetch(`${api.url}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    const routes = routeAccess(api.app).map((route) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual(routes.sort());
    expect(routes).toEqual(expect.arrayContaining(['GET /metrics', 'GET /health', 'GET /health/live', 'GET /health/ready']));
  });

  it('is live and ready; ready checks the migrations and the components', async () => {
    const live = await fetch(`${api.url}/health/live`);
    expect(live.status).toBe(200);
    expect(((await live.json()) as { info: Record<string, { status: string }> }).info.eventLoop.status).toBe('up');
    const ready = await eventually(async () => {
      const response = await fetch(`${api.url}/health/ready`);
      return response.status === 200 ? ((await response.json()) as { info: Record<string, { status: string }> }) : undefined;
    }, 'readiness');
    expect(Object.keys(ready.info).sort()).toEqual(['kafka', 'migrations', 'postgres', 'projector', 'publisher', 'sequencer']);
    // GET /health is unchanged: no readiness-only component.
    const health = (await (await fetch(`${api.url}/health`)).json()) as { info: Record<string, unknown> };
    expect(Object.keys(health.info)).not.toContain('migrations');
  });
});

describe('operations: readiness when the database goes away', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let database: string;

  // From the maintenance database: while connections are refused, not even a superuser gets into this one.
  const allowConnections = async (allow: boolean): Promise<void> => {
    const admin = new pg.Client({ connectionString: process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS ${allow}`);
      if (!allow) await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
    } finally {
      await admin.end();
    }
  };

  beforeAll(async () => {
    config = await freshTestLedger('operations_ready');
    database = new URL(config.DATABASE_URL).pathname.slice(1);
    api = await startLedgerApi(config, { withProjector: false });
  }, 60000);

  afterAll(async () => {
    if (database) await allowConnections(true);
    await api?.close();
  });

  it('answers 503 with the report from /health/ready while /health/live stays 200, and recovers', async () => {
    await eventually(async () => ((await fetch(`${api.url}/health/ready`)).status === 200 ? true : undefined), 'readiness before');
    await allowConnections(false);
    try {
      const report = await eventually(async () => {
        const response = await fetch(`${api.url}/health/ready`);
        return response.status === 503 ? ((await response.json()) as { status: string; error: Record<string, { status: string }> }) : undefined;
      }, 'readiness to fail without the database');
      expect(report.status).toBe('error');
      expect(report.error.postgres.status).toBe('down');
      expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
      const metrics = await fetch(`${api.url}/metrics`);
      expect(metrics.status).toBe(200);
      const { samples } = parseExposition(await metrics.text());
      expect(valueOf(samples, 'ledger_status_up')).toBe(0);
      expect(valueOf(samples, 'ledger_head_seq')).toBeNaN();
      expect(samples.filter((s) => s.name === 'ledger_projection_lag_events')).toEqual([]);
    } finally {
      await allowConnections(true);
    }
    await eventually(async () => ((await fetch(`${api.url}/health/ready`)).status === 200 ? true : undefined), 'readiness after the database is back');
  }, 60000);
});

/** The built ledger's JSON log lines, as an operator's log shipper gets them. */
describe('operations: structured logs carry the correlation id', () => {
  let config: LedgerConfig;
  let child: ChildProcess | undefined;
  let url: string;
  let logs = '';

  beforeAll(async () => {
    // An identity provider that cannot be reached: judging an RS256 token logs a warning mid-request.
    const closedPort = await freePort();
    config = await freshTestLedger('operations_logs', { LOG_LEVEL: 'log', LEDGER_JWKS_URL: `http://127.0.0.1:${closedPort}/jwks.json` });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = await spawnLedger(config, port, (text) => (logs += text));
  }, 90000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  const lines = (): Array<Record<string, unknown>> =>
    logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('writes one access line per request and tags every line written for it', async () => {
    const token = new TokenVerifier(config).mint({ sub: 'u-doc-logs-ops', roles: ['documenter'] }, 600);
    const correlationId = randomUUID();
    const filed = await fetch(`${url}/claims`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify(claimBody(9)),
    });
    expect(filed.status).toBe(201);
    const { id } = (await filed.json()) as { id: string };

    const unjudged = randomUUID();
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k-ops' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'u-nobody', roles: ['auditor'], exp: 4102444800 })).toString('base64url');
    const rs256 = `${header}.${payload}.${Buffer.from('not a signature').toString('base64url')}`;
    const refused = await fetch(`${url}/claims`, { headers: { authorization: `Bearer ${rs256}`, 'x-correlation-id': unjudged } });
    expect(refused.status).toBe(503);

    const access = await eventually(async () => lines().find((line) => line.context === 'Http' && line.correlationId === correlationId), 'the access line of POST /claims');
    expect(access).toMatchObject({ level: 'log', method: 'POST', route: '/claims', status: 201, userId: 'u-doc-logs-ops', correlationId });
    expect(typeof access.durationMs).toBe('number');

    // The warning the guard wrote while judging the token, and that request's access line.
    const warning = await eventually(async () => lines().find((line) => line.context === 'TokenVerifier' && line.correlationId === unjudged), 'the JWKS warning');
    expect(warning.level).toBe('warn');
    const refusedAccess = await eventually(async () => lines().find((line) => line.context === 'Http' && line.correlationId === unjudged), 'the access line of the refused request');
    expect(refusedAccess).toMatchObject({ status: 503, route: '/claims', method: 'GET' });
    expect(refusedAccess.userId).toBeUndefined();

    // Never a token, a claim id or a URL.
    expect(logs).not.toContain(token.split('.')[2]);
    expect(logs).not.toContain(rs256);
    expect(logs).not.toContain(id);
  }, 60000);
});

/** Kafka is optional: without it, and in the standalone projector, the metrics that need it are absent. */
describe('operations: without Kafka, and in the standalone projector', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let projector: ChildProcess | undefined;

  beforeAll(async () => {
    config = await freshTestLedger('operations_embedded', { KAFKA_BROKERS: '' });
    expect(config.usesKafka).toBe(false);
    api = await startLedgerApi(config);
  }, 60000);

  afterAll(async () => {
    if (projector && projector.exitCode === null) {
      projector.kill('SIGTERM');
      await exited(projector);
    }
    await api?.close();
  });

  const scrape = async (url: string): Promise<Sample[]> => {
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    return parseExposition(await response.text()).samples;
  };

  it('the API on the in-process feed: no publisher or Kafka metric, and projection lag still drains to 0', async () => {
    const filed = await fetch(`${api.url}/claims`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token('u-doc-embedded', 'documenter')}`, 'content-type': 'application/json' },
      body: JSON.stringify(claimBody(11)),
    });
    expect(filed.status).toBe(201);
    const samples = await eventually(async () => {
      const current = await scrape(api.url);
      const lags = current.filter((s) => s.name === 'ledger_projection_lag_events');
      return (valueOf(current, 'ledger_head_seq') ?? 0) >= 1 && lags.length >= 2 && lags.every((s) => s.value === 0) ? current : undefined;
    }, 'the in-process feed to catch up');
    expect(samples.some((s) => /^ledger_(publisher|kafka)_/.test(s.name))).toBe(false);
    expect(valueOf(samples, 'ledger_events_appended_total', { type: 'ClaimFiled' })).toBe(1);
    const ready = (await (await fetch(`${api.url}/health/ready`)).json()) as { info: Record<string, unknown> };
    expect(Object.keys(ready.info).sort()).toEqual(['migrations', 'postgres', 'projector', 'sequencer']);
  });

  it('the built projector serves /health/live, /health/ready and /metrics with the projection lag', async () => {
    const port = await freePort();
    projector = await spawnProjector(config, port);
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    await eventually(async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined), 'the projector to be ready');
    const samples = await scrape(url);
    expect(samples.filter((s) => s.name === 'ledger_projection_lag_events').map((s) => s.labels.projection)).toEqual(expect.arrayContaining(['claims', 'incidents']));
    expect(valueOf(samples, 'ledger_status_up')).toBe(1);
    // It appends nothing and publishes nothing: those metrics are not there at all.
    expect(samples.some((s) => /^ledger_(publisher|kafka|events_appended)_/.test(s.name))).toBe(false);
  }, 90000);
});
