import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { verifyBundle } from '@ledger/bundle';
import { loadConfig, type LedgerConfig } from '@ledger/config';
import { eventLeafHash, fromHex, openCheckpoint, parseVerifierKey, toHex, verifyInclusion } from '@ledger/proof';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import { claimBody } from './fixtures/claims.js';
import { LedgerUser } from './support/ledger-client.js';
import { runCli } from './support/ledger-process.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { eventually, freshTestLedger, superuser } from './support/test-ledger.js';

const WITNESS = { name: 'Rim Qasrawi-Witness', contact: '+963-988-602-214' };
const STATEMENT = 'The sniper on the Hamidiyah roof was my cousin Bashar Kfarnabudi; he knows my face.';
const RELATIVE = { name: 'Samira Haddad-Relative', relation: 'mother', contact: '+963-933-271-828', note: 'Lives with her sister in the Azaz camp' };
const VICTIM_DETAILS = {
  familyContact: { name: 'Khaled Tayyar-Brother', relation: 'brother', contact: '+963-944-161-803' },
  medical: { injuries: 'Shrapnel wounds to the chest and the left femur', causeOfDeath: 'Haemorrhagic shock', hospitalRecord: 'Bab al-Hawa hospital file 2018/07/4412' },
};
const ALIVE_NAME = { latin: 'Yasmin Qudsiyya-Alive', arabic: 'ياسمين قدسية' };
/** Every protected value above: none may be in the ledger, a read model or a redacted export. */
const PROTECTED = [
  WITNESS.name,
  WITNESS.contact,
  'Hamidiyah roof',
  RELATIVE.name,
  RELATIVE.contact,
  'Azaz camp',
  VICTIM_DETAILS.familyContact.name,
  VICTIM_DETAILS.familyContact.contact,
  'Shrapnel wounds',
  'Haemorrhagic shock',
  'Bab al-Hawa hospital file',
];
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface Disclosure {
  status: number;
  body: { code?: string; errors?: Array<{ path: string }>; subject?: string; claimId?: string; eventIds: string[]; values?: Array<{ item: string; recordedAt: string; value: unknown }> };
}

/**
 * Protected personal data beyond the witness's identity, through the real app: relatives named in
 * testimony and a sensitive statement, a victim's contacts and medical details, each sealed under
 * its own subject's key; read only by disclosure (recorded) by the roles with the right; erased
 * one subject at a time while every proof and `ledger verify` still pass; kept across a master key
 * rotation; and a victim found alive leaving the statistics, the review queue and the read models.
 */
