export * from './shared/index.js';
export * from './claim/index.js';
