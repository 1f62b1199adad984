export * from './jcs.js';
export * from './ijson.js';
export * from './merkle.js';
export * from './note.js';
export * from './envelope.js';
export { bytesEqual, fromBase64, fromHex, toBase64, toHex } from './encoding.js';
export * from './sealed.js';
