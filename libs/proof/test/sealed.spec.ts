import { randomBytes } from 'node:crypto';
import { canonicalize } from '../src/jcs.js';
import { isSealedValue, openSealedJson, sealedValueAad, sealJson, valueKey, victimNameAad, witnessIdentityAad } from '../src/sealed.js';

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

  it('binds each value to its kind: a relative cannot be opened as a witness identity or a statement', () => {
    expect(witnessIdentityAad('witness:W-17', 't-1')).toBe('evidence-ledger/witness-identity\nwitness:W-17\nt-1');
    const subject = 'relative:11111111-1111-4111-8111-111111111111';
    const sealed = sealJson({ name: 'Relative Name', relation: 'mother' }, subject, key, sealedValueAad('relative', subject, 't-1'));
    expect(openSealedJson(sealed, key, sealedValueAad('relative', subject, 't-1'))).toEqual({ name: 'Relative Name', relation: 'mother' });
    expect(() => openSealedJson(sealed, key, sealedValueAad('testimony-statement', subject, 't-1'))).toThrow();
    expect(() => openSealedJson(sealed, key, sealedValueAad('relative', subject, 't-2'))).toThrow();
  });

  it('seals a victim name under a value key that opens that one value and nothing else of the subject', () => {
    const subject = 'victim:11111111-1111-4111-8111-111111111111';
    const aad = victimNameAad(subject, '11111111-1111-4111-8111-111111111111');
    expect(aad).toBe(`evidence-ledger/victim-name\n${subject}\n11111111-1111-4111-8111-111111111111`);
    const nameKey = valueKey(key, aad);
    expect(nameKey).toHaveLength(32);
    expect(Buffer.from(nameKey).equals(Buffer.from(valueKey(key, aad)))).toBe(true);
    const sealed = sealJson({ latin: 'Victim Name' }, subject, nameKey, aad);
    expect(openSealedJson(sealed, nameKey, aad)).toEqual({ latin: 'Victim Name' });
    // Neither the data key itself nor the value key of another place opens it.
    expect(() => openSealedJson(sealed, key, aad)).toThrow();
    const other = victimNameAad(subject, '22222222-2222-4222-8222-222222222222');
    expect(() => openSealedJson(sealed, valueKey(key, other), other)).toThrow();
    // The value key does not open the subject's details sealed under the data key.
    const details = sealJson({ note: 'n' }, subject, key, sealedValueAad('victim-details', subject, 'd-1'));
    expect(() => openSealedJson(details, nameKey, sealedValueAad('victim-details', subject, 'd-1'))).toThrow();
  });
});
