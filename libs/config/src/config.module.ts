import { Global, Module, type DynamicModule } from '@nestjs/common';
import { LedgerConfig } from './ledger-config.js';

/** The configuration is loaded and validated once, in main(), before Nest starts. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: LedgerConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: LedgerConfig, useValue: config }], exports: [LedgerConfig] };
  }
}
