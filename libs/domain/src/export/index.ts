export * from './evidence-export.js';
