export * from './duplicate-pairs.js';
export * from './duplicate-score.js';
export * from './name-comparison.js';
