import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the sequencer last looked for events at or before its position that have no seq (see
 * LedgerSequencer.sequenceOrphans): null until it has looked once on this ledger.
 */
export class OrphanCheck1765152000000 implements MigrationInterface {
  name = 'OrphanCheck1765152000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sequencer_state ADD COLUMN orphans_checked_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sequencer_state DROP COLUMN orphans_checked_at`);
  }
}
