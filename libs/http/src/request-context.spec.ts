import { correlationIdFrom, currentCorrelationId, runInRequestContext } from './request-context.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlationIdFrom', () => {
  it('keeps a UUID header, in lower case', () => {
    expect(correlationIdFrom(' 1B4E28BA-2FA1-11D2-883F-0016D3CCA427 ')).toBe('1b4e28ba-2fa1-11d2-883f-0016d3cca427');
    expect(correlationIdFrom(['c0a8012e-0000-4000-8000-000000000002', 'ignored'])).toBe('c0a8012e-0000-4000-8000-000000000002');
  });

  it('makes a new one when the header is missing or not a UUID (it is recorded in envelopes as a UUID)', () => {
    for (const header of [undefined, '', 'abc', 'c0a8012e-0000-4000-8000-00000000000', 'c0a8012e-0000-4000-8000-000000000002\nx']) {
      expect(correlationIdFrom(header)).toMatch(UUID_V4);
    }
    expect(correlationIdFrom(undefined)).not.toBe(correlationIdFrom(undefined));
  });
});

describe('runInRequestContext', () => {
  it('carries the id through awaits and timers, and only inside', async () => {
    expect(currentCorrelationId()).toBeUndefined();
    const seen = await runInRequestContext({ correlationId: 'c-1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentCorrelationId();
    });
    expect(seen).toBe('c-1');
    expect(currentCorrelationId()).toBeUndefined();
  });

  it('keeps two requests apart when they interleave', async () => {
    const one = runInRequestContext({ correlationId: 'one' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return currentCorrelationId();
    });
    const two = runInRequestContext({ correlationId: 'two' }, async () => currentCorrelationId());
    expect(await Promise.all([one, two])).toEqual(['one', 'two']);
  });
});
