export * from './mapping.js';
export * from './built-in-mappings.js';
export * from './row-mapper.js';
export * from './csv-records.js';
export * from './import-ids.js';
export * from './claim-import.js';
export * from './rejection-report.js';
