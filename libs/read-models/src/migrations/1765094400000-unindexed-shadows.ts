import type { MigrationInterface, QueryRunner } from 'typeorm';
import { READ_SIDE_TABLES, recreateShadowTables } from './1764144000000-read-side.js';

/**
 * Replays rebuild into unlogged shadow tables with their unique indexes only (recreateShadowTables):
 * the trigram and filter indexes of claim_view were most of a rebuild's cost in Postgres, and
 * nothing reads a shadow table through them. Shadow rows are always rebuilt, never kept.
 */
export class UnindexedShadows1765094400000 implements MigrationInterface {
  name = 'UnindexedShadows1765094400000';

  async up(q: QueryRunner): Promise<void> {
    await recreateShadowTables(q, READ_SIDE_TABLES);
  }

  async down(): Promise<void> {
    // The shadow tables keep the live tables' shape either way; only their indexes differ.
  }
}
