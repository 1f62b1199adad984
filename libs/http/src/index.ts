export * from './ijson-body.js';
export * from './problem.js';
export * from './problem.filter.js';
export * from './validation.js';
export * from './auth/index.js';
export * from './health/health.controller.js';
export * from './http-app.js';
export * from './process.js';
