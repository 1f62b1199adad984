export * from './ledger-config.js';
export * from './config.module.js';
