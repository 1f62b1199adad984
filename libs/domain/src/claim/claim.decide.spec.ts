import { decider } from '../../test/given-when-then.js';
import type { CommandContext } from '../shared/command-context.js';
import { decideClaim, type ClaimCommand } from './claim.decide.js';
import type { ClaimEvent } from './claim.events.js';
import { evolveClaim, initialClaimState, type ClaimState } from './claim.state.js';
import type { ClaimDetails, SealedData } from './claim.types.js';
import { INITIAL_PERPETRATORS } from './claim.vocabulary.js';

const context: CommandContext = {
  commandId: '00000000-0000-4000-8000-000000000001',
  correlationId: '00000000-0000-4000-8000-000000000001',
  causationId: '00000000-0000-4000-8000-000000000001',
  actor: { id: 'u-doc-1', role: 'documenter' },
  issuedAt: new Date('2018-07-20T10:00:00.000Z'),
};
const known = new Set(INITIAL_PERPETRATORS.map((p) => p.code));
const claimId = '9a34f235-dba1-810b-92a2-690a2efa0e35';

const details: ClaimDetails = {
  victim: { name: { arabic: 'أحمد', latin: 'Ahmad' }, sex: 'male', age: 34, ageGroup: 'adult', civilianStatus: 'civilian', protectedRole: 'civil-defence' },
  death: { date: '2018-07-16', precision: 'day' },
  place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
  cause: 'double-tap-airstrike',
  perpetrator: 'russian-forces',
};

const given = decider<ClaimState, ClaimEvent, ClaimCommand>({
  decide: (command, state) => decideClaim(command, state, context),
  evolve: evolveClaim,
  initial: initialClaimState,
});
const sealedName: SealedData = { alg: 'A256GCM', subject: `victim:${claimId}`, iv: 'bmFtZWl2MTIzNDU2', ciphertext: 'bmFtZWNpcGhlcg==', tag: 'bmFtZXRhZzAxMjM0NTY3OA==' };
const { name: _name, ...unnamedVictim } = details.victim;
/** The edge seals the name: the domain gets the details without it, and the sealed value beside them. */
const file = (overrides: Partial<ClaimDetails>): ClaimCommand => {
  const merged = { ...details, ...overrides };
  const { name, ...victim } = merged.victim;
  return { type: 'FileClaim', claimId, details: { ...merged, victim }, ...(name ? { sealedVictimName: sealedName } : {}), knownPerpetrators: known };
};
const filed: ClaimEvent = { type: 'ClaimFiled', schemaVersion: 2, data: { claimId, filedBy: context.actor, ...details, victim: unnamedVictim, protected: { victimName: sealedName } } };

describe('filing a claim', () => {
  it('records ClaimFiled with the filer', () => {
    given([]).when(file({})).then([filed]);
  });

  it('refuses to file the same claim twice', () => {
    given([filed]).when(file({})).thenRefuses('CLAIM.ALREADY_EXISTS');
  });

  it('accepts an unknown name, sex and age', () => {
    const anonymous = { sex: 'unknown', ageGroup: 'unknown', civilianStatus: 'unknown' } as const;
    given([]).when(file({ victim: anonymous })).then([
      { type: 'ClaimFiled', schemaVersion: 2, data: { claimId, filedBy: context.actor, ...details, victim: anonymous } },
    ]);
  });

  it('records the name only sealed, never in the clear', () => {
    const [event] = decideClaim(file({}), initialClaimState, context);
    expect(JSON.stringify(event)).not.toContain('Ahmad');
    expect(event).toEqual(filed);
  });

  it('refuses a name in the clear: the edge seals it under the victim\'s key first', () => {
    given([]).when({ type: 'FileClaim', claimId, details, knownPerpetrators: known }).thenRefuses('PROTECTION.NOT_SEALED');
  });

  it('refuses a name sealed under another subject than victim:<claimId>', () => {
    const elsewhere = { ...sealedName, subject: 'victim:3f0c1c2e-5b7a-4e8e-9d0a-1b2c3d4e5f60' };
    given([]).when({ type: 'FileClaim', claimId, details: { ...details, victim: unnamedVictim }, sealedVictimName: elsewhere, knownPerpetrators: known }).thenRefuses('PROTECTION.WRONG_SUBJECT');
  });

  it.each([
    [7, 'adult'],
    [17, 'adult'],
    [18, 'child'],
    [40, 'unknown'],
  ] as const)('refuses age %i with age group %s (a child is under 18)', (age, ageGroup) => {
    given([]).when(file({ victim: { ...details.victim, age, ageGroup } })).thenRefuses('CLAIM.INVALID', ['/victim/ageGroup']);
  });

  it('refuses a perpetrator that is not on the managed list', () => {
    given([]).when(file({ perpetrator: 'someone' })).thenRefuses('CLAIM.INVALID', ['/perpetrator']);
  });

  it.each([
    [{ date: '2018-02-30', precision: 'day' }, ['/death/date']],
    [{ date: '2018-07', precision: 'day' }, ['/death/date']],
    [{ precision: 'day' }, ['/death/date']],
    [{ date: '2018-07-21', precision: 'day' }, ['/death/date']],
    [{ date: '2018-13', precision: 'month' }, ['/death/date']],
    [{ from: '2018-07-10', to: '2018-07-01', precision: 'range' }, ['/death/to']],
    [{ date: '2018-07-16', from: '2018-07-01', precision: 'range' }, ['/death/date', '/death/to']],
    [{ date: '2018', precision: 'unknown' }, ['/death/date']],
  ] as const)('refuses the death date %j', (death, paths) => {
    given([]).when(file({ death: { ...death } })).thenRefuses('CLAIM.INVALID', [...paths]);
  });

  it.each([
    [{ date: '2018-07', precision: 'month' }],
    [{ date: '2018', precision: 'year' }],
    [{ from: '2018-07-01', to: '2018-07-19', precision: 'range' }],
    [{ precision: 'unknown' }],
  ] as const)('accepts the fuzzy death date %j', (death) => {
    expect(decideClaim(file({ death: { ...death } }), initialClaimState, context)).toHaveLength(1);
  });

  it('needs coordinates for an exact place, and both of them', () => {
    given([]).when(file({ place: { governorate: 'Idlib', precision: 'exact' } })).thenRefuses('CLAIM.INVALID', ['/place/lat']);
    given([]).when(file({ place: { governorate: 'Idlib', lat: 35.9, precision: 'governorate' } })).thenRefuses('CLAIM.INVALID', ['/place/lon']);
  });

  it('evolves a filed claim to status submitted (its sealed name stays out of the state)', () => {
    expect(evolveClaim(initialClaimState, filed)).toEqual({
      exists: true,
      id: claimId,
      status: 'submitted',
      details: { ...details, victim: unnamedVictim },
      filedBy: context.actor,
      grade: null,
      duplicateOf: null,
      evidence: 0,
      testimonyRecorders: [],
      approvals: [],
      disputes: [],
    });
  });
});
