export * from './claim.decide.js';
export * from './claim.errors.js';
export * from './claim.events.js';
export * from './claim.policy.js';
export * from './claim.rules.js';
export * from './claim.state.js';
export * from './claim.types.js';
export * from './claim.vocabulary.js';
