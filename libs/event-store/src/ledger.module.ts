import { Module, type OnModuleInit } from '@nestjs/common';
import { Clock, IdGenerator } from '@ledger/domain';
import { CheckpointIssuer } from './checkpoint-issuer.js';
import { EventStore } from './event-store.port.js';
import { LedgerIdentity } from './ledger-identity.js';
import { LedgerReader } from './ledger-reader.js';
import { LedgerSequencer } from './ledger-sequencer.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { RandomIds, SystemClock } from './system-clock.js';

/** The write side of the ledger: the event store every command appends through, and the sequencer. */
@Module({
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: IdGenerator, useClass: RandomIds },
    PostgresEventStore,
    { provide: EventStore, useExisting: PostgresEventStore },
    LedgerIdentity,
    LedgerSequencer,
    LedgerReader,
    CheckpointIssuer,
  ],
  exports: [EventStore, LedgerIdentity, LedgerSequencer, LedgerReader, CheckpointIssuer, Clock, IdGenerator],
})
export class LedgerModule implements OnModuleInit {
  constructor(
    private readonly store: PostgresEventStore,
    private readonly sequencer: LedgerSequencer,
    private readonly identity: LedgerIdentity,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.identity.load();
    this.store.onAppended(() => this.sequencer.notify());
  }
}
