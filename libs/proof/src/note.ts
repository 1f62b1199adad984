// C2SP signed notes (c2sp.org/signed-note) carrying tlog checkpoints (c2sp.org/tlog-checkpoint).
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { Buffer } from 'node:buffer';
import { bytesEqual, fromBase64, fromHex, loneSurrogateIndex, toBase64, toHex, utf8 } from './encoding.js';
import { HASH_SIZE } from './merkle.js';

const ED25519_ALGORITHM = 0x01;
const PUBLIC_KEY_SIZE = 32;
const SIGNATURE_SIZE = 64;
const KEY_ID_SIZE = 4;
/** c2sp.org/signed-note: verifiers must reject notes carrying more signatures than this. */
const MAX_SIGNATURES = 100;
const SIGNATURE_LINE_PREFIX = '\u2014 ';
const FORBIDDEN_IN_ORIGIN = /[\s+\p{Cc}]/u;

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
}

/** A parsed `<name>+<key id hex>+<base64(0x01 || public key)>` verifier key. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly publicKey: KeyObject;
  readonly publicKeyRaw: Uint8Array;
}

export interface CheckpointKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PKCS#8 PEM, the form `LEDGER_SIGNING_KEY` takes. */
  readonly privateKeyPem: string;
}

export type NoteProblem = 'malformed' | 'wrong-origin' | 'unknown-key' | 'bad-signature';

export class SignedNoteError extends Error {
  override readonly name = 'SignedNoteError';

  constructor(
    readonly problem: NoteProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Why `origin` cannot name a log or key, or null when it can: non-empty, no spaces, no '+', no control characters. */
export function originProblem(origin: string): string | null {
  if (typeof origin !== 'string' || origin === '') return 'origin must be a non-empty string';
  if (FORBIDDEN_IN_ORIGIN.test(origin)) return 'origin must not contain spaces, "+" or control characters';
  if (loneSurrogateIndex(origin) >= 0) return 'origin must be well-formed Unicode';
  return null;
}

export function assertOrigin(origin: string): void {
  const problem = originProblem(origin);
  if (problem !== null) throw new RangeError(`${problem}: ${JSON.stringify(origin)}`);
}

export function generateCheckpointKey(): CheckpointKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

/** Loads a PKCS#8 PEM private key and insists it is Ed25519. */
export function loadSigningKey(pem: string): KeyObject {
  const key = createPrivateKey({ key: pem, format: 'pem' });
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new RangeError(`checkpoint signing key must be Ed25519, got ${key.asymmetricKeyType ?? 'a symmetric key'}`);
  }
  return key;
}

/** The 32 raw bytes of an Ed25519 public key (or of the public half of a private key). */
export function publicKeyBytes(key: KeyObject): Uint8Array {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new RangeError('key must be Ed25519');
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new RangeError('Ed25519 key has no public component');
  return Uint8Array.from(Buffer.from(x, 'base64url'));
}

/** First 4 bytes of SHA-256(origin || 0x0A || 0x01 || public key). */
export function keyId(origin: string, publicKeyRaw: Uint8Array): Uint8Array {
  assertOrigin(origin);
  if (publicKeyRaw.length !== PUBLIC_KEY_SIZE) throw new RangeError(`Ed25519 public key must be ${PUBLIC_KEY_SIZE} bytes`);
  const digest = createHash('sha256')
    .update(utf8(origin))
    .update(new Uint8Array([0x0a, ED25519_ALGORITHM]))
    .update(publicKeyRaw)
    .digest();
  return Uint8Array.from(digest.subarray(0, KEY_ID_SIZE));
}

/** `<origin>+<key id, 8 lowercase hex>+<base64(0x01 || public key)>`, as served at GET /ledger/key. */
export function verifierKey(origin: string, publicKey: KeyObject | Uint8Array): string {
  const raw = publicKey instanceof Uint8Array ? publicKey : publicKeyBytes(publicKey);
  const id = keyId(origin, raw);
  return `${origin}+${toHex(id)}+${toBase64(Buffer.concat([new Uint8Array([ED25519_ALGORITHM]), raw]))}`;
}

/** Parses a verifier key; one trailing newline (as a text/plain body may carry) is tolerated. */
export function parseVerifierKey(text: string): VerifierKey {
  const key = typeof text === 'string' && text.endsWith('\n') ? text.slice(0, -1) : text;
  if (typeof key !== 'string') throw new SignedNoteError('malformed', 'verifier key must be a string');
  const nameEnd = key.indexOf('+');
  const idEnd = nameEnd + 1 + 2 * KEY_ID_SIZE;
  if (nameEnd <= 0 || key.charAt(idEnd) !== '+') {
    throw new SignedNoteError('malformed', 'verifier key must look like <name>+<8 hex digits>+<base64 key>');
  }
  const name = key.slice(0, nameEnd);
  const nameProblem = originProblem(name);
  if (nameProblem !== null) throw new SignedNoteError('malformed', `verifier key name: ${nameProblem}`);
  const id = fromHex(key.slice(nameEnd + 1, idEnd));
  if (id === null) throw new SignedNoteError('malformed', 'verifier key id must be 8 lowercase hex digits');
  const encoded = fromBase64(key.slice(idEnd + 1));
  if (encoded === null || encoded.length !== 1 + PUBLIC_KEY_SIZE || encoded[0] !== ED25519_ALGORITHM) {
    throw new SignedNoteError('malformed', 'verifier key must hold base64(0x01 || 32-byte Ed25519 public key)');
  }
  const publicKeyRaw = encoded.subarray(1);
  if (!bytesEqual(id, keyId(name, publicKeyRaw))) {
    throw new SignedNoteError('malformed', 'verifier key id does not match its name and public key');
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKeyRaw).toString('base64url') },
      format: 'jwk',
    });
  } catch {
    throw new SignedNoteError('malformed', 'verifier key does not hold a valid Ed25519 public key');
  }
  return { name, keyId: id, publicKey, publicKeyRaw };
}

