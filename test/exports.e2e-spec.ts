import { createHash } from 'node:crypto';
import { verifyBundle, type BundleVerdict } from '@ledger/bundle';
import type { LedgerConfig } from '@ledger/config';
import { generateCheckpointKey, openNote, signCheckpoint, verifierKey } from '@ledger/proof';
import type pg from 'pg';
import { claimBody } from './fixtures/claims.js';
import { LedgerUser } from './support/ledger-client.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { eventually, freshTestLedger, superuser } from './support/test-ledger.js';

const WITNESS = 'Samira Witness-Name';

interface Line {
  kind: string;
  [member: string]: unknown;
}

/**
 * Evidence bundles from the running ledger: exported over HTTP, recorded in the ledger, checked
 * by the offline verifier, and refused by it after each kind of tampering.
 */
describe('evidence bundles through the HTTP API', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let db: pg.Client;
  let legal: LedgerUser;
  let incidentId: string;
  const claimIds: string[] = [];

  const exportBundle = async (body: unknown, as: LedgerUser = legal, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> => {
    const response = await fetch(`${api.url}/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token(as.id, 'legal')}`, ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  };
  const lines = (text: string): Line[] => text.trimEnd().split('\n').map((line) => JSON.parse(line) as Line);
  const text = (all: Line[]): string => all.map((line) => `${JSON.stringify(line)}\n`).join('');
  /** Re-seals the `end` line so a tampering is caught by the check it targets, not by the digest. */
  const resealed = (all: Line[]): string => {
    const body = text(all.filter((line) => line.kind !== 'end'));
    const sha256 = createHash('sha256').update(body).digest('hex');
    return `${body}${JSON.stringify({ kind: 'end', lines: all.length - 1, sha256 })}\n`;
  };
  const verify = (bundle: string, trustedKey?: string): Promise<BundleVerdict> => verifyBundle([bundle], trustedKey ? { trustedKey } : {});
  const failedCheck = async (bundle: string, trustedKey?: string): Promise<string> => {
    const verdict = await verify(bundle, trustedKey);
    if (verdict.ok) throw new Error('the tampered bundle verified');
    return verdict.failure.check;
  };

  beforeAll(async () => {
    config = await freshTestLedger('exports');
    api = await startLedgerApi(config);
    db = await superuser(config);
    const documenter = new LedgerUser(api, 'u-doc-x', 'documenter');
    const verifiers = ['u-ver-x1', 'u-ver-x2'].map((id) => new LedgerUser(api, id, 'verifier'));
    const lead = new LedgerUser(api, 'u-lead-x', 'lead-verifier');
    legal = new LedgerUser(api, 'u-legal-x', 'legal');
    incidentId = (
      await documenter.post('/incidents', {
        code: 'IDL-2018-07-16-ZARDANA',
        date: '2018-07-16',
        precision: 'day',
        place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
        attackType: 'double-tap-airstrike',
        narrative: 'Two strikes.',
      })
    ).body.id;
    for (let i = 0; i < 4; i++) {
      const id = (await documenter.post('/claims', { ...claimBody(i), incidentId })).body.id;
      claimIds.push(id);
      const source = { type: 'video', publisher: 'Civil Defence', contentSha256: createHash('sha256').update(`video ${i}`).digest('hex'), connection: 'witness', reliability: 'high' };
      expect((await documenter.post(`/claims/${id}/sources`, source)).status).toBe(200);
      for (const verifier of verifiers) expect((await verifier.post(`/claims/${id}/verifications`, { verdict: 'approve', rationale: 'matches the video' })).status).toBe(200);
    }
    const testimony = { witness: { pseudonym: 'W-9', identity: { name: WITNESS } }, relation: 'family', statement: 'My brother was among the rescuers.', language: 'ar', consent: 'legal-proceedings' };
    expect((await documenter.post(`/claims/${claimIds[0]}/testimony`, testimony)).status).toBe(200);
    const disputed = await new LedgerUser(api, 'u-ver-x3', 'verifier').post(`/claims/${claimIds[1]}/verifications`, { verdict: 'dispute', rationale: 'the age differs' });
    expect((await lead.post(`/claims/${claimIds[1]}/disputes/${disputed.body.disputeId}/resolution`, { outcome: 'dismiss-dispute', rationale: 'a typo' })).status).toBe(200);
  }, 60000);

  afterAll(async () => {
    await db?.end();
    await api?.close();
  });

  it('exports an incident as a bundle the offline verifier accepts, recorded in the ledger with its digest', async () => {
    const { status, text: bundle, headers } = await exportBundle({ scope: { type: 'incident', incidentId } });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const verdict = await verify(bundle);
    expect(verdict).toMatchObject({ ok: true, exportId: headers.get('x-export-id'), claims: 4 });
    const all = lines(bundle);
    expect(all.map((l) => l.kind).filter((k, i, a) => a.indexOf(k) === i)).toEqual(['bundle', 'checkpoint', 'event', 'source', 'disclosure', 'prov', 'summary', 'end']);
    expect(all.filter((l) => l.kind === 'summary')).toHaveLength(4);
    // Redacted or not, each victim's name is a disclosure line the verifier checks (their only lines here).
    const names = all.filter((l) => l.kind === 'disclosure');
    expect(names).toHaveLength(4);
    expect(names.every((l) => String(l.subject).startsWith('victim:'))).toBe(true);
    expect(verdict).toMatchObject({ disclosures: 4 });
    expect(all.filter((l) => l.kind === 'source')).toHaveLength(4);
    // Redacted by default: the sealed identity is there, its plaintext is not.
    expect(bundle).not.toContain(WITNESS);
    expect(bundle).toContain('"alg":"A256GCM"');

    const exportId = headers.get('x-export-id');
    const recorded = await eventually(async () => {
      const { rows } = await db.query(`SELECT type, canonical::jsonb AS e FROM ledger_events WHERE stream_id = $1 ORDER BY version`, [`export-${exportId}`]);
      return rows.length === 2 ? rows : undefined;
    }, 'the export to be completed in the ledger');
    expect(recorded[0].e).toMatchObject({ type: 'EvidenceExported', actor: { id: 'u-legal-x', role: 'legal' }, payload: { exportId, redacted: true, scope: { type: 'incident', incidentId } } });
    expect(recorded[0].e.payload.streams).toHaveLength(5);
    const end = all[all.length - 1];
    expect(recorded[1].e.payload).toEqual({ exportId, bundleSha256: end.sha256, lines: end.lines });
    expect(createHash('sha256').update(bundle.slice(0, bundle.lastIndexOf('{"kind":"end"'))).digest('hex')).toBe(end.sha256);
  });

  it('refuses each tampering and names the check that caught it', async () => {
    const { text: bundle } = await exportBundle({ scope: { type: 'claims', claimIds: claimIds.slice(0, 2) } });
    expect((await verify(bundle)).ok).toBe(true);
    const all = lines(bundle);
    const eventAt = (streamIndex: number, version: number): number =>
      all.findIndex((l) => l.kind === 'event' && (l.envelope as { streamId: string; version: number }).streamId === `claim-${claimIds[streamIndex]}` && (l.envelope as { version: number }).version === version);

    const edited = structuredClone(all);
    (edited[eventAt(0, 1)].envelope as { payload: { cause: string } }).payload.cause = 'shelling';
    expect(await failedCheck(resealed(edited))).toBe('event-hash');

    const dropped = all.filter((_, i) => i !== eventAt(0, 2));
    expect(['chain', 'version']).toContain(await failedCheck(resealed(dropped)));
    const last = Math.max(...all.map((l, i) => (l.kind === 'event' && (l.envelope as { streamId: string }).streamId === `claim-${claimIds[0]}` ? i : -1)));
    expect(await failedCheck(resealed(all.filter((_, i) => i !== last)))).toBe('manifest');

    const swapped = [...all];
    [swapped[eventAt(0, 2)], swapped[eventAt(0, 3)]] = [swapped[eventAt(0, 3)], swapped[eventAt(0, 2)]];
    expect(['chain', 'version']).toContain(await failedCheck(resealed(swapped)));

    // A proof from another tree: the same event's proof in a later, bigger export.
    const { text: later } = await exportBundle({ scope: { type: 'claims', claimIds: claimIds.slice(0, 2) } });
    const laterLines = lines(later);
    const foreign = structuredClone(all);
    const target = eventAt(1, 1);
    const sameEvent = laterLines.find((l) => l.kind === 'event' && (l.envelope as { eventId: string }).eventId === (all[target].envelope as { eventId: string }).eventId) as Line;
    expect(sameEvent.inclusionProof).not.toEqual(all[target].inclusionProof);
    foreign[target] = { ...foreign[target], inclusionProof: sameEvent.inclusionProof };
    expect(await failedCheck(resealed(foreign))).toBe('inclusion');

    // A checkpoint re-signed by another key (same origin, size and root) fails the signature; with that key put in the header too, pinning the real key catches it.
    const checkpointLine = all.findIndex((l) => l.kind === 'checkpoint');
    const realKey = all[0].verifierKey as string;
    const [originLine, sizeLine, rootLine] = openNote(all[checkpointLine].note as string, realKey).split('\n');
    const other = generateCheckpointKey();
    const forged = structuredClone(all);
    forged[checkpointLine] = { kind: 'checkpoint', note: signCheckpoint(originLine, Number(sizeLine), Buffer.from(rootLine, 'base64'), other.privateKey) };
    expect(await failedCheck(resealed(forged))).toBe('checkpoint-signature');
    forged[0] = { ...forged[0], verifierKey: verifierKey(originLine, other.publicKey) };
    expect(await failedCheck(resealed(forged), realKey)).toBe('trusted-key');

    expect(await failedCheck(bundle.slice(0, Math.floor(bundle.length / 2)))).toBe('truncated');
    expect(await failedCheck(text(all.slice(0, -1)))).toBe('truncated');
  });

  it('includes witness identities only on an explicit, justified request, and they verify against the ciphertext', async () => {
    expect((await exportBundle({ scope: { type: 'claim', claimId: claimIds[0] }, includeWitnessIdentities: true })).status).toBe(400);
    const { status, text: bundle, headers } = await exportBundle({ scope: { type: 'claim', claimId: claimIds[0] }, includeWitnessIdentities: true, justification: 'ICC request 2026-17' });
    expect(status).toBe(200);
    expect(await verify(bundle)).toMatchObject({ ok: true });
    const disclosure = lines(bundle).find((l) => l.kind === 'disclosure');
    expect(disclosure).toMatchObject({ subject: 'witness:W-9', plaintext: { name: WITNESS } });
    const { rows } = await db.query(`SELECT canonical::jsonb -> 'payload' AS p FROM ledger_events WHERE stream_id = $1 AND version = 1`, [`export-${headers.get('x-export-id')}`]);
    expect(rows[0].p).toMatchObject({ redacted: false, justification: 'ICC request 2026-17' });

    const lied = lines(bundle).map((l) => (l.kind === 'disclosure' ? { ...l, plaintext: { name: 'Someone Else' } } : l));
    expect(await failedCheck(resealed(lied))).toBe('disclosure');
  });

  it('delivers the same export again on a retried request, and records each delivery', async () => {
    const key = '6f1c2b9e-7d4a-4c1e-9b2f-3a5d8e7c1f20';
    const first = await exportBundle({ scope: { type: 'claim', claimId: claimIds[2] } }, legal, { 'idempotency-key': key });
    const again = await exportBundle({ scope: { type: 'claim', claimId: claimIds[2] } }, legal, { 'idempotency-key': key });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.headers.get('x-export-id')).toBe(key);
    expect(first.headers.get('x-export-id')).toBe(key);
    expect(await verify(again.text)).toMatchObject({ ok: true, exportId: key });
    const { rows } = await db.query(`SELECT type FROM ledger_events WHERE stream_id = $1 ORDER BY version`, [`export-${key}`]);
    expect(rows.map((r) => r.type)).toEqual(['EvidenceExported', 'ExportCompleted', 'ExportCompleted']);
    const other = await exportBundle({ scope: { type: 'claim', claimId: claimIds[3] } }, legal, { 'idempotency-key': key });
    expect(other.status).toBe(422);
  });

  it('proves the ledger only grew since a checkpoint the recipient names, exports a query, and guards the route', async () => {
    const earlier = Number((await db.query(`SELECT min(size) AS size FROM ledger_checkpoints WHERE size > 0`)).rows[0].size);
    const { status, text: bundle } = await exportBundle({ scope: { type: 'query', filters: { status: 'verified', perpetrator: 'russian-forces' } }, consistencyFrom: [earlier] });
    expect(status).toBe(200);
    expect(await verify(bundle)).toMatchObject({ ok: true });
    const consistency = lines(bundle).find((l) => l.kind === 'consistency');
    expect(consistency).toMatchObject({ fromSize: earlier, note: expect.stringContaining(config.LEDGER_ORIGIN) });

    const documenter = await fetch(`${api.url}/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.token('u-doc-x', 'documenter')}` },
      body: JSON.stringify({ scope: { type: 'claim', claimId: claimIds[0] } }),
    });
    expect(documenter.status).toBe(403);
    const bad = await exportBundle({ scope: { type: 'claim', claimId: claimIds[0], incidentId } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).errors[0].path).toBe('/scope/incidentId');
    expect((await exportBundle({ scope: { type: 'claim', claimId: '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);
    expect((await exportBundle({ scope: { type: 'query', filters: { colour: 'red' } } })).status).toBe(400);
  });
});
