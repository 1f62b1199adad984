import { actors, by, contextFor, decider, knownPerpetrators, source, type Acting } from '../../test/given-when-then.js';
import {
  decideIncident,
  evolveIncident,
  incidentEventFromStored,
  initialIncidentState,
  type IncidentCommand,
  type IncidentDetails,
  type IncidentEvent,
  type IncidentState,
  type ReportedTotals,
} from './incident.js';

const { filer: documenter, otherDocumenter } = actors;
const INCIDENT_ID = '5d1e8a52-7c1b-4d8e-a6f2-0b9c8d7e6f51';

const details: IncidentDetails = {
  code: 'IDL-2018-07-16-ZARDANA',
  date: '2018-07-16',
  precision: 'day',
  place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
  attackType: 'double-tap-airstrike',
  perpetrator: 'russian-forces',
  narrative: 'Two airstrikes on the market; the second hit the rescuers.',
  reported: { killed: { min: 52, max: 52 }, children: { min: 10, max: 10 }, women: { min: 10, max: 10 }, injured: { min: 80, max: null } },
};

const given = decider<IncidentState, IncidentEvent, Acting<IncidentCommand>>({
  decide: ({ actor, command }, state) => decideIncident(command, state, contextFor(actor)),
  evolve: evolveIncident,
  initial: initialIncidentState,
});

const record = (overrides: Partial<IncidentDetails> = {}): IncidentCommand => ({
  type: 'RecordIncident',
  incidentId: INCIDENT_ID,
  details: { ...details, ...overrides },
  knownPerpetrators,
});
const reporting = (reported: ReportedTotals): IncidentCommand => record({ reported });
const recorded: IncidentEvent = { type: 'IncidentRecorded', schemaVersion: 1, data: { incidentId: INCIDENT_ID, ...details, recordedBy: documenter } };
const linked = (claimIds: string[]): IncidentEvent => ({ type: 'IncidentClaimsLinked', schemaVersion: 1, data: { claimIds, by: documenter } });

describe('recording an incident', () => {
  it('records IncidentRecorded with whoever recorded it', () => {
    given([])
      .when(by(documenter, record()))
      .then([
        {
          type: 'IncidentRecorded',
          schemaVersion: 1,
          data: {
            incidentId: INCIDENT_ID,
            code: 'IDL-2018-07-16-ZARDANA',
            date: '2018-07-16',
            precision: 'day',
            place: { governorate: 'Idlib', locality: 'Zardana', precision: 'locality' },
            attackType: 'double-tap-airstrike',
            perpetrator: 'russian-forces',
            narrative: 'Two airstrikes on the market; the second hit the rescuers.',
            reported: { killed: { min: 52, max: 52 }, children: { min: 10, max: 10 }, women: { min: 10, max: 10 }, injured: { min: 80, max: null } },
            recordedBy: documenter,
          },
        },
      ]);
    expect(given([recorded]).state).toEqual({ exists: true, id: INCIDENT_ID, code: 'IDL-2018-07-16-ZARDANA', claimIds: [], sources: 0 });
  });

  it('refuses a second incident with the same code', () => {
    given([recorded]).when(by(otherDocumenter, record())).thenRefuses('INCIDENT.CODE_TAKEN', [], 'conflict');
  });

  it('accepts an incident without a perpetrator or reported totals', () => {
    const { perpetrator: _perpetrator, reported: _reported, ...bare } = details;
    given([])
      .when(by(documenter, { type: 'RecordIncident', incidentId: INCIDENT_ID, details: bare, knownPerpetrators }))
      .then([{ type: 'IncidentRecorded', schemaVersion: 1, data: { incidentId: INCIDENT_ID, ...bare, recordedBy: documenter } }]);
  });

  it('accepts a date range in the past', () => {
    const ranged = record({ date: undefined, from: '2018-07-15', to: '2018-07-16', precision: 'range' });
    expect(decideIncident(ranged, initialIncidentState, contextFor(documenter))).toHaveLength(1);
  });

  it.each<[string, Partial<IncidentDetails>, string[]]>([
    ['a date in the future', { date: '2018-07-21' }, ['/date']],
    ['a date that is not a calendar day', { date: '2018-02-30' }, ['/date']],
    ['a day precision without a date', { date: undefined }, ['/date']],
    ['a range that ends before it starts', { date: undefined, from: '2018-07-10', to: '2018-07-01', precision: 'range' }, ['/to']],
    ['a date with an unknown precision', { precision: 'unknown' }, ['/date']],
  ])('refuses %s', (_what, overrides, paths) => {
    given([]).when(by(documenter, record(overrides))).thenRefuses('INCIDENT.INVALID', paths, 'invalid');
  });

  it.each<[string, IncidentDetails['place'], string[]]>([
    ['an exact place without coordinates', { governorate: 'Idlib', precision: 'exact' }, ['/place/lat']],
    ['a latitude without a longitude', { governorate: 'Idlib', lat: 35.9, precision: 'governorate' }, ['/place/lon']],
    ['a locality precision without a locality', { governorate: 'Idlib', precision: 'locality' }, ['/place/locality']],
    ['a district precision without a district', { governorate: 'Idlib', precision: 'district' }, ['/place/district']],
  ])('refuses %s', (_what, place, paths) => {
    given([]).when(by(documenter, record({ place }))).thenRefuses('INCIDENT.INVALID', paths, 'invalid');
  });

  it('refuses a perpetrator that is not on the managed list', () => {
    given([]).when(by(documenter, record({ perpetrator: 'someone' }))).thenRefuses('INCIDENT.INVALID', ['/perpetrator'], 'invalid');
  });
});

