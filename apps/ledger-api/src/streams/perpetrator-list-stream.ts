import { evolvePerpetratorList, initialPerpetratorList, perpetratorEventFromStored, type PerpetratorListState } from '@ledger/domain';
import type { LedgerTransaction, StreamRead } from '@ledger/event-store';

/** The managed list of perpetrators is one stream; commands that only consult it do not lock it. */
export const PerpetratorListStream = {
  type: 'perpetrator-list',
  id: 'perpetrators',

  state(stream: StreamRead): PerpetratorListState {
    return stream.events.reduce(
      (list, envelope) => evolvePerpetratorList(list, perpetratorEventFromStored(envelope.type, envelope.schemaVersion, envelope.payload)),
      initialPerpetratorList,
    );
  },

  async codes(tx: LedgerTransaction): Promise<ReadonlySet<string>> {
    const list = PerpetratorListStream.state(await tx.peekStream(PerpetratorListStream.id));
    return new Set(list.map((p) => p.code));
  },
};
