export * from './data-source-options.js';
export * from './migrate.js';
export * from './embedded-postgres.js';
export * from './ledger-status.js';
export * from './ledger-status-metrics.js';
export * from './migrations-health.js';
export * from './operations.js';