describe('protection of personal data beyond the witness', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;
  let users: Record<'documenter' | 'verifier' | 'verifier2' | 'lead' | 'legal' | 'auditor' | 'admin', LedgerUser>;
  let claimId: string;
  let testimonyId: string;
  let relative: string;
  let detailsId: string;
  const victim = (): string => `victim:${claimId}`;

  const login = (): void => {
    users = {
      documenter: new LedgerUser(api, 'u-doc-pd', 'documenter'),
      verifier: new LedgerUser(api, 'u-ver-pd1', 'verifier'),
      verifier2: new LedgerUser(api, 'u-ver-pd2', 'verifier'),
      lead: new LedgerUser(api, 'u-lead-pd', 'lead-verifier'),
      legal: new LedgerUser(api, 'u-legal-pd', 'legal'),
      auditor: new LedgerUser(api, 'u-aud-pd', 'auditor'),
      admin: new LedgerUser(api, 'u-admin-pd', 'admin'),
    };
  };
  const disclose = (as: LedgerUser, subject: string, body: Record<string, unknown> = { purpose: 'court order 2026/88', claimId }): Promise<Disclosure> =>
    as.post(`/data-subjects/${encodeURIComponent(subject)}/disclosures`, body) as Promise<Disclosure>;
  const ledgerText = async (): Promise<string[]> => (await db.query(`SELECT canonical FROM ledger_events ORDER BY id`)).rows.map((r) => r.canonical as string);
  const leaked = (text: string): string[] => PROTECTED.filter((value) => text.includes(value));
  const everySequenced = (): Promise<boolean> =>
    eventually(async () => {
      const { rows } = await db.query(`SELECT (SELECT count(*) FROM ledger_events) - (SELECT count(*) FROM ledger_log) AS n`);
      return Number(rows[0].n) === 0 ? true : undefined;
    }, 'every event to be sequenced');

  beforeAll(async () => {
    config = await freshTestLedger('personal_data');
    api = await startLedgerApi(config);
    db = await superuser(config);
    login();
    claimId = (await users.documenter.post('/claims', claimBody(2))).body.id;
    const recorded = await users.documenter.post(`/claims/${claimId}/testimony`, {
      witness: { pseudonym: 'W-21', identity: WITNESS },
      relation: 'eyewitness',
      statement: STATEMENT,
      statementSensitive: true,
      relatives: [RELATIVE],
      language: 'ar',
      consent: 'legal-proceedings',
    });
    expect(recorded.status).toBe(200);
    const details = await users.documenter.post(`/claims/${claimId}/protected-details`, VICTIM_DETAILS);
    expect(details.status).toBe(200);
    detailsId = String((details.body as unknown as { detailsId: string }).detailsId);
    const { rows } = await db.query(`SELECT canonical::jsonb -> 'payload' AS p FROM ledger_events WHERE stream_id = $1 AND type = 'TestimonyRecorded'`, [`claim-${claimId}`]);
    testimonyId = rows[0].p.testimonyId;
    relative = rows[0].p.protected.relatives[0].subject;
  }, 60000);

  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  it('stores relatives, a sensitive statement and the victim’s details only as ciphertext, each under its own subject', async () => {
    const { rows } = await db.query(
      `SELECT type, canonical::jsonb ->> 'schemaVersion' AS v, canonical::jsonb -> 'payload' AS p FROM ledger_events WHERE stream_id = $1 ORDER BY version`,
      [`claim-${claimId}`],
    );
    expect(rows.map((r) => [r.type, r.v])).toEqual([
      ['ClaimFiled', '2'],
      ['TestimonyRecorded', '4'],
      ['VictimDetailsRecorded', '1'],
    ]);
    const sealed = (subject: string | RegExp) => ({ alg: 'A256GCM', subject, iv: expect.any(String), ciphertext: expect.any(String), tag: expect.any(String) });
    // The victim's name too: sealed under the victim's key, with a value key bound to this filing.
    expect(rows[0].p.victim).not.toHaveProperty('name');
    expect(rows[0].p.protected).toEqual({ victimName: sealed(victim()) });
    expect(JSON.stringify(rows[0].p)).not.toContain('Ahmad al-Hussein');
    const testimony = rows[1].p;
    expect(testimony).not.toHaveProperty('statement');
    expect(testimony.protected).toEqual({
      witnessIdentity: sealed('witness:W-21'),
      statement: sealed('witness:W-21'),
      relatives: [sealed(expect.stringMatching(new RegExp(`^relative:${UUID}$`)))],
    });
    expect(rows[2].p).toEqual({ detailsId, recordedBy: { id: 'u-doc-pd', role: 'documenter' }, protected: { victimDetails: sealed(victim()) } });

    expect(leaked((await ledgerText()).join('\n'))).toEqual([]);
    const keys = await db.query(`SELECT subject, wrapped IS NOT NULL AS held FROM protection_keys ORDER BY subject`);
    expect(keys.rows).toEqual([
      { subject: relative, held: true },
      { subject: victim(), held: true },
      { subject: 'witness:W-21', held: true },
    ]);
  });

  it('shows read models which subjects a claim holds data of, never the data', async () => {
    const claim = await users.auditor.get<{ testimony: Array<Record<string, unknown>> }>(`/claims/${claimId}?minVersion=3`);
    expect(claim.status).toBe(200);
    expect(claim.body.testimony).toEqual([expect.objectContaining({ testimonyId, witness: { pseudonym: 'W-21' }, statementSealed: true, relativeSubjects: [relative] })]);
    expect(claim.body.testimony[0]).not.toHaveProperty('statement');
    expect(JSON.stringify(claim.body)).not.toContain('ciphertext');
    expect(leaked(JSON.stringify(claim.body))).toEqual([]);
    const documents = await db.query(`SELECT d::text AS row FROM claim_documents d UNION ALL SELECT v::text FROM claim_view v`);
    expect(leaked(documents.rows.map((r) => r.row).join('\n'))).toEqual([]);
    const history = await users.auditor.get<{ timeline: Array<{ summary: string }> }>(`/claims/${claimId}/history`);
    expect(history.body.timeline.map((t) => t.summary)).toEqual([
      expect.stringContaining('filed the claim'),
      expect.stringContaining('statement sealed; 1 relative(s) named, sealed'),
      `recorded protected details of the victim (sealed under ${victim()})`,
    ]);
  });

  it('discloses a subject’s data only to legal, lead verifiers and admins, for a purpose, each reading a ledger event', async () => {
    for (const as of [users.documenter, users.verifier, users.auditor]) {
      const refused = await disclose(as, relative);
      expect([refused.status, refused.body.code]).toEqual([403, 'AUTH.ROLE_NOT_ALLOWED']);
    }
    expect((await disclose(users.legal, relative, { claimId })).status).toBe(400);
    const noClaim = await disclose(users.legal, relative, { purpose: 'tracing' });
    expect([noClaim.status, [...new Set(noClaim.body.errors?.map((e) => e.path))]]).toEqual([400, ['/claimId']]);
    expect((await disclose(users.legal, 'neighbour:Abu-Omar')).body.code).toBe('DATA_SUBJECT.NOT_FOUND');
    const other = (await users.documenter.post('/claims', claimBody(5))).body.id;
    const nothing = await disclose(users.legal, `victim:${other}`, { purpose: 'tracing' });
    expect([nothing.status, nothing.body.code]).toEqual([404, 'PERSONAL_DATA.NOT_FOUND']);

    const ofRelative = await disclose(users.legal, relative);
    expect(ofRelative.status).toBe(200);
    expect(ofRelative.body).toMatchObject({ subject: relative, claimId, values: [{ item: `testimony/${testimonyId}/relative`, value: RELATIVE }] });
    const ofVictim = await disclose(users.lead, victim(), { purpose: 'family tracing request 41' });
    expect(ofVictim.body).toMatchObject({ subject: victim(), claimId, values: [{ item: `victim-details/${detailsId}`, value: VICTIM_DETAILS }] });
    const ofWitness = await disclose(users.admin, 'witness:W-21');
    expect(ofWitness.body.values).toEqual([
      { item: `testimony/${testimonyId}/witness-identity`, recordedAt: expect.any(String), value: WITNESS },
      { item: `testimony/${testimonyId}/statement`, recordedAt: expect.any(String), value: STATEMENT },
    ]);
    // The witness route of before still answers, and records its reading the same way.
    const witnessRoute = await users.legal.post(`/claims/${claimId}/testimony/${testimonyId}/witness-identity/disclosures`, { purpose: 'court order 2026/89' });
    expect((witnessRoute.body as unknown as { witnessIdentity: unknown }).witnessIdentity).toEqual(WITNESS);

    const { rows } = await db.query(`SELECT stream_id, canonical::jsonb AS e FROM ledger_events WHERE type = 'ProtectedDataDisclosed' ORDER BY id`);
    expect(rows.map((r) => [r.e.schemaVersion, r.e.payload])).toEqual([
      [2, { subject: relative, claimId, items: [`testimony/${testimonyId}/relative`], purpose: 'court order 2026/88', disclosedTo: { id: 'u-legal-pd', role: 'legal' } }],
      [2, { subject: victim(), claimId, items: [`victim-details/${detailsId}`], purpose: 'family tracing request 41', disclosedTo: { id: 'u-lead-pd', role: 'lead-verifier' } }],
      [
        2,
        {
          subject: 'witness:W-21',
          claimId,
          items: [`testimony/${testimonyId}/witness-identity`, `testimony/${testimonyId}/statement`],
          purpose: 'court order 2026/88',
          disclosedTo: { id: 'u-admin-pd', role: 'admin' },
        },
      ],
      [2, { subject: 'witness:W-21', claimId, items: [`testimony/${testimonyId}/witness-identity`], purpose: 'court order 2026/89', disclosedTo: { id: 'u-legal-pd', role: 'legal' } }],
    ]);
    const streamOf = (subject: string) => `data-subject-${createHash('sha256').update(subject).digest('hex').slice(0, 32)}`;
    expect(rows.map((r) => r.stream_id)).toEqual([streamOf(relative), streamOf(victim()), streamOf('witness:W-21'), streamOf('witness:W-21')]);
    expect(leaked((await ledgerText()).join('\n'))).toEqual([]);

    // A retried request (same Idempotency-Key) answers the first disclosure, without its plaintext.
    const key = { 'idempotency-key': randomUUID() };
    const first = (await users.legal.post(`/data-subjects/${encodeURIComponent(victim())}/disclosures`, { purpose: 'retried' }, key)) as Disclosure;
    const repeat = (await users.legal.post(`/data-subjects/${encodeURIComponent(victim())}/disclosures`, { purpose: 'retried' }, key)) as Disclosure;
    expect(first.body.values).toHaveLength(1);
    expect([repeat.status, repeat.body.eventIds, repeat.body.values]).toEqual([200, first.body.eventIds, undefined]);
    expect((await db.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'ProtectedDataDisclosed'`)).rows[0].n).toBe(5);
  });

  it('keeps every subject readable across a master key rotation, without touching the ledger', async () => {
    const before = (await db.query(`SELECT count(*)::int AS n FROM ledger_events`)).rows[0].n;
    const held = (await db.query(`SELECT count(*)::int AS n FROM protection_keys WHERE wrapped IS NOT NULL`)).rows[0].n;
    const next = randomBytes(32).toString('base64');
    const run = await runCli({ ...config, LEDGER_MASTER_KEY: next, LEDGER_MASTER_KEY_PREVIOUS: config.LEDGER_MASTER_KEY } as LedgerConfig, ['rotate-master-key']);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(new RegExp(`rewrapped ${held} data key`));
    expect((await db.query(`SELECT count(*)::int AS n FROM ledger_events`)).rows[0].n).toBe(before);

    await api.close();
    const environment = Object.entries(config).filter(([key, value]) => /^[A-Z_]+$/.test(key) && value !== undefined);
    config = loadConfig({ ...Object.fromEntries(environment.map(([key, value]) => [key, String(value)])), LEDGER_MASTER_KEY: next });
    api = await startLedgerApi(config);
    login();
    expect((await disclose(users.legal, relative, { purpose: 'after rotation', claimId })).body.values?.[0].value).toEqual(RELATIVE);
    expect((await disclose(users.legal, victim(), { purpose: 'after rotation' })).body.values?.[0].value).toEqual(VICTIM_DETAILS);
  }, 60000);

  it('erases one relative by destroying their key: unreadable for good, everything else readable, every proof valid', async () => {
    expect((await users.legal.post(`/data-subjects/${encodeURIComponent(relative)}/erasure`, { reason: 'x' })).status).toBe(403);
    const erased = await users.admin.post(`/data-subjects/${encodeURIComponent(relative)}/erasure`, { reason: 'the relative asked to be forgotten' });
    expect(erased.status).toBe(200);
    expect((await db.query(`SELECT wrapped, erased_at IS NOT NULL AS erased FROM protection_keys WHERE subject = $1`, [relative])).rows).toEqual([{ wrapped: null, erased: true }]);
    const refused = await disclose(users.legal, relative);
    expect([refused.status, refused.body.code]).toEqual([409, 'PERSONAL_DATA.ERASED']);
    expect((await disclose(users.legal, 'witness:W-21')).body.values?.map((v) => v.value)).toEqual([WITNESS, STATEMENT]);
    expect((await disclose(users.legal, victim(), { purpose: 'still held' })).status).toBe(200);

    // The sealed relative is still in the ledger, hashed and proven as before.
    await everySequenced();
    const key = parseVerifierKey((await (await fetch(`${api.url}/ledger/key`)).text()).trim());
    const { rows } = await db.query(
      `SELECT l.seq, e.hash FROM ledger_events e JOIN ledger_log l ON l.event_id = e.event_id WHERE e.stream_id = $1 AND e.type = 'TestimonyRecorded'`,
      [`claim-${claimId}`],
    );
    const seq = Number(rows[0].seq);
    const checkpoint = await eventually(async () => {
      const found = openCheckpoint(await (await fetch(`${api.url}/ledger/checkpoint`)).text(), key);
      return found.size >= seq ? found : undefined;
    }, 'a checkpoint covering the testimony');
    const proof = await users.auditor.get<{ leafHash: string; proof: string[]; leafIndex: number; treeSize: number }>(`/ledger/proofs/inclusion?seq=${seq}&size=${checkpoint.size}`);
    expect(proof.body.leafHash).toBe(toHex(eventLeafHash(rows[0].hash)));
    expect(verifyInclusion(proof.body.leafIndex, proof.body.treeSize, fromHex(proof.body.leafHash) as Uint8Array, proof.body.proof.map((h) => fromHex(h) as Uint8Array), checkpoint.root)).toBe(true);
    const verify = await runCli(config, ['verify', '--json']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
  }, 60000);

  it('exports redacted by default; unredacted, discloses witness identities only: both verify offline', async () => {
    const exportOf = async (body: unknown): Promise<string> => {
      const response = await fetch(`${api.url}/exports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token('u-legal-pd', 'legal')}` },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      return response.text();
    };
    const redacted = await exportOf({ scope: { type: 'claim', claimId } });
    expect(await verifyBundle([redacted])).toMatchObject({ ok: true });
    expect(leaked(redacted)).toEqual([]);
    const full = await exportOf({ scope: { type: 'claim', claimId }, includeWitnessIdentities: true, justification: 'ICC request 2026-88' });
    expect(await verifyBundle([full])).toMatchObject({ ok: true });
    expect(leaked(full)).toEqual([WITNESS.name, WITNESS.contact]);
  }, 60000);

  describe('a victim found alive', () => {
    let aliveId: string;
    let twinId: string;
    /** Where the name must never be once the victim is found alive (and, before, never in the clear in the ledger). */
    const named = (text: string): boolean => text.includes('Qudsiyya') || text.includes(ALIVE_NAME.arabic);
    const exportBundle = async (claim: string): Promise<string> => {
      const response = await fetch(`${api.url}/exports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token('u-legal-pd', 'legal')}` },
        body: JSON.stringify({ scope: { type: 'claim', claimId: claim } }),
      });
      expect(response.status).toBe(200);
      return response.text();
    };
    const rawEnvelopes = async (): Promise<string> => {
      const history = await users.auditor.get<{ events: unknown[] }>(`/claims/${aliveId}/history`);
      expect(history.body.events.length).toBeGreaterThan(0);
      await everySequenced();
      const pages: unknown[] = [];
      for (let after = 0; ; ) {
        const page = await users.auditor.get<{ events: unknown[]; next: number | null }>(`/ledger/events?after=${after}&limit=1000`);
        pages.push(...page.body.events);
        if (page.body.next === null) break;
        after = page.body.next;
      }
      return JSON.stringify(history.body) + JSON.stringify(pages) + (await ledgerText()).join('\n');
    };
    /** Every message of the topic, as the feed's consumers read it (only where Kafka is the feed). */
    const topicText = async (): Promise<string> => {
      const kafka = new Kafka({ clientId: 'e2e-personal-data', brokers: config.kafkaBrokers, logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(config.KAFKA_TOPIC);
      await admin.disconnect();
      const total = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
      const consumer = kafka.consumer({ groupId: `e2e-personal-data-${randomUUID()}` });
      await consumer.connect();
      const values: string[] = [];
      try {
        await consumer.subscribe({ topics: [config.KAFKA_TOPIC], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`read ${values.length} of ${total} messages of the topic`)), 30000);
          void consumer.run({
            eachMessage: async ({ message }) => {
              values.push(message.value?.toString('utf8') ?? '');
              if (values.length >= total) {
                clearTimeout(timer);
                resolve();
              }
            },
          });
        });
      } finally {
        await consumer.disconnect();
      }
      expect(values.length).toBeGreaterThan(0);
      return values.join('\n');
    };
    const q = encodeURIComponent('Qudsiyya');
    const inQueue = async (as: LedgerUser): Promise<boolean> => {
      const queue = await as.get<{ items: Array<{ id: string }> }>('/review-queue?limit=100');
      return queue.body.items.some((item) => item.id === aliveId);
    };
    /** Statistics count as of their watermark, which may trail the claim's own row for a moment. */
    const raqqaCountBecomes = (wanted: number): Promise<boolean> =>
      eventually(async () => ((await users.auditor.get<{ total: number }>('/stats/casualties?status=all&governorate=Raqqa')).body.total === wanted ? true : undefined), `the Raqqa count to be ${wanted}`);

    beforeAll(async () => {
      const body = claimBody(9) as { victim: Record<string, unknown>; place: Record<string, unknown>; cause: string };
      body.victim.name = ALIVE_NAME;
      body.place = { governorate: 'Raqqa', precision: 'governorate' };
      body.cause = 'shelling';
      aliveId = (await users.documenter.post('/claims', body)).body.id;
      const source = { type: 'photo', publisher: 'Raqqa is Being Slaughtered Silently', contentSha256: createHash('sha256').update('alive').digest('hex'), connection: 'victim', reliability: 'medium' };
      expect((await users.documenter.post(`/claims/${aliveId}/sources`, source)).status).toBe(200);
      expect((await users.verifier.post(`/claims/${aliveId}/verifications`, { verdict: 'approve', rationale: 'photo of the body' })).status).toBe(200);
      expect((await users.documenter.post(`/claims/${aliveId}/protected-details`, { medical: { injuries: 'Shrapnel wounds reported by a neighbour' } })).status).toBe(200);
      await eventually(async () => ((await users.auditor.get<{ version: number }>(`/claims/${aliveId}`)).body.version === 5 ? true : undefined), 'the claim read model');
      // Another report of the same person, spelt a little differently: a possible duplicate.
      const twin = claimBody(9) as { victim: Record<string, unknown>; place: Record<string, unknown>; cause: string };
      twin.victim.name = { latin: 'Yasmin Qudsiya' };
      twin.place = { governorate: 'Raqqa', precision: 'governorate' };
      twin.cause = 'shelling';
      twinId = (await users.documenter.post('/claims', twin)).body.id;
      await users.auditor.get(`/claims/${twinId}?minVersion=1`);
    }, 60000);

    it('is named, searchable and a possible duplicate, in statistics and the review queue until then; the ledger holds its name only sealed', async () => {
      const shown = await users.auditor.get<{ victim: { name?: unknown } }>(`/claims/${aliveId}`);
      expect(shown.body.victim.name).toEqual(ALIVE_NAME);
      expect((await users.auditor.get<{ victim: { name?: unknown } }>(`/claims/${aliveId}?atVersion=1`)).body.victim.name).toEqual(ALIVE_NAME);
      // The twin's "Qudsiya" meets "Qudsiyya" (and قدسية) by its consonant skeleton: both are found.
      expect((await users.auditor.get<{ items: Array<{ id: string }> }>(`/claims?q=${q}`)).body.items.map((c) => c.id).sort()).toEqual([aliveId, twinId].sort());
      expect((await users.auditor.get<{ items: Array<{ id: string }> }>(`/claims?q=${encodeURIComponent(ALIVE_NAME.arabic)}`)).body.items.map((c) => c.id).sort()).toEqual([aliveId, twinId].sort());
      const duplicates = await users.verifier.get<{ candidates: Array<{ claimId: string; summary: { name: unknown } }> }>(`/claims/${twinId}/possible-duplicates?minScore=0`);
      expect(duplicates.body.candidates.find((c) => c.claimId === aliveId)?.summary.name).toEqual(ALIVE_NAME);
      expect(await raqqaCountBecomes(2)).toBe(true);
      expect(await inQueue(users.verifier2)).toBe(true);
      expect(named(await rawEnvelopes())).toBe(false);
      if (config.usesKafka) expect(named(await topicText())).toBe(false);
      // A bundle shows the name from a line the verifier checks against the ciphertext.
      const bundle = await exportBundle(aliveId);
      expect(await verifyBundle([bundle])).toMatchObject({ ok: true, disclosures: 1 });
      const lines = bundle.trimEnd().split('\n').map((line) => JSON.parse(line) as { kind: string; subject?: string; plaintext?: unknown; html?: string });
      expect(lines.filter((line) => line.kind === 'disclosure')).toEqual([expect.objectContaining({ subject: `victim:${aliveId}`, plaintext: ALIVE_NAME })]);
      expect(lines.find((line) => line.kind === 'summary')?.html).toContain('Yasmin Qudsiyya-Alive');
      expect(lines.filter((line) => line.kind === 'event').some((line) => named(JSON.stringify(line)))).toBe(false);
    }, 60000);

    it('is recorded by a lead verifier with a justification only', async () => {
      expect((await users.documenter.post(`/claims/${aliveId}/victim-alive`, { justification: 'x' })).status).toBe(403);
      expect((await users.verifier.post(`/claims/${aliveId}/victim-alive`, { justification: 'x' })).status).toBe(403);
      const bare = await users.lead.post(`/claims/${aliveId}/victim-alive`, {});
      expect([bare.status, [...new Set(bare.body.errors?.map((e) => e.path))]]).toEqual([400, ['/justification']]);
      const recorded = await users.lead.post(`/claims/${aliveId}/victim-alive`, { justification: 'Met in person by the field team on 2026-11-20' });
      expect(recorded.status).toBe(200);
      expect(recorded.body).toMatchObject({ id: aliveId, version: 6, eventIds: [expect.any(String)], erasedSubject: `victim:${aliveId}` });
      const again = await users.lead.post(`/claims/${aliveId}/victim-alive`, { justification: 'again' });
      expect([again.status, again.body.code]).toEqual([409, 'CLAIM.RETRACTED']);
    });

    it('leaves the statistics, the review queue and search; read models show no name, at any version', async () => {
      // minVersion waits 5 s at most; a projector still joining its consumer group may take longer.
      const claim = await eventually(async () => {
        const read = await users.auditor.get<Record<string, unknown>>(`/claims/${aliveId}?minVersion=6`);
        return read.status === 200 ? read : undefined;
      }, 'the read model to apply the victim found alive', 45000);
      expect(claim.body).toMatchObject({ status: 'retracted', victimAlive: true, victim: { ageGroup: 'child', civilianStatus: 'civilian' } });
      expect(claim.body.victim).not.toHaveProperty('name');
      const earlier = await users.auditor.get<Record<string, unknown>>(`/claims/${aliveId}?atVersion=1`);
      expect(earlier.body).toMatchObject({ status: 'submitted', victimAlive: true });
      for (const body of [claim.body, earlier.body]) {
        expect(JSON.stringify(body)).not.toContain('Qudsiyya');
        expect(JSON.stringify(body)).not.toContain(ALIVE_NAME.arabic);
      }
      const found = await users.auditor.get<{ items: Array<{ id: string }> }>(`/claims?q=${q}`);
      expect(found.body.items.map((c) => c.id)).toEqual([twinId]);
      expect(named(JSON.stringify(found.body))).toBe(false);
      const inArabic = await users.auditor.get<{ items: Array<{ id: string }> }>(`/claims?q=${encodeURIComponent(ALIVE_NAME.arabic)}`);
      expect(inArabic.body.items.map((c) => c.id)).toEqual([twinId]);
      expect(named(JSON.stringify(inArabic.body))).toBe(false);
      expect(await raqqaCountBecomes(1)).toBe(true);
      expect(await inQueue(users.verifier2)).toBe(false);
      const rows = await db.query(`SELECT v::text AS row FROM claim_view v WHERE id = $1 UNION ALL SELECT d::text FROM claim_documents d WHERE id = $1`, [aliveId]);
      expect(rows.rows.some((r) => named(r.row))).toBe(false);
      const everything = await db.query(`SELECT v::text AS row FROM claim_view v UNION ALL SELECT d::text FROM claim_documents d UNION ALL SELECT i::text FROM incident_view i`);
      expect(everything.rows.some((r) => named(r.row))).toBe(false);
      const duplicates = await users.verifier.get<Record<string, unknown>>(`/claims/${twinId}/possible-duplicates?minScore=0`);
      expect(duplicates.status).toBe(200);
      expect(named(JSON.stringify(duplicates.body))).toBe(false);
      const queue = await users.verifier2.get<unknown>('/review-queue?limit=100');
      expect(named(JSON.stringify(queue.body))).toBe(false);
    }, 60000);

    it('is named nowhere after: not in the raw envelopes (history, /ledger/events), not on the topic, nowhere in a new bundle', async () => {
      expect(named(await rawEnvelopes())).toBe(false);
      if (config.usesKafka) expect(named(await topicText())).toBe(false);
      const bundle = await exportBundle(aliveId);
      expect(await verifyBundle([bundle])).toMatchObject({ ok: true, disclosures: 0 });
      expect(named(bundle)).toBe(false);
      expect(bundle).toContain('"victimName":{"alg":"A256GCM"');
    }, 60000);

    it('is named in no read model rebuilt by a replay, which matches the live one', async () => {
      const started = await users.auditor.post('/projections/claims/replays', {});
      expect(started.status).toBe(202);
      const replayId = (started.body as unknown as { replayId: string }).replayId;
      type ReplayJob = { status: string; error?: string; report?: { matched: boolean; tables?: unknown } };
      const job = await eventually(async () => {
        const body = (await users.auditor.get<ReplayJob>(`/projections/replays/${replayId}`)).body;
        return body.status === 'running' ? undefined : body;
      }, 'the replay to finish', 60000);
      expect(job.error).toBeUndefined();
      // The whole report on a mismatch: which table, how many rows, which checksums.
      expect(job.report).toMatchObject({ matched: true });
      const rebuilt = await db.query(`SELECT v::text AS row FROM projection_shadow.claim_view v UNION ALL SELECT d::text FROM projection_shadow.claim_documents d`);
      expect(rebuilt.rows.length).toBeGreaterThan(0);
      expect(rebuilt.rows.some((r) => named(r.row))).toBe(false);
      expect(rebuilt.rows.some((r) => r.row.includes('Yasmin Qudsiya'))).toBe(true);
    }, 90000);

    it('erases the victim’s sealed details and name in the same commit: the name as filed is ciphertext no key opens', async () => {
      const refused = await disclose(users.legal, `victim:${aliveId}`, { purpose: 'after the victim was found alive' });
      expect([refused.status, refused.body.code]).toEqual([409, 'PERSONAL_DATA.ERASED']);
      expect((await db.query(`SELECT wrapped FROM protection_keys WHERE subject = $1`, [`victim:${aliveId}`])).rows).toEqual([{ wrapped: null }]);
      const victimStream = `data-subject-${createHash('sha256').update(`victim:${aliveId}`).digest('hex').slice(0, 32)}`;
      const events = await db.query(
        `SELECT e.type, e.canonical::jsonb AS e, e.tx_id::text AS tx FROM ledger_events e
         WHERE (e.stream_id = $1 AND e.type = 'VictimFoundAlive') OR e.stream_id = $2 ORDER BY e.id`,
        [`claim-${aliveId}`, victimStream],
      );
      expect(events.rows.map((r) => [r.type, r.e.payload])).toEqual([
        ['VictimFoundAlive', { justification: 'Met in person by the field team on 2026-11-20', by: { id: 'u-lead-pd', role: 'lead-verifier' } }],
        ['PersonalDataErased', { subject: `victim:${aliveId}`, reason: 'the victim was found alive', by: { id: 'u-lead-pd', role: 'lead-verifier' } }],
      ]);
      expect(events.rows[0].tx).toBe(events.rows[1].tx);
      expect((await users.documenter.post(`/claims/${aliveId}/protected-details`, { note: 'more' })).body.code).toBe('CLAIM.RETRACTED');
      // ClaimFiled still holds the name as filed, hashed, but only as ciphertext under the destroyed key.
      const filed = await db.query(`SELECT canonical::jsonb -> 'payload' AS p FROM ledger_events WHERE stream_id = $1 AND version = 1`, [`claim-${aliveId}`]);
      expect(filed.rows[0].p.protected.victimName).toMatchObject({ alg: 'A256GCM', subject: `victim:${aliveId}` });
      expect(named(JSON.stringify(filed.rows[0].p))).toBe(false);
    });

    it('exports it without the name in its summary, and the bundle verifies', async () => {
      const response = await fetch(`${api.url}/exports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token('u-legal-pd', 'legal')}` },
        body: JSON.stringify({ scope: { type: 'claim', claimId: aliveId } }),
      });
      const bundle = await response.text();
      expect(await verifyBundle([bundle])).toMatchObject({ ok: true });
      const summary = bundle
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { kind: string; html?: string })
        .find((line) => line.kind === 'summary');
      expect(summary?.html).toContain('withheld: the person was found alive');
      expect(summary?.html).not.toContain('Qudsiyya');
      expect(summary?.html).not.toContain(ALIVE_NAME.arabic);
    });

    it('leaves the whole ledger verifiable', async () => {
      await everySequenced();
      const verify = await runCli(config, ['verify', '--json']);
      expect(verify.code).toBe(0);
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
    }, 60000);
  });

  it('erasing a victim directly takes their name out of the live read model and every reader, the ledger still verifying', async () => {
    const before = await users.auditor.get<{ victim: { name?: { latin?: string } } }>(`/claims/${claimId}`);
    expect(before.body.victim.name?.latin).toBe('Ahmad al-Hussein 2');
    const erased = await users.admin.post(`/data-subjects/${encodeURIComponent(victim())}/erasure`, { reason: 'the family asked for the name to be removed' });
    expect(erased.status).toBe(200);
    const gone = await eventually(async () => {
      const claim = await users.auditor.get<{ victim: Record<string, unknown> }>(`/claims/${claimId}`);
      return claim.body.victim.name === undefined ? claim.body : undefined;
    }, 'the read model to drop the erased name');
    expect(gone.victim).toMatchObject({ sex: 'male', ageGroup: 'child' });
    expect((await users.auditor.get<{ victim: Record<string, unknown> }>(`/claims/${claimId}?atVersion=1`)).body.victim).not.toHaveProperty('name');
    const rows = await db.query(`SELECT v::text AS row FROM claim_view v WHERE id = $1 UNION ALL SELECT d::text FROM claim_documents d WHERE id = $1`, [claimId]);
    expect(rows.rows.some((r) => r.row.includes('Hussein 2'))).toBe(false);
    const amended = await users.documenter.post(`/claims/${claimId}/amendments`, { changes: { victim: { ...claimBody(2).victim as object, name: { latin: 'A new name' } } }, reason: 'renamed' });
    expect([amended.status, amended.body.code]).toEqual([409, 'PERSONAL_DATA.ERASED']);
  }, 60000);
});
