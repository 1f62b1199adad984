import { createHmac } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { LedgerConfig } from '@ledger/config';
import { TokenVerifier } from '@ledger/http';
import { claimBody } from './fixtures/claims.js';
import { exited, freePort, spawnLedger } from './support/ledger-process.js';
import { eventually, freshTestLedger } from './support/test-ledger.js';

const WITNESS_NAME = 'Zubaida Qaraqosh-Nasrallah';
const WITNESS_CONTACT = '+963-955-314-159 zubaida.q@witness.example';
const STATEMENT = 'Qaraqosh told me the checkpoint officer was Munther Bsheer-Sensitive.';
const RELATIVE = { name: 'Nawal Bsheer-Relative', relation: 'sister', contact: '+963-977-141-421' };
const MEDICAL = 'Crush injuries recorded at Kafr Takharim-Clinic';

/**
 * Everything the built ledger writes, at LOG_LEVEL=debug, during a realistic session: a claim
 * with a named witness, a relative and a sensitive statement, the victim's medical details,
 * exports (redacted and not), disclosures, the victim found alive, refused tokens and bad input.
 * None of it may carry protected personal data, a token or a secret.
 */
describe('logs carry no secrets, tokens or personal data', () => {
  let config: LedgerConfig;
  let child: ChildProcess | undefined;
  let url: string;
  let logs = '';
  const tokens: string[] = [];

  const token = (sub: string, role: 'documenter' | 'legal' | 'auditor' | 'lead-verifier'): string => {
    const minted = new TokenVerifier(config).mint({ sub, roles: [role] }, 600);
    tokens.push(minted);
    return minted;
  };
  const call = (method: string, path: string, bearer: string, body?: unknown): Promise<Response> =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  beforeAll(async () => {
    config = await freshTestLedger('logs', { LOG_LEVEL: 'debug' });
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

  it('files, exports, discloses and refuses without logging what it must not', async () => {
    const documenter = token('u-doc-logs', 'documenter');
    const legal = token('u-legal-logs', 'legal');
    const auditor = token('u-audit-logs', 'auditor');
    const lead = token('u-lead-logs', 'lead-verifier');

    const filed = await call('POST', '/claims', documenter, claimBody(7));
    expect(filed.status).toBe(201);
    const claimId = ((await filed.json()) as { id: string }).id;
    const testimony = await call('POST', `/claims/${claimId}/testimony`, documenter, {
      witness: { pseudonym: 'W-logs', identity: { name: WITNESS_NAME, contact: WITNESS_CONTACT } },
      relation: 'eyewitness',
      statement: STATEMENT,
      statementSensitive: true,
      relatives: [RELATIVE],
      language: 'ar',
      consent: 'legal-proceedings',
    });
    expect(testimony.status).toBe(200);
    expect((await call('POST', `/claims/${claimId}/protected-details`, documenter, { medical: { injuries: MEDICAL } })).status).toBe(200);
    const claim = await eventually(async () => {
      const response = await call('GET', `/claims/${claimId}?minVersion=3`, auditor);
      return response.status === 200 ? ((await response.json()) as { testimony: Array<{ testimonyId: string; relativeSubjects: string[] }> }) : undefined;
    }, 'the claim with its testimony');
    const testimonyId = claim.testimony[0].testimonyId;

    const redacted = await call('POST', '/exports', legal, { scope: { type: 'claim', claimId } });
    expect(redacted.status).toBe(200);
    expect(await redacted.text()).not.toContain(WITNESS_NAME);
    const full = await call('POST', '/exports', legal, {
      scope: { type: 'claim', claimId },
      includeWitnessIdentities: true,
      justification: 'ICC request 2026-41',
    });
    expect(full.status).toBe(200);
    expect(await full.text()).toContain(WITNESS_NAME);

    const disclosed = await call('POST', `/claims/${claimId}/testimony/${testimonyId}/witness-identity/disclosures`, legal, {
      purpose: 'court order 2026/41',
    });
    expect(disclosed.status).toBe(200);
    expect(JSON.stringify(await disclosed.json())).toContain(WITNESS_CONTACT);
    for (const subject of [claim.testimony[0].relativeSubjects[0], 'witness:W-logs', `victim:${claimId}`]) {
      const read = await call('POST', `/data-subjects/${encodeURIComponent(subject)}/disclosures`, legal, { purpose: 'court order 2026/42', claimId });
      expect(read.status).toBe(200);
    }
    expect((await call('POST', `/claims/${claimId}/victim-alive`, lead, { justification: 'Seen alive by the field team' })).status).toBe(200);

    // Refused: tokens that are garbage, forged, or carry the witness's name as the subject.
    const forgedInput = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: WITNESS_NAME, roles: ['admin'], exp: 4102444800 })).toString('base64url')}`;
    const forged = `${forgedInput}.${createHmac('sha256', 'not-the-secret').update(forgedInput).digest('base64url')}`;
    tokens.push(forged);
    for (const bad of ['garbage.token.value', forged, `${documenter}x`]) {
      expect((await call('GET', '/claims', bad)).status).toBe(401);
    }
    // Refused: a body that carries the identity but is not valid, and one that is not I-JSON.
    expect((await call('POST', `/claims/${claimId}/testimony`, documenter, { witness: { pseudonym: 'W-logs', identity: { name: WITNESS_NAME, phone: WITNESS_CONTACT } } })).status).toBe(400);
    expect((await call('POST', `/claims/${claimId}/testimony`, documenter, `{"witness": {"identity": {"name": "${WITNESS_NAME}", "name": "${WITNESS_CONTACT}"}}}`)).status).toBe(400);
    expect((await fetch(`${url}/health`)).status).toBe(200);

    child?.kill('SIGTERM');
    await exited(child as ChildProcess);

    expect(logs).toMatch(/listening on port/);
    const secrets = {
      'the witness name': WITNESS_NAME,
      'the witness surname': 'Qaraqosh',
      'the witness contact': WITNESS_CONTACT,
      'the witness phone': '955-314-159',
      'the witness e-mail': 'zubaida.q@witness.example',
      'the sensitive statement': 'Munther Bsheer-Sensitive',
      'the relative name': RELATIVE.name,
      'the relative contact': RELATIVE.contact,
      'the medical details': 'Kafr Takharim-Clinic',
      'the name of the victim found alive': 'Ahmad al-Hussein 7',
      LEDGER_JWT_SECRET: config.LEDGER_JWT_SECRET as string,
      LEDGER_MASTER_KEY: config.LEDGER_MASTER_KEY as string,
      ...Object.fromEntries(tokens.flatMap((t, i) => [[`token ${i}`, t], [`token ${i} signature`, t.split('.')[2]]])),
    };
    const leaked = Object.entries(secrets)
      .filter(([, value]) => value && logs.includes(value))
      .map(([what]) => what);
    expect(leaked).toEqual([]);
  }, 120000);
});
