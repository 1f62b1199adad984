import { actors, by, contextFor, decider, type Acting } from '../../test/given-when-then.js';
import {
  decidePerpetratorList,
  evolvePerpetratorList,
  initialPerpetratorList,
  perpetratorEventFromStored,
  type PerpetratorEvent,
  type PerpetratorListState,
} from './perpetrator-list.js';

type AddPerpetrator = Parameters<typeof decidePerpetratorList>[0];

const { admin } = actors;
const given = decider<PerpetratorListState, PerpetratorEvent, Acting<AddPerpetrator>>({
  decide: ({ actor, command }, state) => decidePerpetratorList(command, state, contextFor(actor)),
  evolve: evolvePerpetratorList,
  initial: initialPerpetratorList,
});
const add = (code: string, name: string): AddPerpetrator => ({ type: 'AddPerpetrator', code, name });
const added = (code: string, name: string): PerpetratorEvent => ({ type: 'PerpetratorAdded', schemaVersion: 1, data: { code, name, by: admin } });

describe('the managed perpetrator list', () => {
  it('starts with the ten codes of the API', () => {
    expect(given([]).state.map((p) => p.code)).toEqual([
      'russian-forces',
      'syrian-regime-forces',
      'iranian-backed-militias',
      'armed-opposition',
      'hts',
      'isis',
      'sdf',
      'international-coalition',
      'turkish-forces',
      'not-identified',
    ]);
  });

  it('adds a new code with its name and whoever added it', () => {
    given([])
      .when(by(admin, add('wagner-group', 'Wagner Group')))
      .then([{ type: 'PerpetratorAdded', schemaVersion: 1, data: { code: 'wagner-group', name: 'Wagner Group', by: admin } }]);
    expect(given([added('wagner-group', 'Wagner Group')]).state).toHaveLength(11);
    expect(given([added('wagner-group', 'Wagner Group')]).state.at(-1)).toEqual({ code: 'wagner-group', name: 'Wagner Group' });
  });

  it('refuses a code from the initial list', () => {
    given([]).when(by(admin, add('isis', 'Islamic State'))).thenRefuses('PERPETRATOR.EXISTS', [], 'conflict');
  });

  it('refuses a code added earlier', () => {
    given([added('wagner-group', 'Wagner Group')]).when(by(admin, add('wagner-group', 'PMC Wagner'))).thenRefuses('PERPETRATOR.EXISTS', [], 'conflict');
  });

  it('reads a stored PerpetratorAdded and refuses anything else', () => {
    const event = added('wagner-group', 'Wagner Group');
    expect(perpetratorEventFromStored('PerpetratorAdded', 1, event.data)).toEqual(event);
    expect(() => perpetratorEventFromStored('PerpetratorAdded', 2, event.data)).toThrow('PerpetratorAdded v2 is not a perpetrator list event');
    expect(() => perpetratorEventFromStored('PerpetratorRemoved', 1, event.data)).toThrow('PerpetratorRemoved v1 is not a perpetrator list event');
  });
});
