import { claimDocument, claimFacts, deathInterval, foldClaimRecord, sameFacts, UnappliableClaimEvent, type ClaimRecord, type RecordedClaimEvent } from './claim-record.js';

const at = '2026-11-25T08:00:00.000Z';
const actor = { id: 'u-doc', role: 'documenter' as const };
const filed: RecordedClaimEvent = {
  seq: 1,
  version: 1,
  type: 'ClaimFiled',
  schemaVersion: 1,
  occurredAt: at,
  recordedAt: at,
  payload: {
    claimId: 'c-1',
    filedBy: actor,
    victim: { sex: 'female', ageGroup: 'child', civilianStatus: 'civilian' },
    death: { date: '2016-11', precision: 'month' },
    place: { governorate: 'Aleppo', precision: 'governorate' },
    cause: 'shelling',
    perpetrator: 'syrian-regime-forces',
  },
};
const event = (version: number, type: string, payload: object, schemaVersion = 1): RecordedClaimEvent => ({ seq: version, version, type, schemaVersion, occurredAt: at, recordedAt: at, payload });

describe('the claim record read models fold', () => {
  it('shows testimony without the witness identity, and keeps the domain status', () => {
    let record: ClaimRecord = foldClaimRecord(null, filed);
    record = foldClaimRecord(record, event(2, 'TestimonyRecorded', { testimonyId: 't', witness: { pseudonym: 'W-1' }, relation: 'family', statement: 's', language: 'ar', consent: 'internal', recordedBy: actor, protected: { witnessIdentity: { name: 'secret' } } }, 2));
    record = foldClaimRecord(record, event(3, 'ClaimRetracted', { reason: 'r', by: actor }));
    expect(record.state.status).toBe('retracted');
    expect(JSON.stringify(record)).not.toContain('secret');
    expect(record.testimony).toEqual([expect.objectContaining({ witness: { pseudonym: 'W-1' }, recordedAt: at })]);
  });

  it('shows which subjects a testimony names and that its statement is sealed, never a sealed value', () => {
    const sealed = (subject: string) => ({ alg: 'A256GCM', subject, iv: 'aXY=', ciphertext: 'c2VjcmV0', tag: 'dGFn' });
    const relative = 'relative:11111111-1111-4111-8111-111111111111';
    let record = foldClaimRecord(null, filed);
    record = foldClaimRecord(
      record,
      event(2, 'TestimonyRecorded', { testimonyId: 't', witness: { pseudonym: 'W-1' }, relation: 'family', language: 'ar', consent: 'internal', recordedBy: actor, protected: { statement: sealed('witness:W-1'), relatives: [sealed(relative)] } }, 4),
    );
    expect(record.testimony).toEqual([
      { testimonyId: 't', witness: { pseudonym: 'W-1' }, relation: 'family', language: 'ar', consent: 'internal', recordedBy: actor, statementSealed: true, relativeSubjects: [relative], recordedAt: at },
    ]);
    expect(JSON.stringify(record)).not.toContain('c2VjcmV0');
    record = foldClaimRecord(record, event(3, 'VictimDetailsRecorded', { detailsId: 'd', recordedBy: actor, protected: { victimDetails: sealed('victim:c-1') } }));
    expect(JSON.stringify(claimDocument(record))).not.toContain('c2VjcmV0');
  });

  it('shows a victim found alive without a name, now and at every earlier version', () => {
    const named = { ...filed, payload: { ...filed.payload, victim: { name: { latin: 'Living Person' }, sex: 'female', ageGroup: 'child', civilianStatus: 'civilian' } } };
    const before = foldClaimRecord(null, named);
    expect(claimDocument(before).victim).toEqual({ name: { latin: 'Living Person' }, sex: 'female', ageGroup: 'child', civilianStatus: 'civilian' });
    const after = foldClaimRecord(before, event(2, 'VictimFoundAlive', { justification: 'seen alive', by: actor }));
    expect(after.state.status).toBe('retracted');
    expect(claimFacts(after.state).status).toBe('retracted');
    for (const document of [claimDocument(after), claimDocument(before, { victimAlive: true })]) {
      expect(document).toMatchObject({ victimAlive: true, victim: { sex: 'female', ageGroup: 'child', civilianStatus: 'civilian' } });
      expect(JSON.stringify(document)).not.toContain('Living Person');
    }
    expect(claimDocument(before)).not.toHaveProperty('victimAlive');
  });

  it('refuses an event before the filing, a gap in versions, and a second filing', () => {
    expect(() => foldClaimRecord(null, event(2, 'ClaimRetracted', { reason: 'r', by: actor }))).toThrow(UnappliableClaimEvent);
    const record = foldClaimRecord(null, filed);
    expect(() => foldClaimRecord(record, event(3, 'ClaimRetracted', { reason: 'r', by: actor }))).toThrow(/does not follow/);
    expect(() => foldClaimRecord(record, { ...filed, version: 2 })).toThrow(/again/);
  });

  it('derives the statistical facts of fuzzy dates', () => {
    expect(claimFacts(foldClaimRecord(null, filed).state)).toMatchObject({ month: '2016-11', year: '2016', deathFrom: '2016-11-01', deathTo: '2016-11-30' });
    expect(deathInterval({ date: '2016', precision: 'year' })).toEqual(['2016-01-01', '2016-12-31']);
    expect(deathInterval({ from: '2015-09-30', to: '2015-10-02', precision: 'range' })).toEqual(['2015-09-30', '2015-10-02']);
    expect(deathInterval({ date: '2024-02', precision: 'month' })).toEqual(['2024-02-01', '2024-02-29']);
    expect(deathInterval({ precision: 'unknown' })).toEqual([null, null]);
  });

  it('compares facts only, whatever else a stored stretch carries', () => {
    const facts = claimFacts(foldClaimRecord(null, filed).state);
    expect(sameFacts({ ...facts, claimId: 'c-1', fromSeq: 1, toSeq: null } as typeof facts, facts)).toBe(true);
    expect(sameFacts(facts, { ...facts, status: 'verified' })).toBe(false);
  });
});
