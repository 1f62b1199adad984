import { actors, contextFor } from '../../test/given-when-then.js';
import {
  dataSubjectEventFromStored,
  decideDataSubject,
  evolveDataSubject,
  initialDataSubjectState,
  parseDataSubject,
  protectedItem,
  relativeSubject,
  victimSubject,
  witnessSubject,
  type DataSubjectEvent,
} from './data-subject.js';

const CLAIM = '9a34f235-dba1-810b-92a2-690a2efa0e35';
const RELATIVE = '3f0c1c2e-5b7a-4e8e-9d0a-1b2c3d4e5f60';

describe('a data subject', () => {
  const subject = witnessSubject('W-17');
  const disclose = { type: 'Disclose' as const, subject, claimId: 'c-1', items: ['testimony/t-1/witness-identity'], purpose: 'court order 17/2026' };

  it('records each disclosure with who received it, why, and every value opened', () => {
    const events = decideDataSubject(disclose, initialDataSubjectState, contextFor(actors.filer));
    expect(events).toEqual([
      {
        type: 'ProtectedDataDisclosed',
        schemaVersion: 2,
        data: { subject, claimId: 'c-1', items: ['testimony/t-1/witness-identity'], purpose: 'court order 17/2026', disclosedTo: actors.filer },
      },
    ]);
  });

  it('refuses a disclosure that would open nothing: the claim holds no data of the subject', () => {
    expect(() => decideDataSubject({ ...disclose, items: [] }, initialDataSubjectState, contextFor(actors.admin))).toThrow(
      expect.objectContaining({ code: 'PERSONAL_DATA.NOT_FOUND', kind: 'not-found' }),
    );
  });

  it('once erased, discloses nothing and is not erased twice', () => {
    const erased: DataSubjectEvent = { type: 'PersonalDataErased', schemaVersion: 1, data: { subject, reason: 'witness request', by: actors.filer } };
    const state = evolveDataSubject(initialDataSubjectState, erased, '2026-11-25T08:00:00.000Z');
    expect(() => decideDataSubject(disclose, state, contextFor(actors.filer))).toThrow(expect.objectContaining({ code: 'PERSONAL_DATA.ERASED' }));
    expect(() => decideDataSubject({ type: 'Erase', subject, reason: 'again' }, state, contextFor(actors.filer))).toThrow(expect.objectContaining({ code: 'PERSONAL_DATA.ERASED' }));
  });

  it('reads a ProtectedDataDisclosed v1 (one witness identity) as v2 naming that item', () => {
    const v1 = { subject, claimId: 'c-1', testimonyId: 't-1', purpose: 'court order', disclosedTo: actors.lead1 };
    expect(dataSubjectEventFromStored('ProtectedDataDisclosed', 1, v1)).toEqual({
      type: 'ProtectedDataDisclosed',
      schemaVersion: 2,
      data: { subject, claimId: 'c-1', items: ['testimony/t-1/witness-identity'], purpose: 'court order', disclosedTo: actors.lead1 },
    });
    expect(v1).toEqual({ subject, claimId: 'c-1', testimonyId: 't-1', purpose: 'court order', disclosedTo: actors.lead1 });
  });

  it.each([
    ['ProtectedDataDisclosed', 3],
    ['PersonalDataErased', 2],
  ])('refuses %s schema version %i, which it does not know', (type, version) => {
    expect(() => dataSubjectEventFromStored(type, version, {})).toThrow(`${type} schema version ${version} is unknown`);
  });
});

describe('data subject names', () => {
  it('names witnesses by pseudonym, relatives by their own id, victims by claim', () => {
    expect(parseDataSubject(witnessSubject('W-17'))).toEqual({ kind: 'witness', id: 'W-17' });
    expect(parseDataSubject(relativeSubject(RELATIVE))).toEqual({ kind: 'relative', id: RELATIVE });
    expect(parseDataSubject(victimSubject(CLAIM))).toEqual({ kind: 'victim', id: CLAIM });
  });

  it.each(['witness:', 'witness: W-1', 'relative:abc', `victim:${CLAIM.toUpperCase()}`, `victim:${CLAIM} `, `family:${CLAIM}`, CLAIM, ''])('knows no subject %j', (name) => {
    expect(parseDataSubject(name)).toBeNull();
  });

  it('locates each protected value of a claim for the disclosure record', () => {
    expect([protectedItem.witnessIdentity('t-1'), protectedItem.statement('t-1'), protectedItem.relative('t-1'), protectedItem.victimDetails('d-1')]).toEqual([
      'testimony/t-1/witness-identity',
      'testimony/t-1/statement',
      'testimony/t-1/relative',
      'victim-details/d-1',
    ]);
  });
});
