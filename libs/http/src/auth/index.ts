export * from './auth.decorators.js';
export * from './auth.guard.js';
export * from './token-verifier.js';
export * from './route-access.js';
