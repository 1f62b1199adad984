import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { LedgerConfig } from '@ledger/config';
import type { Role } from '@ledger/domain';
import { duplicatesCommand } from '../apps/ledger-cli/src/commands/duplicates.command.js';
import { LedgerUser } from './support/ledger-client.js';
import { startLedgerApi, type TestApp } from './support/test-app.js';
import { eventually, freshTestLedger } from './support/test-ledger.js';

interface Candidate {
  claimId: string;
  score: number;
  reasons: Array<{ feature: string; outcome: string; weight: number }>;
  summary: { status: string; name: { arabic?: string; latin?: string } | null; sex: string; age: number | null; death: { date?: string }; place: { locality?: string } };
}
interface Answer {
  claimId: string;
  status: string;
  minScore: number;
  candidates: Candidate[];
}

function victim(name: { arabic?: string; latin?: string }, age: number): Record<string, unknown> {
  return {
    victim: { name, sex: 'male', age, ageGroup: age < 18 ? 'child' : 'adult', civilianStatus: 'civilian' },
    death: { date: '2024-01-10', precision: 'day' },
    place: { governorate: 'Gaza', locality: 'Khan Younis', precision: 'locality' },
    cause: 'airstrike',
    perpetrator: 'not-identified',
  };
}

/** The CLI's report, as the command writes it to stdout. */
async function report(config: LedgerConfig, args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  const code = await duplicatesCommand(args, { DATABASE_URL: config.DATABASE_URL }, { stdout, stderr: { write: (text: string) => (err += text) } });
  expect(code).toBe(0);
  return { out, err };
}

/**
 * Possible duplicates end to end: claims filed over HTTP, projected through Kafka, scored by
 * GET /claims/{id}/possible-duplicates and by the CLI report, and a verifier's duplicate-of.
 */
