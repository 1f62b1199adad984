import { LedgerLogger } from './process.js';
import { runInRequestContext } from './request-context.js';

/** The line the logger would write, without writing it. */
class LineProbe extends LedgerLogger {
  line(message: string, params?: Record<string, unknown>): Record<string, unknown> {
    return this.getJsonLogObject(message, { context: 'Probe', logLevel: 'log', params });
  }
}

describe('LedgerLogger', () => {
  const logger = new LineProbe('Probe', { json: true, flattenParams: true });

  it('adds the correlation id of the request a line is written for', () => {
    const line = runInRequestContext({ correlationId: 'c0a8012e-0000-4000-8000-000000000002' }, () => logger.line('filed'));
    expect(line).toMatchObject({ level: 'log', message: 'filed', context: 'Probe', correlationId: 'c0a8012e-0000-4000-8000-000000000002' });
  });

  it('writes none outside a request', () => {
    expect(logger.line('sequenced')).not.toHaveProperty('correlationId');
  });

  it('puts structured params on the line itself', () => {
    expect(logger.line('POST /claims 201', { route: '/claims', status: 201 })).toMatchObject({ route: '/claims', status: 201 });
  });
});
