import { actors, contextFor } from '../../test/given-when-then.js';
import { decideDataSubject, evolveDataSubject, initialDataSubjectState, witnessSubject, type DataSubjectEvent } from './data-subject.js';

describe('a data subject', () => {
  const subject = witnessSubject('W-17');
  const disclose = { type: 'Disclose' as const, subject, claimId: 'c-1', testimonyId: 't-1', purpose: 'court order 17/2026' };

  it('records each disclosure with who received it and why', () => {
    const events = decideDataSubject(disclose, initialDataSubjectState, contextFor(actors.filer));
    expect(events).toEqual([
      { type: 'ProtectedDataDisclosed', schemaVersion: 1, data: { subject, claimId: 'c-1', testimonyId: 't-1', purpose: 'court order 17/2026', disclosedTo: actors.filer } },
    ]);
  });

  it('once erased, discloses nothing and is not erased twice', () => {
    const erased: DataSubjectEvent = { type: 'PersonalDataErased', schemaVersion: 1, data: { subject, reason: 'witness request', by: actors.filer } };
    const state = evolveDataSubject(initialDataSubjectState, erased, '2026-11-25T08:00:00.000Z');
    expect(() => decideDataSubject(disclose, state, contextFor(actors.filer))).toThrow(expect.objectContaining({ code: 'PERSONAL_DATA.ERASED' }));
    expect(() => decideDataSubject({ type: 'Erase', subject, reason: 'again' }, state, contextFor(actors.filer))).toThrow(expect.objectContaining({ code: 'PERSONAL_DATA.ERASED' }));
  });
});
