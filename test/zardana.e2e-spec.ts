import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LedgerConfig } from '@ledger/config';
import type pg from 'pg';
import { LedgerUser, type CommandAnswer } from './support/ledger-client.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { runCli } from './support/ledger-process.js';
import { eventually, freshTestLedger, superuser } from './support/test-ledger.js';

/**
 * The Zardana double-tap massacre (Idlib, 2018) as a monitoring network records it: an incident,
 * 52 victims (10 children, 10 adult women, civil-defence volunteers among the men), each with a
 * source or testimony and two independent approvals; one disputed and cleared; one duplicate
 * entry and one retracted entry beyond the 52.
 */
describe('the Zardana scenario through the HTTP API', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;
  let documenter: LedgerUser;
  let fieldWorker: LedgerUser;
  let verifiers: LedgerUser[];
  let leads: LedgerUser[];
  let incidentId: string;
  const versions = new Map<string, number>();

  const ok = (answer: CommandAnswer, status = 200): CommandAnswer['body'] => {
    expect({ status: answer.status, body: answer.body }).toEqual({ status, body: expect.objectContaining({ id: expect.any(String) }) });
    versions.set(answer.body.id, answer.body.version);
    return answer.body;
  };

  const victim = (i: number): Record<string, unknown> => {
    if (i < 10) return { name: { arabic: `طفل ${i}` }, sex: i % 2 ? 'male' : 'female', age: 2 + i, ageGroup: 'child', civilianStatus: 'civilian' };
    if (i < 20) return { name: { latin: `Woman ${i}` }, sex: 'female', age: 20 + i, ageGroup: 'adult', civilianStatus: 'civilian' };
    const volunteer = i < 24;
    return {
      name: { latin: `Man ${i}`, family: 'al-Zardani' },
      sex: 'male',
      ...(i % 5 === 0 ? {} : { age: 18 + i }),
      ageGroup: 'adult',
      civilianStatus: 'civilian',
      ...(volunteer ? { protectedRole: 'civil-defence' } : {}),
    };
  };
  const claim = (i: number): Record<string, unknown> => ({
    victim: victim(i),
    death: { date: '2018-07-16', precision: 'day' },
    place: { governorate: 'Idlib', district: 'Idlib', locality: 'Zardana', precision: 'locality' },
    cause: 'double-tap-airstrike',
    perpetrator: 'russian-forces',
    incidentId,
  });
  const source = (i: number): Record<string, unknown> => ({
    type: 'monitoring-report',
    publisher: 'SNHR',
    url: 'https://sn4hr.org/blog/2018/07/16/zardana/',
    retrievedAt: '2018-07-17',
    contentSha256: createHash('sha256').update(`report ${i}`).digest('hex'),
    connection: 'third-party',
    reliability: 'high',
  });
  const testimony = (i: number): Record<string, unknown> => ({
    witness: { pseudonym: `W-${i}`, identity: { name: `Witness ${i}`, contact: `+963-000-${i}` } },
    relation: i % 3 === 0 ? 'family' : 'eyewitness',
    statement: 'The second strike hit the rescuers minutes after the first.',
    language: 'ar',
    consent: 'legal-proceedings',
  });
  const approve = (by: LedgerUser, id: string): Promise<CommandAnswer> =>
    by.post(`/claims/${id}/verifications`, { verdict: 'approve', rationale: 'matches the report and the hospital list', grade: 'confirmed' });
  const read = async (id: string): Promise<Record<string, unknown>> => {
    const { status, body } = await documenter.get<Record<string, unknown>>(`/claims/${id}?minVersion=${versions.get(id)}`);
    expect(status).toBe(200);
    return body;
  };

  beforeAll(async () => {
    config = await freshTestLedger('zardana');
    api = await startLedgerApi(config);
    db = await superuser(config);
    documenter = new LedgerUser(api, 'u-doc-snhr-1', 'documenter', 'verifier');
    fieldWorker = new LedgerUser(api, 'u-doc-field-2', 'documenter');
    verifiers = ['u-ver-1', 'u-ver-2', 'u-ver-3'].map((id) => new LedgerUser(api, id, 'verifier'));
    leads = ['u-lead-1', 'u-lead-2'].map((id) => new LedgerUser(api, id, 'lead-verifier'));
  }, 60000);

  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  it('records the incident, its 52 victims, their evidence and their verification', async () => {
    const incident = ok(
      await documenter.post('/incidents', {
        code: 'IDL-2018-07-16-ZARDANA',
        date: '2018-07-16',
        precision: 'day',
        place: { governorate: 'Idlib', locality: 'Zardana', lat: 35.99, lon: 36.77, precision: 'exact' },
        attackType: 'double-tap-airstrike',
        perpetrator: 'russian-forces',
        narrative: 'Two successive airstrikes on the village; the second killed civil-defence volunteers rescuing the wounded.',
        reported: { killed: { min: 52, max: 52 }, children: { min: 10, max: 10 }, women: { min: 10, max: 10 }, injured: { min: 80, max: null } },
      }),
      201,
    );
    incidentId = incident.id;
    expect((await documenter.post('/incidents', { code: 'IDL-2018-07-16-ZARDANA', precision: 'unknown', place: { governorate: 'Idlib', precision: 'governorate' }, attackType: 'airstrike', narrative: 'again' })).body.code).toBe('INCIDENT.CODE_TAKEN');

    const claimIds: string[] = [];
    for (let i = 0; i < 52; i++) claimIds.push(ok(await documenter.post('/claims', claim(i)), 201).id);
    for (const [i, id] of claimIds.entries()) {
      ok(i % 2 === 0 ? await documenter.post(`/claims/${id}/sources`, source(i)) : await fieldWorker.post(`/claims/${id}/testimony`, testimony(i)));
    }

    // Four-eyes: the documenter may also verify, but never a claim they filed.
    const own = await documenter.post(`/claims/${claimIds[0]}/verifications`, { verdict: 'approve', rationale: 'mine' });
    expect([own.status, own.body.code]).toEqual([409, 'VERIFICATION.OWN_WORK']);

    for (const id of claimIds) {
      ok(await approve(verifiers[0], id));
      ok(await approve(verifiers[1], id));
    }
    for (const id of claimIds) expect((await read(id)).status).toBe('verified');

    // A dispute on one of them, dismissed by a lead verifier: it ends verified.
    const disputed = claimIds[24];
    const dispute = ok(await verifiers[2].post(`/claims/${disputed}/verifications`, { verdict: 'dispute', rationale: 'the name differs from the hospital list', grade: 'contested' }));
    expect(dispute.disputeId).toEqual(expect.any(String));
    expect((await read(disputed)).status).toBe('disputed');
    const ownLead = new LedgerUser(api, 'u-ver-3', 'lead-verifier');
    expect((await ownLead.post(`/claims/${disputed}/disputes/${dispute.disputeId}/resolution`, { outcome: 'dismiss-dispute', rationale: 'mine' })).body.code).toBe('VERIFICATION.OWN_DISPUTE');
    ok(await leads[0].post(`/claims/${disputed}/disputes/${dispute.disputeId}/resolution`, { outcome: 'dismiss-dispute', rationale: 'transliteration variant of the same name' }));
    const cleared = await read(disputed);
    expect(cleared).toMatchObject({ status: 'verified', grade: 'contested' });
    expect(cleared.disputes).toEqual([expect.objectContaining({ disputeId: dispute.disputeId, resolution: expect.objectContaining({ outcome: 'dismiss-dispute' }) })]);

    // Beyond the 52: a duplicate entry of one victim, and an entry retracted by its filer.
    const duplicate = ok(await fieldWorker.post('/claims', claim(3)), 201).id;
    ok(await verifiers[0].post(`/claims/${duplicate}/duplicate-of`, { claimId: claimIds[3], rationale: 'same child, reported twice' }));
    const retracted = ok(await fieldWorker.post('/claims', claim(40)), 201).id;
    expect((await documenter.post(`/claims/${retracted}/retraction`, { reason: 'not mine to retract' })).status).toBe(403);
    ok(await fieldWorker.post(`/claims/${retracted}/retraction`, { reason: 'entered in error: the person survived' }));

    // Closed records accept nothing more.
    expect((await fieldWorker.post(`/claims/${retracted}/testimony`, testimony(99))).body.code).toBe('CLAIM.RETRACTED');
    expect((await approve(verifiers[2], duplicate)).body.code).toBe('CLAIM.DUPLICATE');

    // Every resulting status.
    const statuses = new Map<string, number>();
    for (const id of [...claimIds, duplicate, retracted]) {
      const status = (await read(id)).status as string;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ verified: 52, duplicate: 1, retracted: 1 });
    expect(await read(duplicate)).toMatchObject({ status: 'duplicate', duplicateOf: claimIds[3] });

    // The victims as a monitoring report counts them, and every claim names the incident.
    const verified = await Promise.all(claimIds.map(read));
    const victims = verified.map((c) => c.victim as { ageGroup: string; sex: string; protectedRole?: string });
    expect(victims.filter((v) => v.ageGroup === 'child')).toHaveLength(10);
    expect(victims.filter((v) => v.ageGroup === 'adult' && v.sex === 'female')).toHaveLength(10);
    expect(victims.filter((v) => v.protectedRole === 'civil-defence')).toHaveLength(4);
    expect(verified.every((c) => c.incidentId === incidentId)).toBe(true);

    // The witness's identity is in the ledger's protected part only, never in the read model.
    const claimWithTestimony = await read(claimIds[1]);
    expect(JSON.stringify(claimWithTestimony)).not.toContain('+963-000-1');
    expect((claimWithTestimony.testimony as Array<{ witness: unknown }>)[0].witness).toEqual({ pseudonym: 'W-1' });
    const stored = await db.query(`SELECT canonical::jsonb -> 'payload' AS payload FROM ledger_events WHERE type = 'TestimonyRecorded' AND stream_id = $1`, [`claim-${claimIds[1]}`]);
    expect(stored.rows[0].payload.protected.witnessIdentity).toMatchObject({ alg: 'A256GCM', subject: 'W-1'.replace(/^/, 'witness:') });
    expect(JSON.stringify(stored.rows[0].payload)).not.toContain('+963-000-1');
    expect(stored.rows[0].payload.witness).toEqual({ pseudonym: 'W-1' });

    // The figures a monitoring report quotes, from the statistics: 52 killed by the scenario's
    // perpetrator, 10 children, 10 women; the duplicate and the retracted entry are not counted.
    type Stats = { asOfSeq: number; total: number; buckets: Array<{ key: Record<string, string>; count: number; claimIdsSha256: string }> };
    const stats = async (query: string): Promise<Stats> => {
      const { status, body } = await documenter.get<Stats>(`/stats/casualties?perpetrator=russian-forces&${query}`);
      expect(status).toBe(200);
      return body;
    };
    const killed = await eventually(async () => {
      const body = await stats('groupBy=incident');
      return body.total === 52 ? body : undefined;
    }, 'the statistics to count every verified claim');
    expect(killed.buckets).toEqual([expect.objectContaining({ key: { incident: incidentId }, count: 52 })]);
    expect((await stats('ageGroup=child')).total).toBe(10);
    expect((await stats('sex=female&ageGroup=adult')).total).toBe(10);
    expect((await stats('status=all')).total).toBe(52);
    expect((await stats('protectedRole=civil-defence')).total).toBe(4);
    const byGroup = await stats(`groupBy=ageGroup,sex&asOfSeq=${killed.asOfSeq}`);
    expect(byGroup.buckets.map((b) => [b.key.ageGroup, b.key.sex, b.count])).toEqual([
      ['adult', 'female', 10],
      ['adult', 'male', 32],
      ['child', 'female', 5],
      ['child', 'male', 5],
    ]);
    const recount = await runCli(config, ['stats', '--at-seq', String(killed.asOfSeq), '--perpetrator', 'russian-forces', '--group-by', 'age-group,sex']);
    expect(recount.code).toBe(0);
    expect(JSON.parse(recount.stdout)).toEqual(byGroup);

    // The incident beside its reported figures.
    const { body: incidentView } = await documenter.get<{ totals: Record<string, unknown>; claims: unknown[] }>(`/incidents/${incidentId}`);
    expect(incidentView.totals).toEqual({
      reported: { killed: { min: 52, max: 52 }, children: { min: 10, max: 10 }, women: { min: 10, max: 10 }, injured: { min: 80, max: null } },
      verified: { killed: 52, children: 10, women: 10 },
      documented: { killed: 52, children: 10, women: 10 },
    });
    expect(incidentView.claims).toHaveLength(54);

    // The incident as a court receives it: a bundle that verifies on a machine with only Node.
    const legal = api.token('u-legal-snhr', 'legal');
    const exported = await fetch(`${api.url}/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${legal}` },
      body: JSON.stringify({ scope: { type: 'incident', incidentId } }),
    });
    expect(exported.status).toBe(200);
    const work = await mkdtemp(join(tmpdir(), 'zardana-bundle-'));
    try {
      const bundleFile = join(work, 'zardana.jsonl');
      await writeFile(bundleFile, await exported.text());
      const key = await (await fetch(`${api.url}/ledger/key`)).text();
      const verifierDir = join(work, 'verifier');
      const packaged = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/package-verifier.mjs', import.meta.url)), '--out', verifierDir], { encoding: 'utf8' });
      expect(packaged.status).toBe(0);
      const offline = spawnSync(process.execPath, [join(verifierDir, 'verify-bundle.js'), bundleFile, '--key', key.trim(), '--json'], { cwd: work, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
      expect(offline.stderr).toBe('');
      expect(offline.status).toBe(0);
      expect(JSON.parse(offline.stdout)).toMatchObject({ ok: true, claims: 54, keyPinned: true });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 180000);

  it('loses and doubles no approval when verifiers approve one claim at the same time', async () => {
    const id = ok(await documenter.post('/claims', claim(30)), 201).id;
    ok(await documenter.post(`/claims/${id}/sources`, source(30)));
    const crowd = Array.from({ length: 8 }, (_, i) => new LedgerUser(api, `u-ver-crowd-${i}`, 'verifier'));
    const answers = await Promise.all(crowd.map((verifier) => approve(verifier, id)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const events = (await db.query(`SELECT type, canonical::jsonb -> 'payload' AS payload FROM ledger_events WHERE stream_id = $1 ORDER BY version`, [`claim-${id}`])).rows as Array<{ type: string; payload: { verifier?: { id: string } } }>;
    const approvals = events.filter((e) => e.type === 'VerificationRecorded').map((e) => e.payload.verifier?.id);
    expect(approvals.sort()).toEqual(crowd.map((v) => v.id).sort());
    expect(events.filter((e) => e.type === 'ClaimVerified')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'ReviewStarted')).toHaveLength(1);
    versions.set(id, Math.max(...answers.map((a) => a.body.version)));
    expect(await read(id)).toMatchObject({ status: 'verified', verifications: expect.arrayContaining([expect.objectContaining({ verdict: 'approve' })]) });
    expect(((await read(id)).verifications as unknown[]).length).toBe(8);
  }, 60000);
});
