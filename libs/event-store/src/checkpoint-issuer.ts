import { Injectable } from '@nestjs/common';
import { signCheckpoint } from '@ledger/proof';
import { DataSource } from 'typeorm';
import { LedgerIdentity } from './ledger-identity.js';
import { LedgerRangeError, LedgerReader } from './ledger-reader.js';

/**
 * A signed checkpoint at an exact tree size, issued on demand when the sequencer has not issued
 * one there (an export must prove its events against a tree that already holds its own record).
 * Same size, same root, same deterministic Ed25519 note: whoever signs first, the row is the same.
 */
@Injectable()
export class CheckpointIssuer {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reader: LedgerReader,
    private readonly identity: LedgerIdentity,
  ) {}

  async at(size: number): Promise<string> {
    const existing = (await this.dataSource.query(`SELECT note FROM ledger_checkpoints WHERE size = $1`, [size])) as Array<{ note: string }>;
    if (existing.length > 0) return existing[0].note;
    const current = await this.reader.treeSize();
    if (size < 1 || size > current) throw new LedgerRangeError(`the tree has ${current} leaves, not ${size}`);
    const root = await this.reader.root(size);
    const note = signCheckpoint(this.identity.origin, size, root, await this.identity.privateKey());
    await this.dataSource.query(`INSERT INTO ledger_checkpoints (size, root, note) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING`, [size, Buffer.from(root), note]);
    return this.reader.checkpointAt(size);
  }
}
