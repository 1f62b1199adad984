import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { LedgerConfig } from '@ledger/config';
import { DATA_KEY_BYTES, openSealedJson, sealJson, valueKey, type SealedValue } from '@ledger/proof';
import { DataSource } from 'typeorm';

/** Where the vault's statements run: its own pool, or a command's transaction (LedgerTransaction.query). */
export interface Queryable {
  query(sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
}

/** A row of protection_keys (a type, not an interface: query results are plain records). */
type KeyRow = {
  wrapped: string | null;
  wrap_key_id: string | null;
};

interface MasterKey {
  id: string;
  key: Buffer;
}

export class ProtectionUnavailableError extends Error {
  readonly code = 'PROTECTION.UNAVAILABLE';
  readonly status = 503;
}

export class SubjectErasedError extends Error {
  readonly code = 'PERSONAL_DATA.ERASED';
  readonly status = 409;
}

/**
 * The data keys of data subjects: created on first use, wrapped (AES-256-GCM) by the master key
 * from LEDGER_MASTER_KEY, destroyed on erasure. Keys and plaintext never leave this class except
 * to the caller that asked, and nothing here is logged.
 */
@Injectable()
export class DataKeyVault {
  private readonly current: MasterKey | null;
  private readonly previous: MasterKey | null;

  constructor(
    private readonly dataSource: DataSource,
    config: LedgerConfig,
  ) {
    this.current = masterKey(config.LEDGER_MASTER_KEY);
    this.previous = masterKey(config.LEDGER_MASTER_KEY_PREVIOUS);
  }

  /**
   * Seals a value under the subject's key, creating the key on first use. Inside a command, pass
   * its transaction: the new key then commits (or not) with the events that use it.
   */
  async seal(subject: string, value: unknown, aad: string, within?: Partial<Queryable>): Promise<SealedValue> {
    return sealJson(value, subject, await this.dataKey(subject, true, within?.query ? (within as Queryable) : this.dataSource), aad);
  }

  /** Opens a sealed value; inside a command (a recorded disclosure), pass its transaction. */
  async open(sealed: SealedValue, aad: string, within?: Partial<Queryable>): Promise<unknown> {
    return openSealedJson(sealed, await this.dataKey(sealed.subject, false, within?.query ? (within as Queryable) : this.dataSource), aad);
  }

  /**
   * Seals a value under its own value key, derived from the subject's data key and the AAD
   * (libs/proof valueKey): a bundle can then show that one value checkably without the data key.
   * Victims' names are sealed so. Inside a command, pass its transaction.
   */
  async sealUnderValueKey(subject: string, value: unknown, aad: string, within?: Partial<Queryable>): Promise<SealedValue> {
    const dataKey = await this.dataKey(subject, true, within?.query ? (within as Queryable) : this.dataSource);
    return sealJson(value, subject, valueKey(dataKey, aad), aad);
  }

  /**
   * The data keys of many subjects in one read: null for an erased subject. A subject with no key
   * at all is an error (a sealed value is never committed without its key).
   */
  async dataKeys(subjects: readonly string[], within?: Partial<Queryable>): Promise<Map<string, Buffer | null>> {
    const keys = new Map<string, Buffer | null>();
    const wanted = [...new Set(subjects)];
    if (wanted.length === 0) return keys;
    const query = within?.query ? (within as Queryable) : this.dataSource;
    const rows = (await query.query(`SELECT subject, wrapped, wrap_key_id FROM protection_keys WHERE subject = ANY($1::text[])`, [wanted])) as Array<{
      subject: string;
      wrapped: string | null;
      wrap_key_id: string | null;
    }>;
    for (const row of rows) {
      if (row.wrapped === null) {
        keys.set(row.subject, null);
        continue;
      }
      const master = [this.current, this.previous].find((k) => k?.id === row.wrap_key_id);
      if (!master) throw new ProtectionUnavailableError(`the data key of ${row.subject} is wrapped by master key ${row.wrap_key_id}, which is not configured`);
      keys.set(row.subject, unwrap(master, row.subject, row.wrapped));
    }
    const missing = wanted.find((subject) => !keys.has(subject));
    if (missing !== undefined) throw new ProtectionUnavailableError(`no data key exists for ${missing}, which sealed data in the ledger`);
    return keys;
  }

  /**
   * Creates the data keys of new subjects with one statement (a bulk import's batch), inside the
   * caller's transaction; a subject that already has a key keeps it (and an erased one refuses).
   */
  async createDataKeys(subjects: readonly string[], transaction: Partial<Queryable>): Promise<Map<string, Uint8Array>> {
    if (!transaction.query) throw new Error('data keys for sealed values are created inside the transaction that records them');
    const within = transaction as Queryable;
    const current = this.requireCurrent();
    const wanted = [...new Set(subjects)];
    const fresh = wanted.map((subject) => ({ subject, key: randomBytes(DATA_KEY_BYTES) }));
    const inserted = (await within.query(
      `INSERT INTO protection_keys (subject, wrapped, wrap_key_id)
       SELECT s, w, $3 FROM unnest($1::text[], $2::text[]) AS k(s, w)
       ON CONFLICT (subject) DO NOTHING RETURNING subject`,
      [fresh.map((f) => f.subject), fresh.map((f) => wrap(current, f.subject, f.key)), current.id],
    )) as Array<{ subject: string }>;
    const created = new Set(inserted.map((row) => row.subject));
    const keys = new Map<string, Uint8Array>(fresh.filter((f) => created.has(f.subject)).map((f) => [f.subject, f.key]));
    const existing = wanted.filter((subject) => !created.has(subject));
    for (const [subject, key] of await this.dataKeys(existing, within)) {
      if (key === null) throw new SubjectErasedError(`the personal data of ${subject} was erased: nothing new is sealed for it`);
      keys.set(subject, key);
    }
    return keys;
  }

