export * from './data-source-options.js';
export * from './migrate.js';
export * from './embedded-postgres.js';
