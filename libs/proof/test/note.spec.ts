import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  SignedNoteError,
  checkpointBody,
  generateCheckpointKey,
  keyId,
  leafHash,
  loadSigningKey,
  openCheckpoint,
  openNote,
  originProblem,
  parseVerifierKey,
  publicKeyBytes,
  signCheckpoint,
  signNote,
  verifierKey,
  type NoteProblem,
} from '@ledger/proof';

// golang.org/x/mod sumdb/note tests and docs (BSD-3-Clause), and the c2sp.org/signed-note example.
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY_BASE64 = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const PETER_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const EXAMPLE_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const EXAMPLE_NOTE =
  'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

/** An Ed25519 private key from its 32-byte seed, via the fixed PKCS#8 prefix for Ed25519. */
function keyFromSeed(seed: Uint8Array): KeyObject {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

function problemOf(action: () => unknown): NoteProblem {
  try {
    action();
  } catch (error) {
    if (error instanceof SignedNoteError) return error.problem;
    throw error;
  }
  throw new Error('expected a SignedNoteError');
}

const ORIGIN = 'ledger.example.org/syria';
const ROOT = leafHash(Buffer.from('root'));

describe('verifier keys', () => {
  it('parses the published keys and recomputes their ids', () => {
    const peter = parseVerifierKey(PETER_VKEY);
    expect(peter.name).toBe('PeterNeumann');
    expect(Buffer.from(peter.keyId).toString('hex')).toBe('c74f20a3');
    expect(verifierKey('PeterNeumann', peter.publicKeyRaw)).toBe(PETER_VKEY);
    expect(verifierKey('PeterNeumann', peter.publicKey)).toBe(PETER_VKEY);
    const example = parseVerifierKey(`${EXAMPLE_VKEY}\n`);
    expect(example.name).toBe('example.com/foo');
    expect(Buffer.from(keyId('example.com/foo', example.publicKeyRaw)).toString('hex')).toBe('530d903a');
  });

  it('derives the published keys from their private keys', () => {
    const peterSeed = Buffer.from(PETER_SKEY_BASE64, 'base64').subarray(1);
    expect(verifierKey('PeterNeumann', keyFromSeed(peterSeed))).toBe(PETER_VKEY);
    expect(verifierKey('EnochRoot', keyFromSeed(new Uint8Array(32)))).toBe(ENOCH_VKEY);
  });

  it('writes <origin>+<8 hex>+<base64(0x01 || key)> for a new key', () => {
    const { publicKey } = generateCheckpointKey();
    const text = verifierKey(ORIGIN, publicKey);
    const raw = publicKeyBytes(publicKey);
    expect(raw).toHaveLength(32);
    const [name, id, encoded] = [text.slice(0, ORIGIN.length), text.slice(ORIGIN.length + 1, ORIGIN.length + 9), text.slice(ORIGIN.length + 10)];
    expect(name).toBe(ORIGIN);
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(Buffer.from(encoded, 'base64').equals(Buffer.concat([Buffer.of(1), raw]))).toBe(true);
    expect(parseVerifierKey(text).name).toBe(ORIGIN);
  });

  it.each([
    ['a changed key id', PETER_VKEY.replace('c74f20a3', 'c74f20a4')],
    ['an uppercase key id', PETER_VKEY.replace('c74f20a3', 'C74F20A3')],
    ['a renamed key', PETER_VKEY.replace('PeterNeumann', 'PeterNeuman')],
    ['a changed public key', PETER_VKEY.replace('ARpc', 'ARpd')],
    ['another algorithm byte', PETER_VKEY.replace('+ARpc', '+Ahpc')],
    ['a missing part', 'PeterNeumann+c74f20a3'],
    ['unpadded base64', PETER_VKEY.slice(0, -1)],
    ['an empty name', `+c74f20a3+${PETER_VKEY.split('+')[2]}`],
    ['a name with a space', `Peter Neumann+c74f20a3+${PETER_VKEY.split('+')[2]}`],
  ])('rejects %s', (_label, text) => {
    expect(problemOf(() => parseVerifierKey(text))).toBe('malformed');
  });
});

describe('signed notes', () => {
  it('opens the published note, ignoring signatures by other keys', () => {
    expect(openNote(`${PETER_TEXT}\n${PETER_SIG}`, PETER_VKEY)).toBe(PETER_TEXT);
    expect(openNote(`${PETER_TEXT}\n${PETER_SIG}${ENOCH_SIG}`, PETER_VKEY)).toBe(PETER_TEXT);
    expect(openNote(`${PETER_TEXT}\n${PETER_SIG}${ENOCH_SIG}`, ENOCH_VKEY)).toBe(PETER_TEXT);
    expect(openNote(EXAMPLE_NOTE, EXAMPLE_VKEY)).toBe('This is an example message.\n');
  });

  it('signs byte for byte as the Go implementation does (Ed25519 is deterministic)', () => {
    const peter = keyFromSeed(Buffer.from(PETER_SKEY_BASE64, 'base64').subarray(1));
    expect(signNote(PETER_TEXT, 'PeterNeumann', peter)).toBe(`${PETER_TEXT}\n${PETER_SIG}`);
    expect(signNote(PETER_TEXT, 'EnochRoot', keyFromSeed(new Uint8Array(32)))).toBe(`${PETER_TEXT}\n${ENOCH_SIG}`);
  });

  it('names the problem with a note', () => {
    expect(problemOf(() => openNote(`${PETER_TEXT}\n${ENOCH_SIG}`, PETER_VKEY))).toBe('unknown-key');
    expect(problemOf(() => openNote(`${PETER_TEXT.replace('answer', 'Answer')}\n${PETER_SIG}`, PETER_VKEY))).toBe('bad-signature');
    expect(problemOf(() => openNote(`${PETER_TEXT}${PETER_SIG}`, PETER_VKEY))).toBe('malformed');
    expect(problemOf(() => openNote(`${PETER_TEXT}\n${PETER_SIG.replace('\u2014', '-')}`, PETER_VKEY))).toBe('malformed');
    expect(problemOf(() => openNote(`${PETER_TEXT}\n${PETER_SIG.slice(0, -1)}`, PETER_VKEY))).toBe('malformed');
    expect(problemOf(() => openNote(`${PETER_TEXT}\n${PETER_SIG.repeat(101)}`, PETER_VKEY))).toBe('malformed');
  });

  it('refuses to sign text that is not a note', () => {
    const { privateKey } = generateCheckpointKey();
    expect(() => signNote('no newline', 'k', privateKey)).toThrow(RangeError);
    expect(() => signNote('bell \u0007\n', 'k', privateKey)).toThrow(RangeError);
    expect(() => signNote('ok\n', 'bad name', privateKey)).toThrow(RangeError);
  });
});

describe('checkpoints', () => {
  const { privateKey, publicKey, privateKeyPem } = generateCheckpointKey();
  const key = verifierKey(ORIGIN, publicKey);

  it('writes the body as origin, decimal size and padded base64 root', () => {
    expect(checkpointBody(ORIGIN, 17, ROOT)).toBe(`${ORIGIN}\n17\n${Buffer.from(ROOT).toString('base64')}\n`);
    expect(checkpointBody(ORIGIN, 0, new Uint8Array(32))).toBe(`${ORIGIN}\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n`);
  });

  it('signs with an em-dash signature line over the body, and opens again', () => {
    const note = signCheckpoint(ORIGIN, 1234, ROOT, privateKey);
    const body = checkpointBody(ORIGIN, 1234, ROOT);
    expect(note.startsWith(`${body}\n\u2014 ${ORIGIN} `)).toBe(true);
    expect(note.endsWith('\n')).toBe(true);
    const signatureBytes = Buffer.from(note.slice(body.length + 3 + ORIGIN.length, -1), 'base64');
    expect(signatureBytes).toHaveLength(68);
    expect(signatureBytes.subarray(0, 4).equals(Buffer.from(parseVerifierKey(key).keyId))).toBe(true);
    expect(openNote(note, key)).toBe(body);

    const opened = openCheckpoint(note, key);
    expect(opened.origin).toBe(ORIGIN);
    expect(opened.size).toBe(1234);
    expect(Buffer.from(opened.root).equals(Buffer.from(ROOT))).toBe(true);
  });

  it('signs with the PKCS#8 PEM form of the key too', () => {
    expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(signCheckpoint(ORIGIN, 5, ROOT, privateKeyPem)).toBe(signCheckpoint(ORIGIN, 5, ROOT, privateKey));
    expect(openCheckpoint(signCheckpoint(ORIGIN, 5, ROOT, loadSigningKey(privateKeyPem)), parseVerifierKey(key)).size).toBe(5);
  });

  it('refuses keys that are not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => loadSigningKey(rsa.export({ format: 'pem', type: 'pkcs8' }).toString())).toThrow(/Ed25519/);
    expect(() => signCheckpoint(ORIGIN, 1, ROOT, rsa)).toThrow(/Ed25519/);
    expect(() => signCheckpoint(ORIGIN, 1, ROOT, publicKey)).toThrow(/private key/);
  });

  describe('rejects', () => {
    const note = signCheckpoint(ORIGIN, 1234, ROOT, privateKey);
    const [signatureLine] = note.split('\n').slice(-2);

    it('a forged signature', () => {
      const encoded = Buffer.from(signatureLine.split(' ')[2], 'base64');
      encoded[40] ^= 0x01;
      const forged = note.replace(signatureLine.split(' ')[2], encoded.toString('base64'));
      expect(problemOf(() => openCheckpoint(forged, key))).toBe('bad-signature');
    });

    it('a changed size', () => {
      expect(problemOf(() => openCheckpoint(note.replace('\n1234\n', '\n1235\n'), key))).toBe('bad-signature');
    });

    it('a changed root', () => {
      const otherRoot = Buffer.from(leafHash(Buffer.from('other'))).toString('base64');
      expect(problemOf(() => openCheckpoint(note.replace(Buffer.from(ROOT).toString('base64'), otherRoot), key))).toBe('bad-signature');
    });

    it('a checkpoint signed by another key of the same origin', () => {
      const other = generateCheckpointKey();
      expect(problemOf(() => openCheckpoint(signCheckpoint(ORIGIN, 1234, ROOT, other.privateKey), key))).toBe('unknown-key');
    });

    it('another key whose id collides with ours', () => {
      const other = generateCheckpointKey();
      const theirs = signCheckpoint(ORIGIN, 1234, ROOT, other.privateKey);
      const theirSignature = Buffer.from(theirs.split('\n').slice(-2)[0].split(' ')[2], 'base64');
      const ourId = Buffer.from(parseVerifierKey(key).keyId);
      const spoofed = note.replace(signatureLine.split(' ')[2], Buffer.concat([ourId, theirSignature.subarray(4)]).toString('base64'));
      expect(problemOf(() => openCheckpoint(spoofed, key))).toBe('bad-signature');
    });

    it('a checkpoint of another origin', () => {
      const elsewhere = signCheckpoint('ledger.example.org/yemen', 1234, ROOT, privateKey);
      expect(problemOf(() => openCheckpoint(elsewhere, key))).toBe('wrong-origin');
    });

    it.each([
      ['a fourth body line', note.replace(`\n\n\u2014`, `\nextension\n\n\u2014`)],
      ['a two-line body', note.replace(/\n1234\n/, '\n')],
      ['a size with a leading zero', note.replace('\n1234\n', '\n01234\n')],
      ['a negative size', note.replace('\n1234\n', '\n-1234\n')],
      ['a size beyond 2^53', note.replace('\n1234\n', '\n9007199254740993\n')],
      ['a root of 31 bytes', note.replace(Buffer.from(ROOT).toString('base64'), Buffer.from(ROOT.subarray(1)).toString('base64'))],
      ['an unpadded root', note.replace(Buffer.from(ROOT).toString('base64'), Buffer.from(ROOT).toString('base64').replace(/=$/, ''))],
      ['a URL-safe root', note.replace(Buffer.from(ROOT).toString('base64'), Buffer.from(ROOT).toString('base64url') + '=')],
      ['no blank line', note.replace('\n\n', '\n')],
      ['no final newline', note.slice(0, -1)],
      ['a CRLF body', note.replace(/\n/g, '\r\n')],
      ['no signature', `${checkpointBody(ORIGIN, 1234, ROOT)}\n`],
      ['an empty note', ''],
    ])('%s as malformed', (_label, text) => {
      expect(text).not.toBe(note);
      expect(problemOf(() => openCheckpoint(text, key))).toBe('malformed');
    });
  });
});

describe('origins', () => {
  it.each(['ledger.example.org/syria', 'example.com/behind-the-sofa', 'سجل'])('accepts %s', (origin) => {
    expect(originProblem(origin)).toBeNull();
  });

  it.each(['', 'has space', 'has\ttab', 'a+b', 'line\nbreak', 'nbsp\u00a0', 'ideographic\u3000space', 'nul\u0000', 'lone\ud800'])(
    'rejects %j',
    (origin) => {
      expect(originProblem(origin)).not.toBeNull();
      expect(() => checkpointBody(origin, 1, ROOT)).toThrow(RangeError);
    },
  );

  it('refuses sizes and roots a checkpoint cannot carry', () => {
    expect(() => checkpointBody(ORIGIN, -1, ROOT)).toThrow(RangeError);
    expect(() => checkpointBody(ORIGIN, 1.5, ROOT)).toThrow(RangeError);
    expect(() => checkpointBody(ORIGIN, 1, ROOT.subarray(1))).toThrow(RangeError);
  });
});
