export * from './actor.js';
export * from './command-context.js';
export * from './domain-error.js';
export * from './clock.js';
