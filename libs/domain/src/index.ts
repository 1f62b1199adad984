export * from './shared/index.js';
export * from './claim/index.js';
export * from './incident/index.js';
export * from './perpetrator/index.js';
export * from './audit/index.js';
export * from './names/index.js';
export * from './protection/index.js';
export * from './export/index.js';
