import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConfigModule, type LedgerConfig } from '@ledger/config';
import { dataSourceOptions } from '@ledger/database';
import { HEALTH_COMPONENTS, HealthController, type HealthComponent } from '@ledger/http';
import { KafkaHealth } from '@ledger/messaging';
import { ProjectorModule, ProjectorService } from '@ledger/read-models';

/** The projector on its own, with GET /health for its orchestrator. */
@Module({})
export class ProjectorAppModule {
  static forRoot(config: LedgerConfig): DynamicModule {
    return {
      module: ProjectorAppModule,
      imports: [ConfigModule.forRoot(config), TypeOrmModule.forRoot(dataSourceOptions(config, 10)), TerminusModule, ProjectorModule],
      controllers: [HealthController],
      providers: [
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
