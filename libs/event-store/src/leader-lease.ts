import { Logger } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';

/** Advisory-lock namespace of the ledger's singletons (two-key form: disjoint from stream locks). */
export const LEDGER_LOCK_SPACE = 7421;
export const LEASES = { sequencer: 1, publisher: 2, migrations: 3 } as const;
/** Taken per sequencing transaction (apart from the lease, which another session holds). */
export const SEQUENCER_BATCH_LOCK = 4;

const RECHECK_MS = 2000;

/**
 * One active instance of a loop, the others standing by: a session advisory lock held on a
 * dedicated connection. If the holder dies its connection closes, the lock is freed and a
 * standby takes over. Not a fence on its own: each loop still compare-and-sets its state.
 */
export class LeaderLease {
  private readonly logger: Logger;
  private runner: QueryRunner | null = null;
  private checkedAt = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly name: keyof typeof LEASES,
  ) {
    this.logger = new Logger(`LeaderLease:${name}`);
  }

  get held(): boolean {
    return this.runner !== null;
  }

  /** True while this process holds the lease; tries to take it when free. */
  async hold(): Promise<boolean> {
    if (this.runner && Date.now() - this.checkedAt < RECHECK_MS) return true;
    try {
      if (this.runner) {
        await this.runner.query('SELECT 1');
        this.checkedAt = Date.now();
        return true;
      }
      const runner = this.dataSource.createQueryRunner();
      await runner.connect();
      const [{ taken }] = (await runner.query(`SELECT pg_try_advisory_lock($1, $2) AS taken`, [
        LEDGER_LOCK_SPACE,
        LEASES[this.name],
      ])) as Array<{ taken: boolean }>;
      if (!taken) {
        await runner.release();
        return false;
      }
      this.runner = runner;
      this.checkedAt = Date.now();
      this.logger.log(`this instance is now the active ${this.name}`);
      return true;
    } catch (error) {
      this.logger.warn(`lost the ${this.name} lease: ${error instanceof Error ? error.message : String(error)}`);
      await this.drop();
      return false;
    }
  }

  async release(): Promise<void> {
    if (!this.runner) return;
    await this.runner
      .query(`SELECT pg_advisory_unlock($1, $2)`, [LEDGER_LOCK_SPACE, LEASES[this.name]])
      .catch(() => undefined);
    await this.drop();
  }

  private async drop(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    await runner?.release().catch(() => undefined);
  }
}
