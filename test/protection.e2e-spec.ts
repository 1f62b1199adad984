import { randomBytes } from 'node:crypto';
import type { LedgerConfig } from '@ledger/config';
import { loadConfig } from '@ledger/config';
import type pg from 'pg';
import { claimBody } from './fixtures/claims.js';
import { LedgerUser } from './support/ledger-client.js';
import { runCli } from './support/ledger-process.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { eventually, freshTestLedger, superuser } from './support/test-ledger.js';

const NAME = 'Hanan Witness-Name';
const CONTACT = '+963-944-000-117';

/**
 * Witness identities through the real app: sealed per witness in the ledger, disclosed only to a
 * role with the right and only as a recorded event, erased by destroying the witness's key (after
 * which every proof still verifies), and kept readable across a master key rotation.
 */
describe('protection of witness identities', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;
  let documenter: LedgerUser;
  let legal: LedgerUser;
  let admin: LedgerUser;
  let claimId: string;
  let testimonyId: string;

  const testimony = (pseudonym: string, identity?: Record<string, string>) => ({
    witness: { pseudonym, ...(identity ? { identity } : {}) },
    relation: 'eyewitness',
    statement: 'I saw the second strike hit the rescuers.',
    language: 'ar',
    consent: 'legal-proceedings',
  });
  const disclose = (as: LedgerUser, purpose = 'court order 2026/117') =>
    as.post(`/claims/${claimId}/testimony/${testimonyId}/witness-identity/disclosures`, { purpose }) as Promise<{
      status: number;
      body: { code?: string; witnessIdentity?: unknown; eventIds: string[]; subject?: string };
    }>;

  beforeAll(async () => {
    config = await freshTestLedger('protection');
    api = await startLedgerApi(config);
    db = await superuser(config);
    documenter = new LedgerUser(api, 'u-doc-p', 'documenter');
    legal = new LedgerUser(api, 'u-legal-p', 'legal');
    admin = new LedgerUser(api, 'u-admin-p', 'admin');
    claimId = (await documenter.post('/claims', claimBody(1))).body.id;
    const recorded = await documenter.post(`/claims/${claimId}/testimony`, testimony('W-117', { name: NAME, contact: CONTACT }));
    expect(recorded.status).toBe(200);
    const stored = await db.query(`SELECT canonical, canonical::jsonb -> 'payload' AS payload FROM ledger_events WHERE stream_id = $1 AND type = 'TestimonyRecorded'`, [`claim-${claimId}`]);
    testimonyId = stored.rows[0].payload.testimonyId;
  }, 60000);

  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  it('stores the identity sealed under the witness key: no plaintext in the ledger or the read model', async () => {
    const { rows } = await db.query(`SELECT canonical, canonical::jsonb -> 'payload' AS payload, canonical::jsonb ->> 'schemaVersion' AS v FROM ledger_events WHERE type = 'TestimonyRecorded'`);
    expect(rows[0].v).toBe('4');
    expect(rows[0].payload.protected.witnessIdentity).toEqual({
      alg: 'A256GCM',
      subject: 'witness:W-117',
      iv: expect.any(String),
      ciphertext: expect.any(String),
      tag: expect.any(String),
    });
    expect(rows[0].canonical).not.toContain(NAME);
    expect(rows[0].canonical).not.toContain(CONTACT);
    const { body } = await documenter.get<Record<string, unknown>>(`/claims/${claimId}?minVersion=2`);
    expect(JSON.stringify(body)).not.toContain('ciphertext');
    expect(JSON.stringify(body)).not.toContain(NAME);
    // The witness's key, and the victim's (their name is sealed at filing).
    const keys = await db.query(`SELECT subject, wrapped IS NOT NULL AS held FROM protection_keys ORDER BY subject`);
    expect(keys.rows).toEqual([
      { subject: `victim:${claimId}`, held: true },
      { subject: 'witness:W-117', held: true },
    ]);
  });

  it('discloses it only to a role with the right, with a purpose, and records every disclosure', async () => {
    expect((await disclose(documenter)).status).toBe(403);
    expect((await disclose(new LedgerUser(api, 'u-ver-p', 'verifier'))).status).toBe(403);
    const noPurpose = await legal.post(`/claims/${claimId}/testimony/${testimonyId}/witness-identity/disclosures`, {});
    expect(noPurpose.status).toBe(400);
    const disclosed = await disclose(legal);
    expect(disclosed.status).toBe(200);
    expect(disclosed.body.witnessIdentity).toEqual({ name: NAME, contact: CONTACT });
    const events = await db.query(`SELECT canonical::jsonb AS e FROM ledger_events WHERE type = 'ProtectedDataDisclosed'`);
    expect(events.rows.map((r) => r.e.payload)).toEqual([
      {
        subject: 'witness:W-117',
        claimId,
        items: [`testimony/${testimonyId}/witness-identity`],
        purpose: 'court order 2026/117',
        disclosedTo: { id: 'u-legal-p', role: 'legal' },
      },
    ]);
    expect(events.rows[0].e.streamId).toMatch(/^data-subject-[0-9a-f]{32}$/);
    expect((await legal.post(`/claims/${claimId}/testimony/00000000-0000-4000-8000-000000000000/witness-identity/disclosures`, { purpose: 'x' })).status).toBe(404);
  });

  it('keeps identities readable across a master key rotation, without rewriting the ledger', async () => {
    const before = (await db.query(`SELECT count(*)::int AS n, max(id) AS last FROM ledger_events`)).rows[0];
    const previous = config.LEDGER_MASTER_KEY as string;
    const next = randomBytes(32).toString('base64');
    const rotated = { ...config, LEDGER_MASTER_KEY: next, LEDGER_MASTER_KEY_PREVIOUS: previous } as unknown as LedgerConfig;
    const run = await runCli(rotated, ['rotate-master-key']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/rewrapped 2 data key/); // the witness's and the victim's
    expect(run.code).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n, max(id) AS last FROM ledger_events`)).rows[0]).toEqual(before);

    // An API holding only the new master key opens the witness's key.
    await api.close();
    const environment = Object.entries(config).filter(([key, value]) => /^[A-Z_]+$/.test(key) && value !== undefined);
    config = loadConfig({ ...Object.fromEntries(environment.map(([key, value]) => [key, String(value)])), LEDGER_MASTER_KEY: next });
    api = await startLedgerApi(config);
    legal = new LedgerUser(api, 'u-legal-p', 'legal');
    admin = new LedgerUser(api, 'u-admin-p', 'admin');
    documenter = new LedgerUser(api, 'u-doc-p', 'documenter');
    expect((await disclose(legal, 'second reading after rotation')).body.witnessIdentity).toEqual({ name: NAME, contact: CONTACT });
  }, 60000);

  it('erases by destroying the witness key: nothing is readable again, and the whole ledger still verifies', async () => {
    expect((await legal.post('/data-subjects/witness:W-117/erasure', { reason: 'x' })).status).toBe(403);
    const erased = await admin.post(`/data-subjects/${encodeURIComponent('witness:W-117')}/erasure`, { reason: 'the witness asked to be forgotten' });
    expect(erased.status).toBe(200);
    expect((await db.query(`SELECT wrapped, erased_at IS NOT NULL AS erased FROM protection_keys WHERE subject = 'witness:W-117'`)).rows).toEqual([{ wrapped: null, erased: true }]);
    const refused = await disclose(legal);
    expect([refused.status, refused.body.code]).toEqual([409, 'PERSONAL_DATA.ERASED']);
    expect((await admin.post(`/data-subjects/${encodeURIComponent('witness:W-117')}/erasure`, { reason: 'again' })).body.code).toBe('PERSONAL_DATA.ERASED');
    // The erased witness's identity cannot be recorded again; testimony without it still can.
    const again = await documenter.post(`/claims/${claimId}/testimony`, testimony('W-117', { name: NAME }));
    expect([again.status, again.body.code]).toEqual([409, 'PERSONAL_DATA.ERASED']);
    expect((await documenter.post(`/claims/${claimId}/testimony`, testimony('W-117'))).status).toBe(200);

    const sequenced = async () => Number((await db.query(`SELECT (SELECT count(*) FROM ledger_events) - (SELECT count(*) FROM ledger_log) AS n`)).rows[0].n);
    await eventually(async () => ((await sequenced()) === 0 ? true : undefined), 'every event to be sequenced');
    const verify = await runCli(config, ['verify', '--json']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
    const { rows } = await db.query(`SELECT canonical FROM ledger_events`);
    expect(rows.some((r) => r.canonical.includes(NAME) || r.canonical.includes(CONTACT))).toBe(false);
  }, 60000);
});