describe('reported totals', () => {
  it('accepts an open-ended figure ("at least 80")', () => {
    expect(decideIncident(reporting({ injured: { min: 80, max: null } }), initialIncidentState, contextFor(documenter))).toHaveLength(1);
  });

  it('accepts as many children and women as were killed', () => {
    expect(
      decideIncident(reporting({ killed: { min: 40, max: 52 }, children: { min: 52, max: 52 }, women: { min: 0, max: 52 } }), initialIncidentState, contextFor(documenter)),
    ).toHaveLength(1);
  });

  it.each(['killed', 'children', 'women', 'injured'] as const)('refuses a %s range whose max is below its min', (figure) => {
    given([])
      .when(by(documenter, reporting({ [figure]: { min: 10, max: 9 } })))
      .thenRefuses('INCIDENT.INVALID', [`/reported/${figure}/max`], 'invalid');
  });

  it.each(['children', 'women'] as const)('refuses more %s at least than the most killed', (part) => {
    given([])
      .when(by(documenter, reporting({ killed: { min: 40, max: 52 }, [part]: { min: 53, max: null } })))
      .thenRefuses('INCIDENT.INVALID', [`/reported/${part}/min`], 'invalid');
  });

  it('has no ceiling for children and women when the killed figure is open-ended', () => {
    expect(decideIncident(reporting({ killed: { min: 40, max: null }, children: { min: 60, max: null } }), initialIncidentState, contextFor(documenter))).toHaveLength(1);
  });
});

describe('linking claims to an incident', () => {
  it('records the claims it links', () => {
    given([recorded])
      .when(by(documenter, { type: 'LinkClaims', claimIds: ['c-1', 'c-2'] }))
      .then([{ type: 'IncidentClaimsLinked', schemaVersion: 1, data: { claimIds: ['c-1', 'c-2'], by: documenter } }]);
    expect(given([recorded, linked(['c-1', 'c-2'])]).state).toMatchObject({ claimIds: ['c-1', 'c-2'] });
  });

  it('adds only claims not linked yet, each once', () => {
    given([recorded, linked(['c-1'])])
      .when(by(documenter, { type: 'LinkClaims', claimIds: ['c-1', 'c-2', 'c-2', 'c-3'] }))
      .then([linked(['c-2', 'c-3'])]);
  });

  it('records nothing when every claim is already linked', () => {
    given([recorded, linked(['c-1', 'c-2'])]).when(by(documenter, { type: 'LinkClaims', claimIds: ['c-2', 'c-1'] })).then([]);
  });

  it('refuses to link claims to an incident that does not exist', () => {
    given([]).when(by(documenter, { type: 'LinkClaims', claimIds: ['c-1'] })).thenRefuses('INCIDENT.NOT_FOUND', [], 'not-found');
  });
});

describe('sources of an incident', () => {
  it('records the source with whoever attached it', () => {
    given([recorded])
      .when(by(documenter, { type: 'AttachIncidentSource', sourceId: 's-1', source }))
      .then([{ type: 'IncidentSourceAttached', schemaVersion: 1, data: { sourceId: 's-1', ...source, attachedBy: documenter } }]);
  });

  it('refuses a source for an incident that does not exist', () => {
    given([]).when(by(documenter, { type: 'AttachIncidentSource', sourceId: 's-1', source })).thenRefuses('INCIDENT.NOT_FOUND', [], 'not-found');
  });
});

describe('stored incident events', () => {
  it('reads a stored event as it was stored', () => {
    expect(incidentEventFromStored('IncidentRecorded', 1, recorded.data)).toEqual(recorded);
  });

  it('refuses an unknown type or schema version', () => {
    expect(() => incidentEventFromStored('ClaimFiled', 1, {})).toThrow('ClaimFiled is not an incident event');
    expect(() => incidentEventFromStored('IncidentRecorded', 2, {})).toThrow('IncidentRecorded schema version 2 is unknown');
  });
});
