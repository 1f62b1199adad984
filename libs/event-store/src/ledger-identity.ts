import { Injectable, Logger } from '@nestjs/common';
import { LedgerConfig } from '@ledger/config';
import { generateCheckpointKey, loadSigningKey, verifierKey } from '@ledger/proof';
import type { KeyObject } from 'node:crypto';
import { DataSource } from 'typeorm';

export class LedgerIdentityError extends Error {
  override readonly name = 'LedgerIdentityError';
}

/**
 * The log's name and signing key. A configured key must be the one the ledger was created with;
 * a development ledger without one generates a key once and keeps it with its data, so no two
 * ledgers ever share a key.
 */
@Injectable()
export class LedgerIdentity {
  private readonly logger = new Logger(LedgerIdentity.name);
  private signingKey: KeyObject | null = null;
  private publishedKey: string | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: LedgerConfig,
  ) {}

  get origin(): string {
    return this.config.LEDGER_ORIGIN;
  }

  /** `<origin>+<key id>+<base64 key>`, the form GET /ledger/key serves. */
  async verifierKey(): Promise<string> {
    await this.load();
    return this.publishedKey as string;
  }

  async privateKey(): Promise<KeyObject> {
    await this.load();
    return this.signingKey as KeyObject;
  }

  async load(): Promise<void> {
    if (this.signingKey) return;
    const rows = (await this.dataSource.query(
      `SELECT origin, public_key, private_key FROM ledger_identity ORDER BY created_at`,
    )) as Array<{ origin: string; public_key: string; private_key: string | null }>;
    const other = rows.find((row) => row.origin !== this.origin);
    if (other) {
      throw new LedgerIdentityError(
        `this database holds the ledger "${other.origin}", not LEDGER_ORIGIN "${this.origin}"`,
      );
    }
    const stored = rows[0];
    let key: KeyObject;
    if (this.config.LEDGER_SIGNING_KEY) {
      key = loadSigningKey(this.config.LEDGER_SIGNING_KEY);
    } else if (stored?.private_key) {
      key = loadSigningKey(stored.private_key);
    } else if (stored) {
      throw new LedgerIdentityError('this ledger signs with a configured key: set LEDGER_SIGNING_KEY');
    } else {
      const generated = generateCheckpointKey();
      key = generated.privateKey;
      await this.record(verifierKey(this.origin, key), generated.privateKeyPem);
      this.logger.warn('no LEDGER_SIGNING_KEY: generated a development signing key, kept in this ledger only');
      this.remember(key);
      return;
    }
    const published = verifierKey(this.origin, key);
    if (stored && stored.public_key !== published) {
      throw new LedgerIdentityError('LEDGER_SIGNING_KEY is not the key this ledger was created with');
    }
    if (!stored) await this.record(published, null);
    this.remember(key);
  }

  private async record(publicKey: string, privateKeyPem: string | null): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ledger_identity (origin, public_key, private_key) VALUES ($1, $2, $3) ON CONFLICT (origin) DO NOTHING`,
      [this.origin, publicKey, privateKeyPem],
    );
    // Another instance may have won the race: whatever is stored is the identity.
    const [row] = (await this.dataSource.query(`SELECT public_key FROM ledger_identity WHERE origin = $1`, [
      this.origin,
    ])) as Array<{ public_key: string }>;
    if (row.public_key !== publicKey) {
      this.signingKey = null;
      throw new LedgerIdentityError('another instance created this ledger with a different key at the same time; restart');
    }
  }

  private remember(key: KeyObject): void {
    this.signingKey = key;
    this.publishedKey = verifierKey(this.origin, key);
  }
}
