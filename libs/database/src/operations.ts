import type { Provider } from '@nestjs/common';
import { LedgerMetrics, READINESS_COMPONENTS, type HealthComponent } from '@ledger/http';
import { LedgerStatusMetrics } from './ledger-status-metrics.js';
import { MigrationsHealth } from './migrations-health.js';

/** What every ledger app adds for its operators: GET /metrics (with MetricsController) and readiness's migrations check. */
export const OPERATIONS_PROVIDERS: Provider[] = [
  LedgerMetrics,
  LedgerStatusMetrics,
  MigrationsHealth,
  { provide: READINESS_COMPONENTS, inject: [MigrationsHealth], useFactory: (migrations: MigrationsHealth): HealthComponent[] => [migrations] },
];
