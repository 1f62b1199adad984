import { commandOutcome, routeTemplate } from './observe-requests.js';

describe('routeTemplate', () => {
  it('turns Express parameters into OpenAPI templates, so no id reaches a label or a log', () => {
    expect(routeTemplate('/claims/:id/testimony/:testimonyId/witness-identity/disclosures')).toBe(
      '/claims/{id}/testimony/{testimonyId}/witness-identity/disclosures',
    );
    expect(routeTemplate('/health/ready')).toBe('/health/ready');
  });

  it('names a request no route matched without its URL', () => {
    expect(routeTemplate(undefined)).toBe('(unmatched)');
    expect(routeTemplate(/^\/x/)).toBe('(unmatched)');
  });
});

describe('commandOutcome', () => {
  it.each([
    [201, false, 'accepted'],
    [200, false, 'accepted'],
    [201, true, 'replayed'],
    [400, false, 'invalid'],
    [413, false, 'invalid'],
    [415, false, 'invalid'],
    [403, false, 'refused'],
    [404, false, 'refused'],
    [409, false, 'refused'],
    [412, false, 'refused'],
    [422, false, 'refused'],
    [500, false, 'failed'],
    [503, false, 'failed'],
  ] as const)('%i (replayed: %s) is %s', (status, replayed, outcome) => {
    expect(commandOutcome(status, replayed)).toBe(outcome);
  });
});
