import { createHash } from 'node:crypto';
import type { LedgerConfig } from '@ledger/config';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { LedgerUser, type CommandAnswer } from './support/ledger-client.js';
import { runCli } from './support/ledger-process.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { eventually, freshTestLedger, superuser } from './support/test-ledger.js';

interface Page {
  items: Array<{ id: string; status: string; victim: { name?: Record<string, string> } }>;
  next: string | null;
  asOfSeq?: number;
}

interface Report {
  groupBy: string[];
  status: string;
  asOfSeq: number;
  total: number;
  filters: Record<string, string>;
  buckets: Array<{ key: Record<string, string | null>; count: number; claims: string; claimIdsSha256: string }>;
}

const sha = (ids: string[]): string => createHash('sha256').update([...ids].sort().map((id) => `${id}\n`).join('')).digest('hex');

/**
 * The read side end to end: claims filed and reviewed over HTTP, projected from the Kafka feed,
 * then searched, counted, replayed to a point in time, queued for review, rebuilt and compared.
 */
describe('the read side through the HTTP API', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;
  let documenter: LedgerUser;
  let verifiers: LedgerUser[];
  let lead: LedgerUser;
  let auditor: LedgerUser;
  let incidentId: string;
  const ids: string[] = [];
  const versions = new Map<string, number>();

  const ok = (answer: CommandAnswer, status = 200): CommandAnswer['body'] => {
    expect({ status: answer.status, body: answer.body }).toEqual({ status, body: expect.objectContaining({ id: expect.any(String) }) });
    versions.set(answer.body.id, Math.max(versions.get(answer.body.id) ?? 0, answer.body.version));
    return answer.body;
  };
  const place = (governorate: string) => ({ governorate, precision: 'governorate' });
  const victims = [
    { name: { arabic: 'مُحَمَّد أَحْمَد الحسين', latin: 'Muhammad Ahmad al-Hussein' }, sex: 'male', age: 34, ageGroup: 'adult', civilianStatus: 'civilian' },
    { name: { arabic: 'فاطمة إبراهيم', latin: 'Fāṭima Ibrāhīm' }, sex: 'female', age: 9, ageGroup: 'child', civilianStatus: 'civilian' },
    { name: { arabic: 'مصطفى علي', latin: 'MUSTAFA ALI' }, sex: 'male', ageGroup: 'unknown', civilianStatus: 'unknown', protectedRole: 'journalist' },
    { name: { latin: 'José Müller' }, sex: 'female', age: 40, ageGroup: 'adult', civilianStatus: 'civilian' },
    { sex: 'male', age: 51, ageGroup: 'adult', civilianStatus: 'civilian', protectedRole: 'medical' },
    { name: { arabic: 'احمد الحسين' }, sex: 'female', age: 7, ageGroup: 'child', civilianStatus: 'civilian' },
    { name: { latin: 'Entered In Error' }, sex: 'unknown', ageGroup: 'unknown', civilianStatus: 'unknown' },
  ];
  const claims = (): Array<Record<string, unknown>> => [
    { victim: victims[0], death: { date: '2018-07-16', precision: 'day' }, place: place('Idlib'), cause: 'airstrike', perpetrator: 'russian-forces' },
    { victim: victims[1], death: { date: '2016-11', precision: 'month' }, place: place('Aleppo'), cause: 'shelling', perpetrator: 'syrian-regime-forces' },
    { victim: victims[2], death: { date: '2017', precision: 'year' }, place: place('Idlib'), cause: 'shooting', perpetrator: 'hts' },
    { victim: victims[3], death: { from: '2015-09-30', to: '2015-10-02', precision: 'range' }, place: place('Hama'), cause: 'shelling', perpetrator: 'russian-forces' },
    { victim: victims[4], death: { date: '2018-07-16', precision: 'day' }, place: place('Idlib'), cause: 'airstrike', perpetrator: 'russian-forces', incidentId },
    { victim: victims[5], death: { date: '2018-07-16', precision: 'day' }, place: place('Idlib'), cause: 'double-tap-airstrike', perpetrator: 'russian-forces', incidentId },
    { victim: victims[6], death: { precision: 'unknown' }, place: place('Idlib'), cause: 'unknown', perpetrator: 'russian-forces' },
  ];
  const source = (i: number) => ({
    type: 'hospital-record',
    publisher: 'Idlib Health Directorate',
    contentSha256: createHash('sha256').update(`record ${i}`).digest('hex'),
    connection: 'third-party',
    reliability: 'high',
  });
  const list = async (query: string, as: LedgerUser = documenter): Promise<Page> => {
    const { status, body } = await as.get<Page>(`/claims?${query}`);
    expect({ query, status }).toEqual({ query, status: 200 });
    return body;
  };
  const found = async (query: string): Promise<number[]> => (await list(query)).items.map((item) => ids.indexOf(item.id)).sort();
  /** Waits until the read model has applied every version this test wrote. */
  const settled = async (): Promise<void> => {
    for (const [id, version] of versions) {
      if (!ids.includes(id)) continue;
      expect((await documenter.get(`/claims/${id}?minVersion=${version}`)).status).toBe(200);
    }
  };

  beforeAll(async () => {
    config = await freshTestLedger('readside');
    api = await startLedgerApi(config);
    db = await superuser(config);
    documenter = new LedgerUser(api, 'u-doc-1', 'documenter', 'verifier');
    verifiers = ['u-ver-1', 'u-ver-2', 'u-ver-3'].map((id) => new LedgerUser(api, id, 'verifier'));
    lead = new LedgerUser(api, 'u-lead-1', 'lead-verifier', 'verifier');
    auditor = new LedgerUser(api, 'u-aud-1', 'auditor');

    incidentId = ok(
      await documenter.post('/incidents', {
        code: 'IDL-2018-07-16-ZARDANA',
        date: '2018-07-16',
        precision: 'day',
        place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
        attackType: 'double-tap-airstrike',
        perpetrator: 'russian-forces',
        narrative: 'Two successive strikes on the village.',
        reported: { killed: { min: 52, max: 52 }, children: { min: 10, max: 10 } },
      }),
      201,
    ).id;
    for (const body of claims()) ids.push(ok(await documenter.post('/claims', body), 201).id);
    for (const i of [0, 1, 3, 4, 5]) ok(await documenter.post(`/claims/${ids[i]}/sources`, source(i)));
    for (const i of [0, 1, 4, 5]) {
      for (const verifier of verifiers.slice(0, 2)) {
        ok(await verifier.post(`/claims/${ids[i]}/verifications`, { verdict: 'approve', rationale: 'matches the hospital list', grade: i === 1 ? 'fair' : 'confirmed' }));
      }
    }
    ok(await verifiers[0].post(`/claims/${ids[3]}/verifications`, { verdict: 'dispute', rationale: 'date does not match the report' }));
    ok(await documenter.post(`/claims/${ids[6]}/retraction`, { reason: 'entered in error' }));
    await settled();
  }, 90000);

  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  it('filters claims on every dimension, grade, status and death dates', async () => {
    expect(await found('status=verified')).toEqual([0, 1, 4, 5]);
    expect(await found('status=all')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await found('status=retracted')).toEqual([6]);
    expect(await found('perpetrator=russian-forces&status=all')).toEqual([0, 3, 4, 5]);
    expect(await found('governorate=Idlib&cause=airstrike')).toEqual([0, 4]);
    expect(await found('ageGroup=child')).toEqual([1, 5]);
    expect(await found('sex=female&ageGroup=adult')).toEqual([3]);
    expect(await found('civilianStatus=unknown')).toEqual([2, 6]);
    expect(await found('protectedRole=medical')).toEqual([4]);
    expect(await found('protectedRole=none&status=verified')).toEqual([0, 1, 5]);
    expect(await found(`incident=${incidentId}`)).toEqual([4, 5]);
    expect(await found('incident=none&status=all')).toEqual([0, 1, 2, 3]);
    expect(await found('grade=fair')).toEqual([1]);
    expect(await found('month=2016-11')).toEqual([1]);
    expect(await found('year=2015')).toEqual([3]);
    expect(await found('from=2018-01-01&to=2018-12-31')).toEqual([0, 4, 5]);
    expect(await found('from=2015-10-01')).toEqual([0, 1, 2, 4, 5]); // the range starting in September is not wholly after
  });

  it('finds names in Arabic with or without diacritics and letter variants, and in Latin without case or accents', async () => {
    expect(await found('q=محمد')).toEqual([0]);
    expect(await found(`q=${encodeURIComponent('مُحَمَّد')}`)).toEqual([0]);
    expect(await found(`q=${encodeURIComponent('أحمد')}`)).toEqual([0, 5]);
    expect(await found(`q=${encodeURIComponent('فاطمه ابراهيم')}`)).toEqual([1]);
    expect(await found(`q=${encodeURIComponent('مصطفي')}`)).toEqual([2]);
    expect(await found('q=fatima')).toEqual([1]);
    expect(await found('q=mustafa')).toEqual([2]);
    expect(await found(`q=${encodeURIComponent('MÜLLER jose')}`)).toEqual([3]);
    expect(await found('q=Mohammed')).toEqual([0]);
    expect(await found('q=hussein&ageGroup=adult')).toEqual([0]);
    expect(await found('q=nobody-of-that-name')).toEqual([]);
  });

  it('pages with a stable cursor and refuses what it does not understand', async () => {
    const seen: string[] = [];
    let page = await list('limit=2&sort=filed');
    for (;;) {
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.id));
      if (!page.next) break;
      page = await list(`limit=2&sort=filed&cursor=${page.next}`);
    }
    expect(seen).toEqual(ids);
    expect((await list('limit=3')).items.map((item) => item.id)).toEqual([...ids].reverse().slice(0, 3));

    const bad = await documenter.get<{ code: string; errors: Array<{ path: string }> }>('/claims?status=alive&colour=red&limit=0&cursor=xyz');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e) => e.path).sort()).toEqual(['query:colour', 'query:cursor', 'query:limit', 'query:status']);
    expect((await documenter.get<{ errors: Array<{ path: string }> }>('/claims?q=a')).body.errors[0].path).toBe('query:q');
    expect((await new LedgerUser(api, 'u-x', 'documenter').get('/claims?status=verified')).status).toBe(200);
    expect((await fetch(`${api.url}/claims`)).status).toBe(401);
  });

  it('shows a claim as it stood at a version or a moment, by replaying its stream', async () => {
    const id = ids[1];
    const filed = await documenter.get<Record<string, unknown>>(`/claims/${id}?atVersion=1`);
    expect(filed.status).toBe(200);
    expect(filed.body).toMatchObject({ id, version: 1, status: 'submitted', sources: [], verifications: [] });
    const now = await documenter.get<Record<string, unknown> & { verifications: unknown[]; version: number }>(`/claims/${id}`);
    expect(now.body).toMatchObject({ status: 'verified', grade: 'fair' });
    const last = await documenter.get<Record<string, unknown>>(`/claims/${id}?atVersion=${now.body.version}`);
    const { recordedAt, ...replayed } = last.body;
    expect(replayed).toEqual(now.body);

    const history = await auditor.get<{ events: Array<{ version: number; recordedAt: string }> }>(`/claims/${id}/history`);
    const second = history.body.events[1];
    const atThatMoment = await documenter.get<Record<string, unknown>>(`/claims/${id}?asOf=${second.recordedAt}`);
    expect(atThatMoment.body).toMatchObject({ version: 2, recordedAt: second.recordedAt, sources: [expect.objectContaining({ publisher: 'Idlib Health Directorate' })] });
    expect(recordedAt).toEqual(history.body.events[history.body.events.length - 1].recordedAt);

    expect((await documenter.get<{ code: string }>(`/claims/${id}?asOf=2000-01-01T00:00:00.000Z`)).body.code).toBe('CLAIM.NOT_FOUND');
    expect((await documenter.get(`/claims/${id}?atVersion=999`)).status).toBe(404);
    const both = await documenter.get<{ errors: Array<{ path: string }> }>(`/claims/${id}?atVersion=1&asOf=2020-01-01T00:00:00Z`);
    expect([both.status, both.body.errors[0].path]).toEqual([400, 'query:asOf']);
    expect((await documenter.get(`/claims/${id}?asOf=yesterday`)).status).toBe(400);
  });

  it('gives the audit trail a human timeline beside the hashed envelopes, with working proof links', async () => {
    const response = await fetch(`${api.url}/claims/${ids[3]}/history`, { headers: { authorization: `Bearer ${api.token('u-aud-1', 'auditor')}` } });
    const body = (await response.json()) as { events: Array<Record<string, unknown>>; timeline: Array<Record<string, unknown> & { inclusionProof?: string }> };
    expect(Object.keys(body)).toEqual(['events', 'timeline']);
    expect(body.timeline.map((t) => [t.version, t.type, (t.actor as { id: string }).id])).toEqual([
      [1, 'ClaimFiled', 'u-doc-1'],
      [2, 'SourceAttached', 'u-doc-1'],
      [3, 'ReviewStarted', 'u-ver-1'],
      [4, 'VerificationRecorded', 'u-ver-1'],
      [5, 'ClaimDisputed', 'u-ver-1'],
    ]);
    expect(body.timeline[4].summary).toMatch(/dispute .* opened/);
    const sequenced = await eventually(async () => {
      const again = (await (await fetch(`${api.url}/claims/${ids[3]}/history`, { headers: { authorization: `Bearer ${api.token('u-aud-1', 'auditor')}` } })).json()) as typeof body;
      return again.timeline.every((t) => t.inclusionProof) ? again : undefined;
    }, 'every event to be in the signed tree');
    const proof = await auditor.get<{ leafIndex: number }>(sequenced.timeline[0].inclusionProof as string);
    expect(proof.status).toBe(200);
    expect(proof.body.leafIndex).toBe((sequenced.events[0].seq as number) - 1);
  });

  it('lists incidents with their claims, reported against verified and documented totals', async () => {
    const incidents = await documenter.get<{ items: Array<{ id: string; code: string; totals: Record<string, unknown> }> }>('/incidents?perpetrator=russian-forces');
    expect(incidents.body.items.map((i) => i.code)).toEqual(['IDL-2018-07-16-ZARDANA']);
    const incident = await documenter.get<Record<string, unknown> & { claims: Array<{ id: string }> }>(`/incidents/${incidentId}`);
    expect(incident.status).toBe(200);
    expect(incident.body).toMatchObject({
      id: incidentId,
      code: 'IDL-2018-07-16-ZARDANA',
      attackType: 'double-tap-airstrike',
      totals: {
        reported: { killed: { min: 52, max: 52 }, children: { min: 10, max: 10 } },
        verified: { killed: 2, children: 1, women: 0 },
        documented: { killed: 2, children: 1, women: 0 },
      },
    });
    expect(incident.body.claims.map((c) => c.id)).toEqual([ids[4], ids[5]]);
    expect((await documenter.get('/incidents/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await documenter.get('/incidents?attackType=laser')).status).toBe(400);
  });

  it('counts casualties as of a seq, links every bucket to its claims, and the ledger recount agrees', async () => {
    const { status, body: report } = await documenter.get<Report>('/stats/casualties?groupBy=perpetrator,ageGroup');
    expect(status).toBe(200);
    expect(report).toMatchObject({ groupBy: ['perpetrator', 'ageGroup'], status: 'verified', total: 4, filters: {} });
    expect(report.buckets.map((b) => [b.key, b.count])).toEqual([
      [{ perpetrator: 'russian-forces', ageGroup: 'adult' }, 2],
      [{ perpetrator: 'russian-forces', ageGroup: 'child' }, 1],
      [{ perpetrator: 'syrian-regime-forces', ageGroup: 'child' }, 1],
    ]);
    expect(report.buckets[0].claimIdsSha256).toBe(sha([ids[0], ids[4]]));
    for (const bucket of report.buckets) {
      const linked = await list(bucket.claims.replace(/^\/claims\?/, ''));
      expect(linked.asOfSeq).toBe(report.asOfSeq);
      expect(sha(linked.items.map((item) => item.id))).toBe(bucket.claimIdsSha256);
    }

    const women = await documenter.get<Report>('/stats/casualties?sex=female&ageGroup=adult&status=all&groupBy=month');
    expect(women.body.buckets).toEqual([expect.objectContaining({ key: { month: null }, count: 1, claimIdsSha256: sha([ids[3]]) })]);
    expect(women.body.filters).toEqual({ sex: 'female', ageGroup: 'adult' });

    const csv = await fetch(`${api.url}/stats/casualties?groupBy=cause&format=csv`, { headers: { authorization: `Bearer ${api.token('u-doc-1', 'documenter')}` } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('x-ledger-as-of-seq')).toBe(String(report.asOfSeq));
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('cause,count,claimIdsSha256,claims');
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 2).join(','))).toEqual(['airstrike,2', 'double-tap-airstrike,1', 'shelling,1']);

    // Figures as of an earlier seq stay what they were, even after more events.
    const before = report.asOfSeq;
    ok(await documenter.post(`/claims/${ids[5]}/retraction`, { reason: 'the child survived' }));
    await settled();
    const later = await eventually(async () => {
      const { body } = await documenter.get<Report>('/stats/casualties?groupBy=perpetrator,ageGroup');
      return body.total === 3 ? body : undefined;
    }, 'the retraction to be counted');
    expect(later.asOfSeq).toBeGreaterThan(before);
    const then = await documenter.get<Report>(`/stats/casualties?groupBy=perpetrator,ageGroup&asOfSeq=${before}`);
    expect(then.body).toEqual(report);

    // `ledger stats` recomputes the same figures from the ledger's own events at that seq.
    const recount = await runCli(config, ['stats', '--at-seq', String(before), '--group-by', 'perpetrator,ageGroup']);
    expect(recount.stderr).toBe('');
    expect(recount.code).toBe(0);
    expect(JSON.parse(recount.stdout)).toEqual(report);
    const filtered = await runCli(config, ['stats', '--at-seq', String(before), '--sex', 'female', '--age-group', 'adult', '--status', 'all', '--group-by', 'month']);
    expect(JSON.parse(filtered.stdout).buckets).toEqual(women.body.buckets.map((b) => ({ ...b, claims: b.claims.replace(/asOfSeq=\d+/, `asOfSeq=${before}`) })));

    const bad = await documenter.get<{ errors: Array<{ path: string }> }>('/stats/casualties?groupBy=colour&month=July&asOfSeq=-1');
    expect(bad.body.errors.map((e) => e.path).sort()).toEqual(['query:asOfSeq', 'query:groupBy', 'query:month']);
    const future = await documenter.get<{ code: string }>(`/stats/casualties?asOfSeq=${before + 100000}`);
    expect([future.status, future.body.code]).toEqual([503, 'READMODEL.BEHIND']);
  }, 60000);

  it('queues claims for each verifier, oldest first, never their own work or what they approved', async () => {
    const queue = async (as: LedgerUser) => (await as.get<{ items: Array<{ id: string; awaiting: string }> }>('/review-queue')).body.items.map((item) => [ids.indexOf(item.id), item.awaiting]);
    // The documenter filed every claim: nothing for them to review.
    expect(await queue(documenter)).toEqual([]);
    // The two approving verifiers approved 0, 1, 4, 5 (verified now); 3 is disputed; 2 awaits review.
    expect(await queue(verifiers[1])).toEqual([[2, 'verification']]);
    const fresh = new LedgerUser(api, 'u-ver-9', 'verifier');
    expect(await queue(fresh)).toEqual([[2, 'verification']]);
    // A lead verifier also sees the dispute; the verifier who opened it never resolves it.
    expect(await queue(lead)).toEqual([[2, 'verification'], [3, 'dispute-resolution']]);
    expect(await queue(new LedgerUser(api, 'u-ver-1', 'lead-verifier'))).toEqual([[2, 'verification']]);
    expect((await documenter.get('/review-queue')).status).toBe(200);
    expect((await new LedgerUser(api, 'u-leg-1', 'legal').get('/review-queue')).status).toBe(403);
  });

  it('rebuilds a projection from the feed beside the live one, compares, swaps on request, and records it', async () => {
    const started = await auditor.post('/projections/claims/replays', {});
    expect(started.status).toBe(202);
    const replayId = (started.body as unknown as { replayId: string }).replayId;
    const job = await eventually(async () => {
      const { body } = await auditor.get<{ status: string; report?: { matched: boolean; tables: Array<{ table: string; match: boolean; live: { rows: number } }> }; eventIds?: string[]; error?: string }>(`/projections/replays/${replayId}`);
      return body.status === 'running' ? undefined : body;
    }, 'the replay to finish', 60000);
    expect(job.error).toBeUndefined();
    expect(job.report?.tables.every((t) => t.match)).toBe(true);
    expect(job.report?.matched).toBe(true);
    expect(job.report?.tables.map((t) => [t.table, t.match, t.live.rows])).toEqual([
      ['claim_view', true, 7],
      ['claim_documents', true, 7],
      ['claim_facts', true, expect.any(Number)],
    ]);
    const recorded = await db.query(`SELECT canonical::jsonb -> 'payload' AS payload, canonical::jsonb -> 'actor' AS actor FROM ledger_events WHERE type = 'ProjectionReplayed'`);
    expect(recorded.rows).toEqual([{ payload: expect.objectContaining({ replayId, projection: 'claims', matched: true, swapped: false }), actor: { id: 'u-aud-1', role: 'auditor' } }]);
    expect((await documenter.post('/projections/claims/replays', {})).status).toBe(403);
    expect((await auditor.post('/projections/nothing/replays', {})).status).toBe(404);

    // Someone edits the live read model behind the ledger's back: the rebuild tells, and --swap repairs it.
    await db.query(`UPDATE claim_view SET status = 'verified' WHERE id = $1`, [ids[2]]);
    const differs = await runCli(config, ['replay', 'claims', '--actor', 'u-aud-1']);
    expect(differs.stdout).toMatch(/claim_view: .* DIFFERENT/);
    expect(differs.code).toBe(1);
    const swapped = await runCli(config, ['replay', 'claims', '--actor', 'u-aud-1', '--swap', '--json']);
    expect(swapped.code).toBe(0);
    expect(JSON.parse(swapped.stdout)).toMatchObject({ projection: 'claims', matched: false, swapped: true });
    expect((await documenter.get<{ status: string }>(`/claims/${ids[2]}`)).body.status).toBe('submitted');
    const again = await runCli(config, ['replay', 'claims', '--actor', 'u-aud-1', '--json']);
    expect([again.code, JSON.parse(again.stdout).matched]).toEqual([0, true]);
    expect((await db.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'ProjectionReplayed'`)).rows[0].n).toBe(4);
  }, 120000);

  it('stops a projection at an event it cannot apply, names the seq on /health, and skips nothing', async () => {
    const kafka = new Kafka({ clientId: 'read-side-test', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const claimId = '00000000-0000-4000-8000-0000000000aa';
    const seq = 999_999;
    const envelope = { seq, streamId: `claim-${claimId}`, streamType: 'claim', version: 2, type: 'ClaimRetracted', schemaVersion: 1, payload: { reason: 'x', by: { id: 'u', role: 'admin' } } };
    await producer.send({
      topic: config.KAFKA_TOPIC,
      messages: [{ key: envelope.streamId, value: JSON.stringify(envelope), headers: { seq: String(seq), type: envelope.type, origin: config.LEDGER_ORIGIN } }],
    });
    await producer.disconnect();
    const health = await eventually(async () => {
      const response = await fetch(`${api.url}/health`);
      return response.status === 503 ? ((await response.json()) as Record<string, unknown>) : undefined;
    }, 'the projector to report the event it cannot apply');
    expect(JSON.stringify(health)).toContain(`projection claims cannot apply seq ${seq}`);
    const checkpoints = await db.query(`SELECT max(last_seq)::bigint AS last FROM projection_checkpoints WHERE projection = 'claims'`);
    expect(Number(checkpoints.rows[0].last)).toBeLessThan(seq);
  }, 60000);
});