/** `<origin>\n<size>\n<base64 root>\n` — the exact bytes a checkpoint signature covers. */
export function checkpointBody(origin: string, size: number, root: Uint8Array): string {
  assertOrigin(origin);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tree size must be a non-negative safe integer, got ${size}`);
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) throw new RangeError(`root hash must be ${HASH_SIZE} bytes`);
  return `${origin}\n${size}\n${toBase64(root)}\n`;
}

/**
 * A signed note: `text`, a blank line, and one signature line by `keyName`. The text must be
 * non-empty, end in a newline and hold no control characters but newlines.
 */
export function signNote(text: string, keyName: string, privateKey: KeyObject | string): string {
  const key = typeof privateKey === 'string' ? loadSigningKey(privateKey) : privateKey;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw new RangeError('note signing key must be an Ed25519 private key');
  }
  const problem = noteTextProblem(text);
  if (problem !== null) throw new RangeError(problem);
  const signature = sign(null, utf8(text), key);
  const id = keyId(keyName, publicKeyBytes(key));
  return `${text}\n${SIGNATURE_LINE_PREFIX}${keyName} ${toBase64(Buffer.concat([id, signature]))}\n`;
}

/** A checkpoint note signed by the log's key, whose name is the origin. */
export function signCheckpoint(origin: string, size: number, root: Uint8Array, privateKey: KeyObject | string): string {
  return signNote(checkpointBody(origin, size, root), origin, privateKey);
}

/**
 * Verifies a signed note against one verifier key and returns its text. Signatures by other keys
 * (witness cosignatures, say) are ignored, as c2sp.org/signed-note asks; one by this key must verify.
 */
export function openNote(noteText: string, key: string | VerifierKey): string {
  const verifier = typeof key === 'string' ? parseVerifierKey(key) : key;
  const note = splitNote(noteText);
  requireSignature(note, verifier);
  return note.text;
}

/**
 * Verifies a signed checkpoint against the log's verifier key and returns what it commits to. The
 * body must be exactly the three checkpoint lines, and its origin must be the key's name.
 */
export function openCheckpoint(noteText: string, key: string | VerifierKey): Checkpoint {
  const verifier = typeof key === 'string' ? parseVerifierKey(key) : key;
  const note = splitNote(noteText);
  const checkpoint = parseCheckpointBody(note.text);
  if (checkpoint.origin !== verifier.name) {
    throw new SignedNoteError(
      'wrong-origin',
      `checkpoint is for origin ${JSON.stringify(checkpoint.origin)}, expected ${JSON.stringify(verifier.name)}`,
    );
  }
  requireSignature(note, verifier);
  return checkpoint;
}

function requireSignature(note: SplitNote, verifier: VerifierKey): void {
  const label = `${verifier.name}+${toHex(verifier.keyId)}`;
  const ours = note.signatures.filter((s) => s.name === verifier.name && bytesEqual(s.keyId, verifier.keyId));
  if (ours.length === 0) {
    const found = note.signatures.map((s) => `${s.name}+${toHex(s.keyId)}`).join(', ');
    throw new SignedNoteError('unknown-key', `note has no signature by key ${label} (signed by ${found})`);
  }
  const message = utf8(note.text);
  if (!ours.some((s) => s.signature.length === SIGNATURE_SIZE && safeVerify(message, verifier.publicKey, s.signature))) {
    throw new SignedNoteError('bad-signature', `signature by ${label} does not verify`);
  }
}

function noteTextProblem(text: string): string | null {
  if (typeof text !== 'string' || text === '' || !text.endsWith('\n')) return 'note text must be non-empty and end in a newline';
  if (/[\p{Cc}]/u.test(text.replace(/\n/g, ''))) return 'note text must not hold control characters other than newline';
  if (loneSurrogateIndex(text) >= 0) return 'note text must be well-formed Unicode';
  return null;
}

interface SplitNote {
  readonly text: string;
  readonly signatures: NoteSignature[];
}

interface NoteSignature {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly signature: Uint8Array;
}

function splitNote(noteText: string): SplitNote {
  if (typeof noteText !== 'string' || !noteText.endsWith('\n')) {
    throw new SignedNoteError('malformed', 'signed note must be text ending in a newline');
  }
  const separator = noteText.lastIndexOf('\n\n');
  if (separator < 0) throw new SignedNoteError('malformed', 'signed note has no blank line before its signatures');
  const text = noteText.slice(0, separator + 1);
  const problem = noteTextProblem(text);
  if (problem !== null) throw new SignedNoteError('malformed', problem);
  const lines = noteText.slice(separator + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new SignedNoteError('malformed', `signed note has more than ${MAX_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

function parseSignatureLine(line: string): NoteSignature {
  const space = line.indexOf(' ', SIGNATURE_LINE_PREFIX.length);
  if (!line.startsWith(SIGNATURE_LINE_PREFIX) || space < 0) {
    throw new SignedNoteError('malformed', `signature line must be "— <key name> <base64>": ${JSON.stringify(line)}`);
  }
  const name = line.slice(SIGNATURE_LINE_PREFIX.length, space);
  const bytes = fromBase64(line.slice(space + 1));
  if (originProblem(name) !== null || bytes === null || bytes.length <= KEY_ID_SIZE) {
    throw new SignedNoteError('malformed', `signature line must be "— <key name> <base64>": ${JSON.stringify(line)}`);
  }
  return { name, keyId: bytes.subarray(0, KEY_ID_SIZE), signature: bytes.subarray(KEY_ID_SIZE) };
}

function parseCheckpointBody(body: string): Checkpoint {
  const lines = body.split('\n');
  if (lines.length !== 4) {
    throw new SignedNoteError('malformed', `checkpoint body must be exactly 3 lines, got ${lines.length - 1}`);
  }
  const [origin, sizeText, rootText] = lines;
  const originError = originProblem(origin);
  if (originError !== null) throw new SignedNoteError('malformed', `checkpoint ${originError}`);
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new SignedNoteError('malformed', `checkpoint tree size must be a decimal safe integer, got ${JSON.stringify(sizeText)}`);
  }
  const root = fromBase64(rootText);
  if (root === null || root.length !== HASH_SIZE) {
    throw new SignedNoteError('malformed', 'checkpoint root must be a standard padded base64 32-byte hash');
  }
  return { origin, size: Number(sizeText), root };
}

function safeVerify(message: Uint8Array, publicKey: KeyObject, signature: Uint8Array): boolean {
  try {
    return verify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}
