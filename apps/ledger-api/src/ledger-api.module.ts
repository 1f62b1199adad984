import { Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD, ModuleRef } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigModule, LedgerConfig } from '@ledger/config';
import { dataSourceOptions, OPERATIONS_PROVIDERS } from '@ledger/database';
import { LedgerModule, LedgerSequencer, PostgresEventStore } from '@ledger/event-store';
import { AuthGuard, HEALTH_COMPONENTS, HealthController, MetricsController, rateLimiting, TokenVerifier, type HealthComponent } from '@ledger/http';
import { KafkaHealth, LedgerPublisher } from '@ledger/messaging';
import { DataKeyVault } from '@ledger/protection';
import { ClaimView, ProjectionsModule, ProjectorModule, ProjectorService } from '@ledger/read-models';
import { FileClaimController } from './claims/commands/file-claim/file-claim.controller.js';
import { FileClaimHandler } from './claims/commands/file-claim/file-claim.handler.js';
import { ClaimHistoryController } from './claims/queries/claim-history/claim-history.controller.js';
import { GetClaimController } from './claims/queries/get-claim/get-claim.controller.js';
import { PossibleDuplicatesController } from './claims/queries/possible-duplicates/possible-duplicates.controller.js';
import { GetClaimHandler } from './claims/queries/get-claim/get-claim.handler.js';
import { ClaimSearch } from './claims/queries/search-claims/claim-search.js';
import { SearchClaimsController } from './claims/queries/search-claims/search-claims.controller.js';
import { IncidentsController } from './incidents/queries/incidents.controller.js';
import { ProjectionReplaysController } from './projections/projection-replays.controller.js';
import { EvidenceExporter } from './exports/evidence-exporter.js';
import { ExportEvidenceController } from './exports/export-evidence.controller.js';
import { DiscloseWitnessIdentityController } from './protection/disclose-witness-identity/disclose-witness-identity.controller.js';
import { ErasePersonalDataController } from './protection/erase-personal-data/erase-personal-data.controller.js';
import { DisclosePersonalDataController } from './protection/disclose-personal-data/disclose-personal-data.controller.js';
import { RecordVictimDetailsController } from './claims/commands/record-victim-details/record-victim-details.controller.js';
import { RecordVictimDetailsHandler } from './claims/commands/record-victim-details/record-victim-details.handler.js';
import { RecordVictimAliveController } from './claims/commands/record-victim-alive/record-victim-alive.controller.js';
import { RecordVictimAliveHandler } from './claims/commands/record-victim-alive/record-victim-alive.handler.js';
import { ReviewQueueController } from './review-queue/review-queue.controller.js';
import { CasualtyStatsController } from './stats/casualty-stats.controller.js';
import { LedgerController } from './ledger/ledger.controller.js';
import { AttachSourceController } from './claims/commands/attach-source/attach-source.controller.js';
import { AttachSourceHandler } from './claims/commands/attach-source/attach-source.handler.js';
import { RecordTestimonyController } from './claims/commands/record-testimony/record-testimony.controller.js';
import { RecordTestimonyHandler } from './claims/commands/record-testimony/record-testimony.handler.js';
import { RecordVerificationController } from './claims/commands/record-verification/record-verification.controller.js';
import { RecordVerificationHandler } from './claims/commands/record-verification/record-verification.handler.js';
import { ResolveDisputeController } from './claims/commands/resolve-dispute/resolve-dispute.controller.js';
import { ResolveDisputeHandler } from './claims/commands/resolve-dispute/resolve-dispute.handler.js';
import { AmendClaimController } from './claims/commands/amend-claim/amend-claim.controller.js';
import { AmendClaimHandler } from './claims/commands/amend-claim/amend-claim.handler.js';
import { RetractClaimController } from './claims/commands/retract-claim/retract-claim.controller.js';
import { RetractClaimHandler } from './claims/commands/retract-claim/retract-claim.handler.js';
import { MarkDuplicateController } from './claims/commands/mark-duplicate/mark-duplicate.controller.js';
import { MarkDuplicateHandler } from './claims/commands/mark-duplicate/mark-duplicate.handler.js';
import { RecordIncidentController } from './incidents/commands/record-incident/record-incident.controller.js';
import { RecordIncidentHandler } from './incidents/commands/record-incident/record-incident.handler.js';
import { LinkIncidentClaimsController } from './incidents/commands/link-incident-claims/link-incident-claims.controller.js';
import { LinkIncidentClaimsHandler } from './incidents/commands/link-incident-claims/link-incident-claims.handler.js';
import { AttachIncidentSourceController } from './incidents/commands/attach-incident-source/attach-incident-source.controller.js';
import { AttachIncidentSourceHandler } from './incidents/commands/attach-incident-source/attach-incident-source.handler.js';
import { AddPerpetratorHandler } from './perpetrators/add-perpetrator/add-perpetrator.handler.js';
import { PerpetratorsController } from './perpetrators/perpetrators.controller.js';
import { ClaimLedger } from './claims/claim-ledger.js';
import { AggregateLedger } from './commands/aggregate-ledger.js';
import { PerpetratorCodes } from './streams/perpetrator-list-stream.js';
import { shareLedgerNews } from './api-workers.js';
import { ProjectorOnThread } from './projector-thread/projector-on-thread.js';
import { IncidentLedger } from './incidents/incident-ledger.js';

