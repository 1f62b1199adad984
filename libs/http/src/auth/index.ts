export * from './auth.decorators.js';
export * from './auth.guard.js';
export * from './token-verifier.js';
