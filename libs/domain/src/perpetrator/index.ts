export * from './perpetrator-list.js';
