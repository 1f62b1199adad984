import { randomUUID } from 'node:crypto';
import type { LedgerConfig } from '@ledger/config';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import type pg from 'pg';
import { eventually, freshTestLedger, superuser } from './support/test-ledger.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';

const zardanaVictim = {
  victim: {
    name: { arabic: 'أحمد الحسين', latin: 'Ahmad al-Hussein' },
    sex: 'male',
    age: 34,
    ageGroup: 'adult',
    civilianStatus: 'civilian',
    protectedRole: 'civil-defence',
  },
  death: { date: '2018-07-16', precision: 'day' },
  place: { governorate: 'Idlib', locality: 'Zardana', lat: 35.9, lon: 36.7, precision: 'exact' },
  cause: 'double-tap-airstrike',
  perpetrator: 'russian-forces',
};

describe('one claim end to end: HTTP → Postgres ledger → sequencer → Kafka → projector → HTTP', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;

  beforeAll(async () => {
    config = await freshTestLedger('claims_e2e');
    api = await startLedgerApi(config);
    db = await superuser(config);
  }, 60000);

  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const eventCount = async (): Promise<number> =>
    Number((await db.query('SELECT count(*) AS n FROM ledger_events')).rows[0].n);

  it('files a claim and carries it through every hop', async () => {
    const { name: _name, ...unnamedVictim } = zardanaVictim.victim as { name?: unknown } & Record<string, unknown>;
    const documenter = api.token('u-doc-1', 'documenter');
    const response = await post('/claims', zardanaVictim, { authorization: `Bearer ${documenter}` });
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('"1"');
    const body = (await response.json()) as { id: string; version: number; eventIds: string[] };
    expect(body).toEqual({ id: expect.any(String), version: 1, eventIds: [expect.any(String)] });
    const streamId = `claim-${body.id}`;

    // Hop 1: the Postgres ledger holds the event, with the actor and the role it was allowed under.
    const stored = await db.query('SELECT stream_id, version, type, canonical, hash FROM ledger_events WHERE event_id = $1', [body.eventIds[0]]);
    expect(stored.rows).toHaveLength(1);
    const envelope = JSON.parse(stored.rows[0].canonical);
    expect(envelope).toMatchObject({
      streamId,
      streamType: 'claim',
      version: 1,
      type: 'ClaimFiled',
      actor: { id: 'u-doc-1', role: 'documenter' },
      prevHash: null,
      payload: { claimId: body.id, victim: unnamedVictim, cause: 'double-tap-airstrike', protected: { victimName: { alg: 'A256GCM', subject: `victim:${body.id}` } } },
    });
    // The victim's name is sealed in the ledger (docs/PROTECTION.md): only ciphertext travels on.
    expect(envelope.payload.victim).not.toHaveProperty('name');
    expect(stored.rows[0].canonical).not.toContain('Hussein');

    // Hop 2: the sequencer gives it a seq.
    const seq = await eventually(async () => {
      const rows = (await db.query('SELECT seq FROM ledger_log WHERE event_id = $1', [body.eventIds[0]])).rows;
      return rows.length ? Number(rows[0].seq) : undefined;
    }, 'the event to be sequenced');
    expect(seq).toBeGreaterThanOrEqual(1);

    // Hop 3: the publisher had Kafka acknowledge it; an independent consumer reads it from the
    // topic, keyed by stream id.
    await eventually(async () => {
      const rows = (await db.query('SELECT last_published_seq FROM publisher_state WHERE topic = $1', [config.KAFKA_TOPIC])).rows;
      return rows.length && Number(rows[0].last_published_seq) >= seq ? true : undefined;
    }, 'Kafka to acknowledge the event');
    const message = await readFromTopic(config, (m) => m.key?.toString() === streamId);
    expect(message.headers?.seq?.toString()).toBe(String(seq));
    expect(message.headers?.type?.toString()).toBe('ClaimFiled');
    expect(message.headers?.origin?.toString()).toBe(config.LEDGER_ORIGIN);
    const published = JSON.parse(message.value?.toString() ?? '{}');
    expect(published).toEqual({ seq, ...envelope, hash: stored.rows[0].hash });

    // Hop 4: the projector built the read model; GET returns it.
    const read = await fetch(`${api.url}/claims/${body.id}?minVersion=1`, { headers: { authorization: `Bearer ${documenter}` } });
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(await read.json()).toEqual({
      id: body.id,
      version: 1,
      status: 'submitted',
      grade: null,
      ...zardanaVictim,
      incidentId: null,
      duplicateOf: null,
      testimony: [],
      sources: [],
      verifications: [],
      disputes: [],
    });
  }, 60000);

  it('refuses a bad body with 400 problem+json naming each field, and appends nothing', async () => {
    const before = await eventCount();
    const response = await post(
      '/claims',
      { ...zardanaVictim, victim: { ...zardanaVictim.victim, sex: 'x', age: 7, nickname: 'n' }, place: { precision: 'exact' } },
      { authorization: `Bearer ${api.token('u-doc-1', 'documenter')}` },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { status: number; code: string; errors: Array<{ path: string }> };
    expect(problem).toMatchObject({ status: 400, code: 'REQUEST.INVALID' });
    const paths = problem.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/victim/sex', '/victim/nickname', '/place/governorate']));
    expect(await eventCount()).toBe(before);
  });

  it('refuses domain rules with 400 and the field path (a 7-year-old is a child)', async () => {
    const before = await eventCount();
    const response = await post(
      '/claims',
      { ...zardanaVictim, victim: { ...zardanaVictim.victim, age: 7 }, perpetrator: 'unknown-army' },
      { authorization: `Bearer ${api.token('u-doc-1', 'documenter')}` },
    );
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['/perpetrator', '/victim/ageGroup']);
    expect(await eventCount()).toBe(before);
  });

  it('refuses input that is not I-JSON (duplicate members) with 400', async () => {
    const before = await eventCount();
    const text = JSON.stringify(zardanaVictim).replace('"cause":"double-tap-airstrike"', '"cause":"shooting","cause":"double-tap-airstrike"');
    const response = await post('/claims', text, { authorization: `Bearer ${api.token('u-doc-1', 'documenter')}` });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('REQUEST.NOT_IJSON');
    expect(await eventCount()).toBe(before);
  });

  it('answers 401 without a token or with a forged one, 403 for a role that may not file', async () => {
    const before = await eventCount();
    expect((await post('/claims', zardanaVictim)).status).toBe(401);
    const forged = `${api.token('u-doc-1', 'documenter').slice(0, -4)}AAAA`;
    expect((await post('/claims', zardanaVictim, { authorization: `Bearer ${forged}` })).status).toBe(401);
    const auditor = await post('/claims', zardanaVictim, { authorization: `Bearer ${api.token('u-aud-1', 'auditor')}` });
    expect(auditor.status).toBe(403);
    expect(((await auditor.json()) as { code: string }).code).toBe('AUTH.ROLE_NOT_ALLOWED');
    expect(await eventCount()).toBe(before);
  });

  it('replays a retried command and refuses the same key with another body', async () => {
    const headers = { authorization: `Bearer ${api.token('u-doc-2', 'documenter')}`, 'idempotency-key': randomUUID() };
    const first = await post('/claims', zardanaVictim, headers);
    const before = await eventCount();
    const retry = await post('/claims', zardanaVictim, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(await retry.json()).toEqual(await first.json());
    expect(await eventCount()).toBe(before);
    const other = await post('/claims', { ...zardanaVictim, cause: 'shelling' }, headers);
    expect(other.status).toBe(422);
    expect(((await other.json()) as { code: string }).code).toBe('LEDGER.IDEMPOTENCY_KEY_REUSED');
    expect(await eventCount()).toBe(before);
  });

  it('answers 503 READMODEL.BEHIND with Retry-After when asked for a version the read model has not reached', async () => {
    const auth = { authorization: `Bearer ${api.token('u-doc-5', 'documenter')}` };
    const filed = (await (await post('/claims', zardanaVictim, auth)).json()) as { id: string };
    const behind = await fetch(`${api.url}/claims/${filed.id}?minVersion=2`, { headers: auth });
    expect(behind.status).toBe(503);
    expect(behind.headers.get('retry-after')).toBe('1');
    expect(((await behind.json()) as { code: string }).code).toBe('READMODEL.BEHIND');
  }, 20000);

  it('checks If-Match: a stale version is 412 with the current one, the right one is accepted', async () => {
    const auth = { authorization: `Bearer ${api.token('u-doc-3', 'documenter')}` };
    const filed = (await (await post('/claims', zardanaVictim, auth)).json()) as { id: string };
    const source = { type: 'photo', publisher: 'civil defence', contentSha256: 'a'.repeat(64), connection: 'witness', reliability: 'medium' };
    const first = await post(`/claims/${filed.id}/sources`, source, { ...auth, 'if-match': '"1"' });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');
    const before = await eventCount();
    const stale = await post(`/claims/${filed.id}/sources`, source, { ...auth, 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ code: 'LEDGER.VERSION_MISMATCH', currentVersion: 2 });
    expect(await eventCount()).toBe(before);
  });

  it('manages the perpetrator list: an admin adds a code and claims may name it at once', async () => {
    const admin = { authorization: `Bearer ${api.token('u-admin-1', 'admin')}` };
    const documenter = { authorization: `Bearer ${api.token('u-doc-4', 'documenter')}` };
    expect((await post('/claims', { ...zardanaVictim, perpetrator: 'local-militia-x' }, documenter)).status).toBe(400);
    expect((await post('/perpetrators', { code: 'local-militia-x', name: 'Local militia X' }, documenter)).status).toBe(403);
    const added = await post('/perpetrators', { code: 'local-militia-x', name: 'Local militia X' }, admin);
    expect(added.status).toBe(201);
    expect((await post('/perpetrators', { code: 'local-militia-x', name: 'Again' }, admin)).status).toBe(409);
    const list = (await (await fetch(`${api.url}/perpetrators`, { headers: documenter })).json()) as Array<{ code: string }>;
    expect(list.map((p) => p.code)).toEqual(expect.arrayContaining(['russian-forces', 'not-identified', 'local-militia-x']));
    expect(list).toHaveLength(11);
    expect((await post('/claims', { ...zardanaVictim, perpetrator: 'local-militia-x' }, documenter)).status).toBe(201);
  });

  it('reports Postgres, Kafka, the sequencer, the publisher and the projector on /health', async () => {
    const response = await fetch(`${api.url}/health`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as { status: string; details: Record<string, { status: string }> };
    expect(health.status).toBe('ok');
    expect(Object.keys(health.details).sort()).toEqual(['kafka', 'postgres', 'projector', 'publisher', 'sequencer']);
  });
});

async function readFromTopic(config: LedgerConfig, wanted: (message: KafkaMessage) => boolean): Promise<KafkaMessage> {
  const kafka = new Kafka({ clientId: 'e2e-reader', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `e2e-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [config.KAFKA_TOPIC], fromBeginning: true });
    return await new Promise<KafkaMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the event never reached the Kafka topic')), 30000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (wanted(message)) {
            clearTimeout(timer);
            resolve(message);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}
