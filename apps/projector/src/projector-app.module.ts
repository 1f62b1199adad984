import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigModule, type LedgerConfig } from '@ledger/config';
import { dataSourceOptions, OPERATIONS_PROVIDERS } from '@ledger/database';
import { HEALTH_COMPONENTS, HealthController, MetricsController, type HealthComponent } from '@ledger/http';
import { KafkaHealth } from '@ledger/messaging';
import { ProjectorModule, ProjectorService } from '@ledger/read-models';

/** The projector on its own, with GET /health (/live, /ready) and GET /metrics for its orchestrator. */
@Module({})
export class ProjectorAppModule {
  static forRoot(config: LedgerConfig): DynamicModule {
    return {
      module: ProjectorAppModule,
      imports: [ConfigModule.forRoot(config), TypeOrmModule.forRoot(dataSourceOptions(config, 10)), TerminusModule, ProjectorModule],
      controllers: [HealthController, MetricsController],
      providers: [
        ...OPERATIONS_PROVIDERS,
        ...(config.usesKafka ? [KafkaHealth] : []),
        {
          provide: HEALTH_COMPONENTS,
          inject: [ProjectorService, ...(config.usesKafka ? [KafkaHealth] : [])],
          useFactory: (projector: ProjectorService, kafka?: KafkaHealth): HealthComponent[] => (kafka ? [kafka, projector] : [projector]),
        },
      ],
    };
  }
}
