import { createHash } from 'node:crypto';
import { BUNDLE_FORMAT, BundleWriter } from '../src/index.js';

describe('BundleWriter', () => {
  it('writes kind first, the rest in RFC 8785 order, one LF per line, and seals them in the end line', () => {
    const writer = new BundleWriter();
    const first = writer.line({ verifierKey: 'k', kind: 'bundle', format: BUNDLE_FORMAT, redacted: true, scope: { b: 1, a: [2] } });
    const second = writer.line({ kind: 'checkpoint', note: 'origin\n1\nroot\n\n— origin sig\n' });
    expect(first).toBe('{"kind":"bundle","format":"evidence-ledger-bundle/1","redacted":true,"scope":{"a":[2],"b":1},"verifierKey":"k"}\n');
    expect(second).toBe('{"kind":"checkpoint","note":"origin\\n1\\nroot\\n\\n— origin sig\\n"}\n');
    expect(writer.lines).toBe(2);
    const sha256 = createHash('sha256').update(first + second).digest('hex');
    expect(writer.sha256).toBe(sha256);
    expect(writer.end()).toBe(`{"kind":"end","lines":2,"sha256":"${sha256}"}\n`);
    expect(writer.sha256).toBe(sha256);
  });

  it('refuses what JSON.stringify would silently drop or rewrite, so an envelope is written as hashed or not at all', () => {
    const writer = new BundleWriter();
    expect(() => writer.line({ kind: 'event', envelope: { seq: undefined } })).toThrow();
    expect(() => writer.line({ kind: 'event', envelope: { at: new Date(0) } })).toThrow();
    expect(() => writer.line({ kind: 'event', envelope: { n: Number.NaN } })).toThrow();
    expect(() => writer.line({ kind: 'source', publisher: '\ud800' })).toThrow();
    expect(() => writer.line({ kind: 'bogus' })).toThrow(/kind/);
    expect(() => writer.line({ kind: 'end', lines: 0 })).toThrow(/kind/);
    expect(writer.lines).toBe(0);
  });

  it('takes nothing after the end line', () => {
    const writer = new BundleWriter();
    writer.line({ kind: 'prov', document: {} });
    writer.end();
    expect(() => writer.line({ kind: 'summary', claimId: 'c', html: '' })).toThrow(/ended/);
    expect(() => writer.end()).toThrow(/ended/);
  });

  it('writes an event line around a served envelope as it is, counted in the digest', () => {
    const writer = new BundleWriter();
    const served = '{"seq":3,"streamId":"claim-c","version":1,"prevHash":null,"hash":"aa"}';
    const line = writer.eventLine(served, ['bb', 'cc']);
    expect(line).toBe(`{"kind":"event","envelope":${served},"inclusionProof":["bb","cc"]}\n`);
    expect(JSON.parse(line)).toEqual({ kind: 'event', envelope: JSON.parse(served), inclusionProof: ['bb', 'cc'] });
    expect(writer.sha256).toBe(createHash('sha256').update(line).digest('hex'));
    expect(() => writer.eventLine('not json', [])).toThrow(RangeError);
    writer.end();
    expect(() => writer.eventLine(served, [])).toThrow(/ended/);
  });
});
