import { randomBytes } from 'node:crypto';
import type { LedgerConfig } from '@ledger/config';
import type { DataSource } from 'typeorm';
import { DataKeyVault, type Queryable } from './data-key-vault.js';
import { openVictimNames, sealedVictimNameOf, sealVictimNames } from './victim-names.js';

/** protection_keys in memory: the statements the vault runs for names, nothing else. */
class KeyTable implements Queryable {
  readonly rows = new Map<string, { wrapped: string | null; wrap_key_id: string | null }>();
  statements = 0;

  async query(sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
    this.statements += 1;
    if (sql.includes('INSERT INTO protection_keys') && sql.includes('unnest')) {
      const [subjects, wrapped, keyId] = params as [string[], string[], string];
      const inserted = subjects.filter((subject) => !this.rows.has(subject));
      subjects.forEach((subject, i) => {
        if (!this.rows.has(subject)) this.rows.set(subject, { wrapped: wrapped[i], wrap_key_id: keyId });
      });
      return inserted.map((subject) => ({ subject }));
    }
    if (sql.startsWith('WITH created AS (') && sql.includes('INSERT INTO protection_keys')) {
      // The key row that was there, or the one this statement created.
      const [subject, wrapped, keyId] = params as [string, string, string];
      if (!this.rows.has(subject)) this.rows.set(subject, { wrapped, wrap_key_id: keyId });
      return [{ ...this.rows.get(subject) }];
    }
    if (sql.includes('WHERE subject = $1')) {
      const row = this.rows.get(params[0] as string);
      return row ? [row] : [];
    }
    if (sql.includes('WHERE subject = ANY')) {
      const [subjects] = params as [string[]];
      return subjects.filter((s) => this.rows.has(s)).map((subject) => ({ subject, ...this.rows.get(subject) }));
    }
    throw new Error(`unexpected statement ${sql}`);
  }
}

const CLAIM_A = '11111111-1111-4111-8111-111111111111';
const CLAIM_B = '22222222-2222-4222-8222-222222222222';
const NAME_A = { latin: 'Victim A', arabic: 'ضحية' };
const NAME_B = { latin: 'Victim B' };

describe('victims’ names sealed under victim:<claimId> and opened for readers', () => {
  let table: KeyTable;
  let vault: DataKeyVault;

  beforeEach(() => {
    table = new KeyTable();
    vault = new DataKeyVault(table as unknown as DataSource, { LEDGER_MASTER_KEY: randomBytes(32).toString('base64') } as LedgerConfig);
  });

  const filed = (claimId: string, sealed: unknown) => ({
    type: 'ClaimFiled',
    schemaVersion: 2,
    payload: { claimId, victim: { sex: 'female', ageGroup: 'adult', civilianStatus: 'civilian' }, protected: { victimName: sealed } },
  });

  it('seals a batch with one key statement, each name ciphertext only, and opens them with one read', async () => {
    const sealed = await sealVictimNames(vault, [{ claimId: CLAIM_A, name: NAME_A }, { claimId: CLAIM_B, name: NAME_B }], table);
    expect(table.statements).toBe(1);
    expect(JSON.stringify([...sealed.values()])).not.toMatch(/Victim|ضحية/);
    expect(sealed.get(CLAIM_A)?.subject).toBe(`victim:${CLAIM_A}`);
    const events = [filed(CLAIM_A, sealed.get(CLAIM_A)), filed(CLAIM_B, sealed.get(CLAIM_B))];
    const opened = await openVictimNames(vault, events, table);
    expect(table.statements).toBe(2);
    expect(opened.map((e) => (e.payload as { victim: { name?: unknown } }).victim.name)).toEqual([NAME_A, NAME_B]);
    // The events themselves are not changed: readers get copies.
    expect((events[0].payload as { victim: { name?: unknown } }).victim.name).toBeUndefined();
  });

  it('opens an amendment’s new name into changes.victim, bound to its amendmentId', async () => {
    const subject = `victim:${CLAIM_A}`;
    const sealed = await vault.sealUnderValueKey(subject, NAME_B, `evidence-ledger/victim-name\n${subject}\nam-1`, table);
    const amended = { type: 'ClaimAmended', schemaVersion: 2, payload: { amendmentId: 'am-1', changes: { victim: { sex: 'female' } }, previous: {}, reason: 'r', protected: { victimName: sealed } } };
    const [opened] = await openVictimNames(vault, [amended], table);
    expect((opened.payload as { changes: { victim: { name?: unknown } } }).changes.victim.name).toEqual(NAME_B);
    // Moved to another amendment (another AAD), it does not open.
    await expect(openVictimNames(vault, [{ ...amended, payload: { ...amended.payload, amendmentId: 'am-2' } }], table)).rejects.toThrow();
  });

  it('leaves an erased victim without a name, refuses a sealed name with no key at all, and leaves v1 events as they are', async () => {
    const sealed = await sealVictimNames(vault, [{ claimId: CLAIM_A, name: NAME_A }], table);
    table.rows.set(`victim:${CLAIM_A}`, { wrapped: null, wrap_key_id: null });
    const [erased] = await openVictimNames(vault, [filed(CLAIM_A, sealed.get(CLAIM_A))], table);
    expect((erased.payload as { victim: { name?: unknown } }).victim.name).toBeUndefined();
    table.rows.clear();
    await expect(openVictimNames(vault, [filed(CLAIM_A, sealed.get(CLAIM_A))], table)).rejects.toThrow(/no data key exists/);
    const v1 = { type: 'ClaimFiled', schemaVersion: 1, payload: { claimId: CLAIM_A, victim: { name: NAME_A } } };
    expect(await openVictimNames(vault, [v1], table)).toEqual([v1]);
    expect(sealedVictimNameOf(v1)).toBeNull();
  });

  it('refuses a filing whose name is sealed under another claim’s victim', async () => {
    const sealed = await sealVictimNames(vault, [{ claimId: CLAIM_B, name: NAME_B }], table);
    expect(() => sealedVictimNameOf(filed(CLAIM_A, sealed.get(CLAIM_B)))).toThrow(/another subject/);
  });

  it('keeps the key of a victim that already has one, and refuses one that was erased', async () => {
    const first = await vault.createDataKeys([`victim:${CLAIM_A}`], table);
    const again = await vault.createDataKeys([`victim:${CLAIM_A}`, `victim:${CLAIM_B}`], table);
    expect(Buffer.from(again.get(`victim:${CLAIM_A}`) as Uint8Array).equals(Buffer.from(first.get(`victim:${CLAIM_A}`) as Uint8Array))).toBe(true);
    table.rows.set(`victim:${CLAIM_B}`, { wrapped: null, wrap_key_id: null });
    await expect(vault.createDataKeys([`victim:${CLAIM_B}`], table)).rejects.toThrow(/erased/);
  });
});
