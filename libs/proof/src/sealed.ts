import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { canonicalize } from './jcs.js';
import { fromBase64, toBase64 } from './encoding.js';

/**
 * Protected personal data as it is stored inside an event: AES-256-GCM under the data subject's
 * own key, so the ledger hashes only ciphertext, and destroying that key erases the data while
 * every hash and proof still verifies. The plaintext is the RFC 8785 JSON of the protected value;
 * the additional authenticated data binds the ciphertext to its subject and place.
 */
export interface SealedValue {
  alg: 'A256GCM';
  /** The data subject whose key seals it, e.g. `witness:W-17`. */
  subject: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

export const DATA_KEY_BYTES = 32;

export function isSealedValue(value: unknown): value is SealedValue {
  const v = value as Partial<SealedValue> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.alg === 'A256GCM' &&
    typeof v.subject === 'string' &&
    typeof v.iv === 'string' &&
    typeof v.ciphertext === 'string' &&
    typeof v.tag === 'string'
  );
}

/** What a sealed value is: part of its additional data, so one cannot pass for another. */
export type SealedKind = 'witness-identity' | 'testimony-statement' | 'relative' | 'victim-details' | 'victim-name';

/**
 * The AAD of a sealed value: its kind, its subject and the id of what holds it (the testimony
 * for the first three kinds, the details record for victim details).
 */
export function sealedValueAad(kind: SealedKind, subject: string, holderId: string): string {
  return `evidence-ledger/${kind}\n${subject}\n${holderId}`;
}

/**
 * The AAD of a victim's name in a ClaimFiled (schema 2) or ClaimAmended (schema 2) event: the
 * holder is the claim id for the filing, the event's `amendmentId` for an amendment.
 */
export function victimNameAad(subject: string, holderId: string): string {
  return sealedValueAad('victim-name', subject, holderId);
}

/**
 * The key of one sealed value, derived from the subject's data key (HKDF-SHA256, info = a label
 * and the value's AAD). A victim's name is sealed under it so that a bundle can let anyone check
 * the name it shows by giving this key alone: it opens that one value, never the subject's other
 * sealed values (victim details). Erasing the data key erases every value key with it.
 */
export function valueKey(dataKey: Uint8Array, aad: string): Uint8Array {
  if (dataKey.length !== DATA_KEY_BYTES) throw new Error('a data key is 32 bytes');
  return new Uint8Array(hkdfSync('sha256', dataKey, new Uint8Array(0), Buffer.from(`evidence-ledger/value-key\n${aad}`, 'utf8'), DATA_KEY_BYTES));
}

/** The AAD of a witness identity in a TestimonyRecorded event (schema version 3 and later). */
export function witnessIdentityAad(subject: string, testimonyId: string): string {
  return sealedValueAad('witness-identity', subject, testimonyId);
}

export function sealJson(value: unknown, subject: string, dataKey: Uint8Array, aad: string): SealedValue {
  if (dataKey.length !== DATA_KEY_BYTES) throw new Error('a data key is 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(canonicalize(value), 'utf8'), cipher.final()]);
  return { alg: 'A256GCM', subject, iv: toBase64(iv), ciphertext: toBase64(ciphertext), tag: toBase64(cipher.getAuthTag()) };
}

/** Opens a sealed value; throws when the key, the AAD or any byte is wrong. */
export function openSealedJson(sealed: SealedValue, dataKey: Uint8Array, aad: string): unknown {
  const iv = fromBase64(sealed.iv);
  const ciphertext = fromBase64(sealed.ciphertext);
  const tag = fromBase64(sealed.tag);
  if (!iv || iv.length !== 12 || !ciphertext || !tag || tag.length !== 16) throw new Error('the sealed value is malformed');
  const decipher = createDecipheriv('aes-256-gcm', dataKey, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  return JSON.parse(plaintext) as unknown;
}
