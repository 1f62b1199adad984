import { randomBytes } from 'node:crypto';
import { canonicalize } from '../src/jcs.js';
import { isSealedValue, openSealedJson, sealJson, witnessIdentityAad } from '../src/sealed.js';

describe('sealed protected values (AES-256-GCM per data subject)', () => {
  const key = randomBytes(32);
  const aad = witnessIdentityAad('witness:W-17', 't-1');
  const identity = { name: 'Witness Name', contact: '+963-000-17' };

  it('opens with the subject key and the same AAD, never showing the plaintext in the sealed form', () => {
    const sealed = sealJson(identity, 'witness:W-17', key, aad);
    expect(isSealedValue(sealed)).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain('Witness');
    expect(canonicalize(openSealedJson(sealed, key, aad))).toBe(canonicalize(identity));
  });

  it('refuses another key, another AAD and a flipped byte', () => {
    const sealed = sealJson(identity, 'witness:W-17', key, aad);
    expect(() => openSealedJson(sealed, randomBytes(32), aad)).toThrow();
    expect(() => openSealedJson(sealed, key, witnessIdentityAad('witness:W-18', 't-1'))).toThrow();
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[0] ^= 1;
    expect(() => openSealedJson({ ...sealed, ciphertext: bytes.toString('base64') }, key, aad)).toThrow();
  });
});
