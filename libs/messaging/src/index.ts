export * from './kafka.factory.js';
export * from './ledger-feed.consumer.js';
export * from './ledger-publisher.js';
export * from './kafka-health.js';
export * from './ledger-log.js';
export * from './ledger-log-feed.js';
export * from './publisher-loop.js';
export * from './supervised-thread.js';
