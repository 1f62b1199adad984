import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { LedgerConfig } from '@ledger/config';
import { DATA_KEY_BYTES, openSealedJson, sealJson, type SealedValue } from '@ledger/proof';
import { DataSource } from 'typeorm';

/** Where the vault's statements run: its own pool, or a command's transaction (LedgerTransaction.query). */
export interface Queryable {
  query(sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
}

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
    let rows = await this.load(subject, within);
    if (rows.length === 0 && create) {
      const current = this.requireCurrent();
      await within.query(`INSERT INTO protection_keys (subject, wrapped, wrap_key_id) VALUES ($1, $2, $3) ON CONFLICT (subject) DO NOTHING`, [
        subject,
        wrap(current, subject, randomBytes(DATA_KEY_BYTES)),
        current.id,
      ]);
      rows = await this.load(subject, within);
    }
    const [row] = rows;
    if (!row) throw new SubjectErasedError(`no key exists for ${subject}`);
    if (row.wrapped === null) throw new SubjectErasedError(`the personal data of ${subject} was erased: it can no longer be read`);
    const master = [this.current, this.previous].find((k) => k?.id === row.wrap_key_id);
    if (!master) throw new ProtectionUnavailableError(`the data key of ${subject} is wrapped by master key ${row.wrap_key_id}, which is not configured`);
    return unwrap(master, subject, row.wrapped);
  }

  private async load(subject: string, within: Queryable): Promise<Array<{ wrapped: string | null; wrap_key_id: string | null }>> {
    return (await within.query(`SELECT wrapped, wrap_key_id FROM protection_keys WHERE subject = $1`, [subject])) as Array<{ wrapped: string | null; wrap_key_id: string | null }>;
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