export interface LedgerApiOptions {
  /** Run the projector in this process too (`npm start`: the whole ledger in one process). */
  withProjector: boolean;
}

/** The HTTP API with the sequencer and the Kafka publisher (one of each active across instances). */
@Module({})
export class LedgerApiModule implements OnModuleInit {
  constructor(
    private readonly sequencer: LedgerSequencer,
    private readonly modules: ModuleRef,
  ) {}

  /**
   * A built ledger on Kafka runs its projector on a thread of its own; from TypeScript sources
   * (tests), or on the sequenced log (the embedded default, rung by the sequencer), in process.
   */
  static projectorOnThread(config: LedgerConfig, options: LedgerApiOptions): boolean {
    return options.withProjector && config.usesKafka && import.meta.url.endsWith('.js');
  }

  static forRoot(config: LedgerConfig, options: LedgerApiOptions): DynamicModule {
    const projectorOnThread = LedgerApiModule.projectorOnThread(config, options);
    return {
      module: LedgerApiModule,
      imports: [
        ConfigModule.forRoot(config),
        CqrsModule.forRoot(),
        TypeOrmModule.forRoot(dataSourceOptions(config)),
        TypeOrmModule.forFeature([ClaimView]),
        TerminusModule,
        LedgerModule,
        ProjectionsModule,
        ...(options.withProjector && !projectorOnThread ? [ProjectorModule] : []),
      ],
      controllers: [
        FileClaimController,
        AttachSourceController,
        RecordTestimonyController,
        RecordVerificationController,
        ResolveDisputeController,
        AmendClaimController,
        RetractClaimController,
        MarkDuplicateController,
        RecordIncidentController,
        LinkIncidentClaimsController,
        AttachIncidentSourceController,
        PerpetratorsController,
        SearchClaimsController,
        GetClaimController,
        PossibleDuplicatesController,
        ClaimHistoryController,
        IncidentsController,
        CasualtyStatsController,
        ReviewQueueController,
        ProjectionReplaysController,
        DiscloseWitnessIdentityController,
        DisclosePersonalDataController,
        ErasePersonalDataController,
        RecordVictimDetailsController,
        RecordVictimAliveController,
        ExportEvidenceController,
        LedgerController,
        HealthController,
        MetricsController,
      ],
      providers: [
        AggregateLedger,
        PerpetratorCodes,
        ClaimLedger,
        IncidentLedger,
        FileClaimHandler,
        AttachSourceHandler,
        RecordTestimonyHandler,
        RecordVerificationHandler,
        ResolveDisputeHandler,
        AmendClaimHandler,
        RetractClaimHandler,
        MarkDuplicateHandler,
        RecordVictimDetailsHandler,
        RecordVictimAliveHandler,
        RecordIncidentHandler,
        LinkIncidentClaimsHandler,
        AttachIncidentSourceHandler,
        AddPerpetratorHandler,
        GetClaimHandler,
        ClaimSearch,
        DataKeyVault,
        EvidenceExporter,
        TokenVerifier,
        { provide: APP_GUARD, useClass: AuthGuard },
        ...OPERATIONS_PROVIDERS,
        ...rateLimiting(config),
        ...(projectorOnThread ? [ProjectorOnThread] : []),
        // Without Kafka there is nothing to publish to: projections read the sequenced log in process.
        ...(config.usesKafka ? [LedgerPublisher, KafkaHealth] : []),
        {
          provide: HEALTH_COMPONENTS,
          inject: [LedgerSequencer, ModuleRef],
          useFactory: (sequencer: LedgerSequencer, modules: ModuleRef): HealthComponent[] => {
            const components: HealthComponent[] = [{ name: 'sequencer', check: async () => sequencer.problem }];
            if (config.usesKafka) {
              const publisher = modules.get(LedgerPublisher);
              components.unshift(modules.get(KafkaHealth));
              components.push({ name: 'publisher', check: async () => publisher.problem });
            }
            // Looked up when asked: the projector (its projections need the data key vault) may be
            // instantiated after this factory runs, and an instance taken now would be a placeholder.
            if (options.withProjector) {
              components.push({
                name: 'projector',
                check: () => (projectorOnThread ? modules.get(ProjectorOnThread) : modules.get(ProjectorService, { strict: false })).check(),
              });
            }
            return components;
          },
        },
      ],
    };
  }

  onModuleInit(): void {
    const publisher = optionalProvider(this.modules, LedgerPublisher);
    const projector = optionalProvider(this.modules, ProjectorService);
    const wakeReaders = (): void => {
      publisher?.notify();
      projector?.notify();
    };
    this.sequencer.onSequenced(wakeReaders);
    const store = optionalProvider(this.modules, PostgresEventStore);
    shareLedgerNews({
      onAppended: (listener) => store?.onAppended(listener),
      onSequenced: (listener) => this.sequencer.onSequenced(listener),
      appended: () => this.sequencer.notify(),
      sequenced: wakeReaders,
    });
  }
}

/** A provider this configuration may leave out (the publisher without Kafka, the projector in an API-only process). */
function optionalProvider<T>(modules: ModuleRef, type: new (...args: never[]) => T): T | undefined {
  try {
    return modules.get(type, { strict: false });
  } catch {
    return undefined;
  }
}
