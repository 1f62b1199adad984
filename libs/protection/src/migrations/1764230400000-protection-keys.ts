import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One data key per data subject, wrapped by the master key. Not a ledger table: erasure destroys
 * a key (crypto-shredding) and rotation rewraps them, so the application may update its rows.
 */
export class ProtectionKeys1764230400000 implements MigrationInterface {
  name = 'ProtectionKeys1764230400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE protection_keys (
        subject      text        PRIMARY KEY,
        wrapped      text,
        wrap_key_id  text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        erased_at    timestamptz,
        CHECK ((wrapped IS NULL) = (erased_at IS NOT NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE protection_keys`);
  }
}

export const PROTECTION_TABLES = ['protection_keys'] as const;
