import { claimSummaryHtml, type ClaimSummaryInput } from '../src/index.js';
import { buildFixture } from './bundle-fixture.js';

describe('claimSummaryHtml', () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const fixture = buildFixture({ victimName: hostile });
  const [rich] = fixture.claims;
  const envelopes = fixture.ledger.stream(rich.streamId, 10);
  const input: ClaimSummaryInput = {
    claimId: rich.claimId,
    envelopes,
    origin: fixture.ledger.origin,
    exportId: fixture.exportId,
    createdAt: '2026-11-25T08:00:00.000Z',
    treeSize: fixture.ledger.tree.size,
    verifierKey: fixture.ledger.verifierKey,
    redacted: true,
  };
  const identity = rich.identity as { name: string; contact: string };
  const disclosures = new Map<string, unknown>([[rich.testimonyEventId as string, identity]]);

  it('has no script and loads nothing, and says so in a Content-Security-Policy', () => {
    const html = claimSummaryHtml(input);
    expect(html.toLowerCase()).not.toContain('<script');
    expect(html).not.toMatch(/<[a-z][^<>]*\s(?:src|href|on[a-z]+)=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('escapes every value from the ledger, a hostile victim name included', () => {
    const html = claimSummaryHtml(input);
    expect(html).not.toContain(hostile);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('shows the victim, the death, the cause, the perpetrator, the status reached and the timeline', () => {
    const html = claimSummaryHtml(input);
    for (const text of ['أحمد الحسين', 'male', '34 years', 'adult', 'civilian', 'civil-defence', '2018-07-16', 'Zardana</bdi>, <bdi>Idlib', 'double-tap-airstrike', 'russian-forces']) {
      expect(html).toContain(text);
    }
    expect(html).toContain('Status reached: <strong>verified</strong>, grade <strong>confirmed</strong>');
    for (const envelope of envelopes) expect(html).toContain(`<tr><td>${envelope.seq}</td><td>${envelope.version}</td><td><bdi>${envelope.occurredAt}</bdi></td>`);
    expect(html).toContain('<bdi>u-lead</bdi> (lead-verifier)');
    expect(html).toContain('resolved: <bdi>dismiss-dispute</bdi>');
  });

  it('lists the sources with their SHA-256, verifications and disputes, and how to verify the bundle', () => {
    const html = claimSummaryHtml(input);
    expect(html).toContain(`<code><bdi>${'a1'.repeat(32)}</bdi></code>`);
    expect(html).toContain('Hospital record matches.');
    expect(html).toContain('Date conflicts with a report.');
    expect(html).toContain('npm run ledger -- verify-bundle &lt;file&gt;');
    expect(html).toContain(`<th>Checkpoint tree size</th><td>${fixture.ledger.tree.size}</td>`);
    expect(html).toContain(fixture.exportId);
    expect(html).toContain(fixture.ledger.verifierKey.replace(/\+/g, '+'));
  });

  it('names witnesses by pseudonym and never shows a sealed identity in a redacted bundle, even when handed one', () => {
    const html = claimSummaryHtml({ ...input, disclosures });
    expect(html).toContain('W-17');
    expect(html).not.toContain(identity.name);
    expect(html).not.toContain(identity.contact);
    expect(html).not.toContain('Protected personal data');
  });

  it('shows a disclosed identity of an unredacted bundle only in a clearly marked block', () => {
    const html = claimSummaryHtml({ ...input, redacted: false, disclosures });
    const block = html.slice(html.indexOf('<section class="protected">'));
    expect(block).toContain('Protected personal data: witness identities');
    expect(block).toContain(identity.name);
    expect(html.indexOf(identity.name)).toBeGreaterThan(html.indexOf('<section class="protected">'));
    expect(claimSummaryHtml({ ...input, redacted: false })).not.toContain('class="protected"');
  });

  it('never names a victim found alive, redacted or not, and says why', () => {
    const last = envelopes[envelopes.length - 1];
    const alive = {
      ...last,
      version: last.version + 1,
      seq: (last.seq ?? 0) + 1,
      eventId: '00000000-0000-4000-8000-0000000000a1',
      type: 'VictimFoundAlive',
      payload: { justification: 'Seen alive by the field team', by: { id: 'u-lead', role: 'lead-verifier' } },
    };
    for (const redacted of [true, false]) {
      const html = claimSummaryHtml({ ...input, envelopes: [...envelopes, alive], redacted, disclosures });
      expect(html).not.toContain('أحمد الحسين');
      expect(html).not.toContain('&lt;img src=x');
      expect(html).toContain('withheld: the person was found alive');
      expect(html).toContain('Status reached: <strong>retracted</strong>');
      expect(html).toContain('Seen alive by the field team');
      expect(html).toContain(`<title>claim ${rich.claimId} — evidence bundle summary</title>`);
    }
  });
});
