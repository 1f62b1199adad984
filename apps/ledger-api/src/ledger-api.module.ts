import { Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigModule, LedgerConfig } from '@ledger/config';
import { dataSourceOptions } from '@ledger/database';
import { LedgerModule, LedgerSequencer } from '@ledger/event-store';
import { AuthGuard, HEALTH_COMPONENTS, HealthController, TokenVerifier, type HealthComponent } from '@ledger/http';
import { KafkaHealth, LedgerPublisher } from '@ledger/messaging';
import { ClaimView, ProjectorModule, ProjectorService } from '@ledger/read-models';
import { FileClaimController } from './claims/commands/file-claim/file-claim.controller.js';
import { FileClaimHandler } from './claims/commands/file-claim/file-claim.handler.js';
import { ClaimHistoryController } from './claims/queries/claim-history/claim-history.controller.js';
import { GetClaimController } from './claims/queries/get-claim/get-claim.controller.js';
import { GetClaimHandler } from './claims/queries/get-claim/get-claim.handler.js';
import { LedgerController } from './ledger/ledger.controller.js';

export interface LedgerApiOptions {
  /** Run the projector in this process too (`npm start`: the whole ledger in one process). */
  withProjector: boolean;
}

/** The HTTP API with the sequencer and the Kafka publisher (one of each active across instances). */
@Module({})
export class LedgerApiModule implements OnModuleInit {
  constructor(
    private readonly sequencer: LedgerSequencer,
    private readonly publisher: LedgerPublisher,
  ) {}

  static forRoot(config: LedgerConfig, options: LedgerApiOptions): DynamicModule {
    return {
      module: LedgerApiModule,
      imports: [
        ConfigModule.forRoot(config),
        CqrsModule.forRoot(),
        TypeOrmModule.forRoot(dataSourceOptions(config)),
        TypeOrmModule.forFeature([ClaimView]),
        TerminusModule,
        LedgerModule,
        ...(options.withProjector ? [ProjectorModule] : []),
      ],
      controllers: [FileClaimController, GetClaimController, ClaimHistoryController, LedgerController, HealthController],
      providers: [
        FileClaimHandler,
        GetClaimHandler,
        TokenVerifier,
        { provide: APP_GUARD, useClass: AuthGuard },
        LedgerPublisher,
        KafkaHealth,
        {
          provide: HEALTH_COMPONENTS,
          inject: [KafkaHealth, LedgerSequencer, LedgerPublisher, ...(options.withProjector ? [ProjectorService] : [])],
          useFactory: (kafka: KafkaHealth, sequencer: LedgerSequencer, publisher: LedgerPublisher, projector?: ProjectorService): HealthComponent[] => [
            kafka,
            { name: 'sequencer', check: async () => sequencer.problem },
            { name: 'publisher', check: async () => publisher.problem },
            ...(projector ? [projector] : []),
          ],
        },
      ],
    };
  }

  onModuleInit(): void {
    this.sequencer.onSequenced(() => this.publisher.notify());
  }
}
