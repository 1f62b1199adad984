import { Injectable } from '@nestjs/common';
import { evolvePerpetratorList, initialPerpetratorList, perpetratorEventFromStored, type PerpetratorListState } from '@ledger/domain';
import type { LedgerTransaction, StreamRead } from '@ledger/event-store';
import { foldStream } from './fold-stream.js';

/** The managed list of perpetrators is one stream; commands that only consult it do not lock it. */
export const PerpetratorListStream = {
  type: 'perpetrator-list',
  id: 'perpetrators',

  state(stream: StreamRead): PerpetratorListState {
    return foldStream(stream, perpetratorEventFromStored, evolvePerpetratorList, initialPerpetratorList);
  },

  async codes(tx: LedgerTransaction): Promise<ReadonlySet<string>> {
    const list = PerpetratorListStream.state(await tx.peekStream(PerpetratorListStream.id));
    return new Set(list.map((p) => p.code));
  },
};

/**
 * The codes a command checks against, read from the ledger only when needed: the list only ever
 * grows, so a cached list that has every wanted code is current enough, and one that lacks a
 * code is read again before the command is refused.
 */
@Injectable()
export class PerpetratorCodes {
  private cached: ReadonlySet<string> = new Set(initialPerpetratorList.map((p) => p.code));

  async including(tx: LedgerTransaction, wanted: Array<string | undefined>): Promise<ReadonlySet<string>> {
    if (wanted.every((code) => code === undefined || this.cached.has(code))) return this.cached;
    this.cached = await PerpetratorListStream.codes(tx);
    return this.cached;
  }
}
