export * from './incident.js';
