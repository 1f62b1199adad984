import { Buffer } from 'node:buffer';

const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Lowercase hex only, so one value has one spelling; null when the text is not that. */
export function fromHex(text: string): Uint8Array | null {
  if (!LOWER_HEX.test(text)) return null;
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Standard padded base64 only. Node's decoder silently accepts the URL alphabet, missing padding
 * and stray characters, and non-zero trailing bits would let one value have several spellings.
 */
export function fromBase64(text: string): Uint8Array | null {
  if (!STANDARD_BASE64.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return null;
  return Uint8Array.from(bytes);
}

export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Index of the first unpaired UTF-16 surrogate, or -1 when the string is well-formed. */
export function loneSurrogateIndex(text: string): number {
  if (!SURROGATE.test(text)) return -1;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/**
 * A plain object of any realm (a JSON object parsed by another vm context still counts): its
 * prototype is null or an Object.prototype, never a class instance.
 */
export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || (Object.getPrototypeOf(prototype) === null && Object.prototype.toString.call(value) === '[object Object]');
}