describe('possible duplicates: GET /claims/{id}/possible-duplicates and `ledger duplicates`', () => {
  let config: LedgerConfig;
  let api: TestApp;
  let documenter: LedgerUser;
  let verifier: LedgerUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    config = await freshTestLedger('duplicates');
    api = await startLedgerApi(config);
    documenter = new LedgerUser(api, 'u-doc-dup', 'documenter');
    verifier = new LedgerUser(api, 'u-ver-dup', 'verifier');
    const file = async (key: string, body: Record<string, unknown>): Promise<void> => {
      const answer = await documenter.post('/claims', body);
      expect(answer.status).toBe(201);
      ids[key] = answer.body.id;
    };
    // Muhammad, son of Khaled, son of Hussein; the same man from another list in Latin letters only;
    // his father Khaled and his son named after that grandfather, killed in the same strike; and
    // a claim about him filed by mistake and retracted.
    await file('muhammad', victim({ arabic: 'محمد خالد حسين النجار', latin: 'Mohammed Khaled Hussein al-Najjar' }, 34));
    await file('sameMan', victim({ latin: 'Muhammad Khalid Husayn Al Najjar' }, 35));
    await file('father', victim({ arabic: 'خالد حسين محمد النجار', latin: 'Khaled Hussein Mohammed al-Najjar' }, 61));
    await file('son', victim({ arabic: 'خالد محمد خالد النجار', latin: 'Khaled Mohammed Khaled al-Najjar' }, 8));
    await file('retracted', victim({ arabic: 'محمد خالد حسين النجار' }, 34));
    expect((await documenter.post(`/claims/${ids.retracted}/retraction`, { reason: 'filed twice by mistake' })).status).toBe(200);
    // Claims are projected partition by partition: wait for each.
    for (const [key, id] of Object.entries(ids)) {
      await eventually(async () => {
        const { status, body } = await documenter.get<{ status: string }>(`/claims/${id}?minVersion=${key === 'retracted' ? 2 : 1}`);
        return status === 200 && (key !== 'retracted' || body.status === 'retracted') ? true : undefined;
      }, `claim ${key} to be projected`);
    }
  }, 60000);

  afterAll(async () => {
    await api?.close();
  });

  const candidatesOf = async (id: string, query = ''): Promise<Answer> => {
    const { status, body } = await verifier.get<Answer>(`/claims/${id}/possible-duplicates${query}`);
    expect(status).toBe(200);
    return body;
  };

  it('ranks the same man spelt in Latin first, with a high score, its reasons and his summary', async () => {
    const answer = await candidatesOf(ids.muhammad);
    expect(answer).toMatchObject({ claimId: ids.muhammad, status: 'submitted', minScore: 0.5 });
    expect(answer.candidates.map((c) => c.claimId)).toEqual([ids.sameMan]);
    const [best] = answer.candidates;
    expect(best.score).toBeGreaterThanOrEqual(0.95);
    expect(best.reasons).toEqual(
      expect.arrayContaining([
        { feature: 'names-compared', outcome: 'latin', weight: 0 },
        { feature: 'given-name', outcome: 'variant', weight: 2 },
        { feature: 'age', outcome: '1-year-apart', weight: 1 },
        { feature: 'death-date', outcome: 'same-day', weight: 1.5 },
        { feature: 'locality', outcome: 'same', weight: 0.7 },
      ]),
    );
    expect(best.summary).toEqual({
      status: 'submitted',
      name: { latin: 'Muhammad Khalid Husayn Al Najjar' },
      sex: 'male',
      age: 35,
      ageGroup: 'adult',
      death: { date: '2024-01-10', precision: 'day' },
      place: { governorate: 'Gaza', locality: 'Khan Younis', precision: 'locality' },
    });
  });

  it('keeps his son (named after his father) low, never shows his father as likely, nor the retracted claim', async () => {
    const all = await candidatesOf(ids.muhammad, '?minScore=0&limit=50');
    expect(all.candidates[0].claimId).toBe(ids.sameMan);
    const son = all.candidates.find((c) => c.claimId === ids.son);
    expect(son?.score).toBeLessThan(0.05);
    expect(son?.reasons).toContainEqual({ feature: 'generation', outcome: 'parent-and-child', weight: -3 });
    for (const c of all.candidates.slice(1)) expect(c.score).toBeLessThan(0.1);
    expect(all.candidates.map((c) => c.claimId)).not.toContain(ids.retracted);
    // The father and the son share a given and a family name: compared, but decades apart.
    const fromFather = await candidatesOf(ids.father, '?minScore=0');
    expect(fromFather.candidates.map((c) => c.claimId)).toContain(ids.son);
    expect(Math.max(...fromFather.candidates.map((c) => c.score))).toBeLessThan(0.1);
    expect((await candidatesOf(ids.retracted, '?minScore=0')).candidates).toEqual([]);
  });

  it('is readable by every role that reads claims, needs a token, and answers 404 and 400 as problems', async () => {
    for (const role of ['documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin'] as Role[]) {
      const { status } = await new LedgerUser(api, `u-${role}-dup`, role).get(`/claims/${ids.muhammad}/possible-duplicates`);
      expect([role, status]).toEqual([role, 200]);
    }
    expect((await fetch(`${api.url}/claims/${ids.muhammad}/possible-duplicates`)).status).toBe(401);
    const unknown = await fetch(`${api.url}/claims/${randomUUID()}/possible-duplicates`, { headers: { authorization: `Bearer ${api.token('u-ver-dup', 'verifier')}` } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await unknown.json()) as { code: string }).code).toBe('CLAIM.NOT_FOUND');
    const bad = await fetch(`${api.url}/claims/${ids.muhammad}/possible-duplicates?limit=0&minScore=2&sort=score`, {
      headers: { authorization: `Bearer ${api.token('u-ver-dup', 'verifier')}` },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await bad.json()) as { code: string; errors: Array<{ path: string }> };
    expect(problem.code).toBe('REQUEST.INVALID');
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['query:limit', 'query:minScore', 'query:sort']);
    expect((await verifier.get(`/claims/not-a-uuid/possible-duplicates`)).status).toBe(404);
  });

  it('reports the same pair, once, with the same score, from the CLI', async () => {
    const api = (await candidatesOf(ids.muhammad)).candidates[0];
    const { out, err } = await report(config, ['--min-score', '0.5', '--format', 'jsonl']);
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as { score: number; claimA: string; claimB: string; reasons: unknown[]; b: { name: unknown } });
    expect(lines.map((l) => [l.claimA, l.claimB])).toEqual([[ids.muhammad, ids.sameMan]]);
    expect(lines[0].score).toBe(api.score);
    expect(lines[0].reasons).toEqual(api.reasons);
    expect(lines[0].b.name).toEqual({ latin: 'Muhammad Khalid Husayn Al Najjar' });
    expect(err).toMatch(/^duplicates: 5 claims read in [\d.]+ s; \d+ pairs compared, 1 with a score of at least 0.5/);

    const dir = mkdtempSync(join(tmpdir(), 'ledger-duplicates-'));
    try {
      const file = join(dir, 'pairs.csv');
      await report(config, ['--out', file, '--min-score', '0']);
      const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
      expect(header.split(',').slice(0, 5)).toEqual(['score', 'claim_a', 'claim_b', 'reasons', 'a_status']);
      expect(rows[0]).toMatch(new RegExp(`^${api.score},${ids.muhammad},${ids.sameMan},names-compared:latin\\(0\\) given-name:variant\\(\\+2\\) `));
      expect(rows.length).toBeGreaterThan(1);
      expect(rows.join('\n')).not.toContain(ids.retracted);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no longer shows a pair once a verifier confirms it with duplicate-of', async () => {
    const marked = await verifier.post(`/claims/${ids.sameMan}/duplicate-of`, { claimId: ids.muhammad, rationale: 'the same man in the second list: name, age, date and place agree' });
    expect(marked.status).toBe(200);
    await eventually(async () => {
      const { body } = await verifier.get<{ status: string }>(`/claims/${ids.sameMan}?minVersion=${marked.body.version}`);
      return body.status === 'duplicate' ? true : undefined;
    }, 'the duplicate to be projected');
    const after = await candidatesOf(ids.muhammad, '?minScore=0');
    expect(after.candidates.map((c) => c.claimId)).not.toContain(ids.sameMan);
    expect(after.candidates.length).toBeGreaterThan(0);
    expect(await candidatesOf(ids.sameMan, '?minScore=0')).toEqual({ claimId: ids.sameMan, status: 'duplicate', minScore: 0, candidates: [] });
    const { out } = await report(config, ['--min-score', '0', '--format', 'jsonl']);
    expect(out).not.toContain(ids.sameMan);
  });
});
