export * from './ledger-metrics.js';
export * from './metrics.controller.js';
export * from './scrape-snapshot.js';
