export * from './data-subject.js';