  /** The subject's data key itself, for an unredacted export that lets a court check the plaintext. */
  async exportKey(subject: string): Promise<Buffer> {
    return this.dataKey(subject, false);
  }

  /** Crypto-shredding: the wrapped key is gone; what it sealed stays in the ledger, unreadable. */
  async erase(subject: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO protection_keys (subject, wrapped, wrap_key_id, erased_at) VALUES ($1, NULL, NULL, now())
       ON CONFLICT (subject) DO UPDATE SET wrapped = NULL, wrap_key_id = NULL, erased_at = coalesce(protection_keys.erased_at, now())`,
      [subject],
    );
  }

  /** Rewraps every data key the previous master key wrapped; the ledger is not touched. */
  async rewrapAll(): Promise<{ rewrapped: number; current: string }> {
    const current = this.requireCurrent();
    if (!this.previous) throw new ProtectionUnavailableError('LEDGER_MASTER_KEY_PREVIOUS is not set: there is nothing to rotate from');
    const rows: Array<{ subject: string; wrapped: string }> = await this.dataSource.query(
      `SELECT subject, wrapped FROM protection_keys WHERE wrap_key_id = $1 AND wrapped IS NOT NULL`,
      [this.previous.id],
    );
    for (const row of rows) {
      const dataKey = unwrap(this.previous, row.subject, row.wrapped);
      await this.dataSource.query(`UPDATE protection_keys SET wrapped = $2, wrap_key_id = $3 WHERE subject = $1 AND wrap_key_id = $4`, [
        row.subject,
        wrap(current, row.subject, dataKey),
        current.id,
        this.previous.id,
      ]);
    }
    return { rewrapped: rows.length, current: current.id };
  }

  private async dataKey(subject: string, create: boolean, within: Queryable = this.dataSource): Promise<Buffer> {
    const rows = create ? await this.loadOrCreate(subject, within) : await this.load(subject, within);
    const [row] = rows;
    if (!row) throw new SubjectErasedError(`no key exists for ${subject}`);
    if (row.wrapped === null) throw new SubjectErasedError(`the personal data of ${subject} was erased: it can no longer be read`);
    const master = [this.current, this.previous].find((k) => k?.id === row.wrap_key_id);
    if (!master) throw new ProtectionUnavailableError(`the data key of ${subject} is wrapped by master key ${row.wrap_key_id}, which is not configured`);
    return unwrap(master, subject, row.wrapped);
  }

  /**
   * The subject's key row, created with a fresh key when there is none, in one round trip (a
   * filing seals a new victim's name: three statements per claim were a tenth of the API's CPU).
   * The SELECT sees the statement's snapshot, so it returns a row that existed before and the
   * INSERT's RETURNING one it created; a key another transaction committed meanwhile is read after.
   */
  private async loadOrCreate(subject: string, within: Queryable): Promise<KeyRow[]> {
    const current = this.requireCurrent();
    const rows = (await within.query(
      `WITH created AS (
         INSERT INTO protection_keys (subject, wrapped, wrap_key_id) VALUES ($1, $2, $3) ON CONFLICT (subject) DO NOTHING RETURNING wrapped, wrap_key_id
       )
       SELECT wrapped, wrap_key_id FROM created
       UNION ALL
       SELECT wrapped, wrap_key_id FROM protection_keys WHERE subject = $1`,
      [subject, wrap(current, subject, randomBytes(DATA_KEY_BYTES)), current.id],
    )) as KeyRow[];
    return rows.length > 0 ? rows : this.load(subject, within);
  }

  private async load(subject: string, within: Queryable): Promise<KeyRow[]> {
    return (await within.query(`SELECT wrapped, wrap_key_id FROM protection_keys WHERE subject = $1`, [subject])) as KeyRow[];
  }

  private requireCurrent(): MasterKey {
    if (!this.current) throw new ProtectionUnavailableError('this ledger has no LEDGER_MASTER_KEY: protected personal data cannot be sealed');
    return this.current;
  }
}

function masterKey(base64: string | undefined): MasterKey | null {
  if (!base64) return null;
  const key = Buffer.from(base64, 'base64');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

const wrapAad = (subject: string): Buffer => Buffer.from(`evidence-ledger/data-key\n${subject}`, 'utf8');

function wrap(master: MasterKey, subject: string, dataKey: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv);
  cipher.setAAD(wrapAad(subject));
  const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64');
}

function unwrap(master: MasterKey, subject: string, wrapped: string): Buffer {
  const bytes = Buffer.from(wrapped, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', master.key, bytes.subarray(0, 12));
  decipher.setAAD(wrapAad(subject));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
}
