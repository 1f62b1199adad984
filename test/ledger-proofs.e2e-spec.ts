import type { LedgerConfig } from '@ledger/config';
import {
  checkEnvelope,
  eventLeafHash,
  fromHex,
  openCheckpoint,
  parseVerifierKey,
  toHex,
  verifyConsistency,
  verifyInclusion,
  type Checkpoint,
  type VerifierKey,
} from '@ledger/proof';
import { claimBody } from './fixtures/claims.js';
import { eventually, freshTestLedger } from './support/test-ledger.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';

interface Envelope {
  seq: number;
  streamId: string;
  version: number;
  prevHash: string | null;
  hash: string;
}

describe('ledger endpoints: events, checkpoints and RFC 9162 proofs a third party can check', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let key: VerifierKey;
  let auditor: string;
  const claimIds: string[] = [];

  const get = (path: string, token?: string): Promise<Response> =>
    fetch(`${api.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  const fileClaims = async (count: number): Promise<void> => {
    const documenter = api.token('u-doc-proofs', 'documenter');
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${api.url}/claims`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${documenter}` },
        body: JSON.stringify(claimBody(claimIds.length)),
      });
      expect(response.status).toBe(201);
      claimIds.push(((await response.json()) as { id: string }).id);
    }
  };

  /** Waits for a signed checkpoint covering at least `size` events. */
  const checkpointCovering = (size: number): Promise<{ note: string; checkpoint: Checkpoint }> =>
    eventually(async () => {
      const response = await get('/ledger/checkpoint');
      if (response.status !== 200) return undefined;
      const note = await response.text();
      const checkpoint = openCheckpoint(note, key);
      return checkpoint.size >= size ? { note, checkpoint } : undefined;
    }, `a checkpoint of at least ${size} events`, 20000);

  beforeAll(async () => {
    config = await freshTestLedger('ledger_proofs');
    api = await startLedgerApi(config, { withProjector: false });
    auditor = api.token('u-aud-1', 'auditor');
    const keyResponse = await get('/ledger/key');
    expect(keyResponse.headers.get('content-type')).toMatch(/^text\/plain/);
    key = parseVerifierKey((await keyResponse.text()).trim());
  }, 60000);

  afterAll(async () => {
    await api?.close();
  });

  it('publishes its verifier key as <origin>+<key id>+<base64 key>', () => {
    expect(key.name).toBe(config.LEDGER_ORIGIN);
    expect(key.keyId).toHaveLength(4);
  });

  it('proves every event is in the signed tree, and that the tree only grew', async () => {
    await fileClaims(10);
    const first = await checkpointCovering(10);
    expect(first.note.split('\n').slice(0, 3)).toEqual([config.LEDGER_ORIGIN, String(first.checkpoint.size), expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/)]);
    await fileClaims(15);
    const second = await checkpointCovering(25);

    // The checkpoints are kept: each size answers with the note issued at it.
    const earlier = await get(`/ledger/checkpoints/${first.checkpoint.size}`);
    expect(earlier.status).toBe(200);
    expect(await earlier.text()).toBe(first.note);
    expect((await get(`/ledger/checkpoints/${second.checkpoint.size + 1000}`)).status).toBe(404);

    // Page through the whole log: contiguous seqs, every envelope hashes to its hash.
    const envelopes: Envelope[] = [];
    let after = 0;
    for (;;) {
      const response = await get(`/ledger/events?after=${after}&limit=7`, auditor);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { events: Envelope[]; next: number | null };
      envelopes.push(...page.events);
      if (page.next === null) break;
      expect(page.next).toBe(page.events[page.events.length - 1].seq);
      after = page.next;
    }
    expect(envelopes.map((e) => e.seq)).toEqual(Array.from({ length: envelopes.length }, (_, i) => i + 1));
    expect(envelopes.length).toBeGreaterThanOrEqual(second.checkpoint.size);
    for (const envelope of envelopes) expect(checkEnvelope(envelope)).toBeNull();

    // Inclusion of every event in the second checkpoint's tree (RFC 9162 §2.1.3.2).
    for (const envelope of envelopes.filter((e) => e.seq <= second.checkpoint.size)) {
      const response = await get(`/ledger/proofs/inclusion?seq=${envelope.seq}&size=${second.checkpoint.size}`, auditor);
      expect(response.status).toBe(200);
      const proof = (await response.json()) as { leafIndex: number; treeSize: number; leafHash: string; proof: string[] };
      expect(proof.leafIndex).toBe(envelope.seq - 1);
      expect(proof.treeSize).toBe(second.checkpoint.size);
      expect(proof.leafHash).toBe(toHex(eventLeafHash(envelope.hash)));
      const ok = verifyInclusion(proof.leafIndex, proof.treeSize, fromHex(proof.leafHash) as Uint8Array, proof.proof.map((h) => fromHex(h) as Uint8Array), second.checkpoint.root);
      expect(ok).toBe(true);
    }

    // Consistency between the two signed checkpoints (RFC 9162 §2.1.4.2), public.
    const response = await get(`/ledger/proofs/consistency?from=${first.checkpoint.size}&to=${second.checkpoint.size}`);
    expect(response.status).toBe(200);
    const consistency = (await response.json()) as { fromSize: number; toSize: number; proof: string[] };
    expect(consistency).toMatchObject({ fromSize: first.checkpoint.size, toSize: second.checkpoint.size });
    const consistent = verifyConsistency(
      first.checkpoint.size,
      second.checkpoint.size,
      consistency.proof.map((h) => fromHex(h) as Uint8Array),
      first.checkpoint.root,
      second.checkpoint.root,
    );
    expect(consistent).toBe(true);
  }, 60000);

  it('serves a claim history in version order, exactly as hashed', async () => {
    const response = await get(`/claims/${claimIds[0]}/history`, auditor);
    expect(response.status).toBe(200);
    const { events } = (await response.json()) as { events: Envelope[] };
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ streamId: `claim-${claimIds[0]}`, version: 1, prevHash: null });
    expect(checkEnvelope(events[0])).toBeNull();
    expect((await get(`/claims/${claimIds[0]}/history`, api.token('u-doc-1', 'documenter'))).status).toBe(403);
    expect((await get('/claims/00000000-0000-4000-8000-000000000000/history', auditor)).status).toBe(404);
  });

  it('guards the event feed and refuses impossible proofs with 400', async () => {
    expect((await get('/ledger/events')).status).toBe(401);
    expect((await get('/ledger/events', api.token('u-doc-1', 'documenter'))).status).toBe(403);
    expect((await get('/ledger/events?limit=1001', auditor)).status).toBe(400);
    expect((await get('/ledger/proofs/inclusion?seq=1&size=1')).status).toBe(401);
    const tooBig = await get('/ledger/proofs/inclusion?seq=5&size=4', auditor);
    expect(tooBig.status).toBe(400);
    expect((await get('/ledger/proofs/consistency?from=0&to=3')).status).toBe(400);
    expect((await get('/ledger/proofs/consistency?from=1&to=999999')).status).toBe(400);
  });
});
