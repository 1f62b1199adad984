export * from './data-key-vault.js';
export * from './migrations/1764230400000-protection-keys.js';
export * from './victim-names.js';
