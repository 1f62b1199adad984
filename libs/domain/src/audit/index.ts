export * from './projection-replay.js';
