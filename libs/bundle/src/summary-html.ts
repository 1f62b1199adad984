import type { LedgerEnvelope } from '@ledger/proof';

export interface ClaimSummaryInput {
  readonly claimId: string;
  /** The claim stream's events, in version order. */
  readonly envelopes: readonly LedgerEnvelope[];
  readonly origin: string;
  readonly exportId: string;
  readonly createdAt: string;
  /** The checkpoint's tree size. */
  readonly treeSize: number;
  readonly verifierKey: string;
  readonly redacted: boolean;
  /** Opened sealed values by eventId; shown only in an unredacted bundle. */
  readonly disclosures?: ReadonlyMap<string, unknown>;
  /**
   * Victims' names by the eventId that seals them (ClaimFiled / ClaimAmended schema 2): exactly
   * the bundle's victim-name disclosure lines, which the verifier checks against the ciphertext.
   * A sealed name with none (its key erased) is not shown.
   */
  readonly victimNames?: ReadonlyMap<string, unknown>;
}

type Payload = Readonly<Record<string, unknown>>;

interface TimelineEntry {
  readonly envelope: LedgerEnvelope;
  readonly what: string;
}

interface DisputeRecord {
  readonly disputeId: string;
  opened?: LedgerEnvelope;
  resolved?: LedgerEnvelope;
}

/** What the claim's events add up to, folded as the domain folds them (libs/domain evolveClaim). */
interface ClaimRecord {
  details: Payload;
  status: string;
  grade: string | null;
  duplicateOf: string | null;
  /** A VictimFoundAlive event: the page never shows the name of a living person. */
  victimAlive: boolean;
  /** The current name is sealed and the bundle does not disclose it (its key was erased). */
  nameSealed: boolean;
  filed: LedgerEnvelope | null;
  readonly timeline: TimelineEntry[];
  readonly sources: LedgerEnvelope[];
  readonly testimony: LedgerEnvelope[];
  readonly verifications: LedgerEnvelope[];
  readonly disputes: Map<string, DisputeRecord>;
}

/**
 * Self-contained HTML for one claim: no script, no external resource (a Content-Security-Policy
 * forbids both), every value from the ledger escaped. Witnesses appear by pseudonym; an identity
 * appears only in an unredacted bundle, from `disclosures`, in a block marked as protected data.
 */
export function claimSummaryHtml(input: ClaimSummaryInput): string {
  const claim = foldClaim(input.envelopes, input.victimNames ?? new Map());
  const victim = record(claim.details.victim);
  const name: Payload = claim.victimAlive ? {} : record(victim.name);
  const title = text(name.latin) ?? text(name.arabic) ?? text(name.alias) ?? `claim ${input.claimId}`;
  const body = [
    `<header><h1>Casualty claim <bdi>${escapeHtml(input.claimId)}</bdi></h1>`,
    `<p>Status reached: <strong>${escapeHtml(claim.status)}</strong>${claim.grade === null ? '' : `, grade <strong>${escapeHtml(claim.grade)}</strong>`}${
      claim.duplicateOf === null ? '' : `, duplicate of claim <bdi>${escapeHtml(claim.duplicateOf)}</bdi>`
    }. Exported from <bdi>${escapeHtml(input.origin)}</bdi> on ${escapeHtml(input.createdAt)} (export <bdi>${escapeHtml(input.exportId)}</bdi>, ${
      input.redacted ? 'redacted' : '<strong>unredacted</strong>'
    }).</p></header>`,
    victimSection(claim),
    timelineSection(claim),
    sourcesSection(claim),
    testimonySection(claim),
    verificationsSection(claim),
    disputesSection(claim),
    input.redacted ? '' : disclosureSection(claim, input.disclosures),
    verifySection(input, claim),
  ];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)} — evidence bundle summary</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body.filter((part) => part !== ''),
    '</body></html>',
    '',
  ].join('\n');
}

const STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4;color:#111}',
  'table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}',
  'th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:start;vertical-align:top}',
  'th{background:#eee}',
  'code{font-size:.85em;word-break:break-all}',
  '.protected{border:3px solid #b00;padding:0 1rem;background:#fff4f4}',
  '.protected h2{color:#b00}',
].join('');

function foldClaim(envelopes: readonly LedgerEnvelope[], victimNames: ReadonlyMap<string, unknown>): ClaimRecord {
  const claim: ClaimRecord = {
    details: {},
    status: 'unknown',
    grade: null,
    duplicateOf: null,
    victimAlive: false,
    nameSealed: false,
    filed: null,
    timeline: [],
    sources: [],
    testimony: [],
    verifications: [],
    disputes: new Map(),
  };
  const dispute = (id: unknown): DisputeRecord => {
    const key = text(id) ?? '(no id)';
    let found = claim.disputes.get(key);
    if (found === undefined) claim.disputes.set(key, (found = { disputeId: key }));
    return found;
  };
  for (const envelope of envelopes) {
    const data: Payload = record(envelope.payload);
    let what: string;
    switch (envelope.type) {
      case 'ClaimFiled': {
        const { claimId: _claimId, filedBy: _filedBy, protected: sealed, ...details } = data;
        const opened = withVictimName(envelope, record(details.victim), sealed, victimNames);
        claim.details = { ...details, victim: opened.victim };
        claim.nameSealed = opened.nameSealed;
        claim.status = 'submitted';
        claim.filed = envelope;
        what = 'Claim filed';
        break;
      }
      case 'TestimonyRecorded':
        claim.testimony.push(envelope);
        what = `Testimony recorded from witness ${show(record(data.witness).pseudonym)} (${show(data.relation)}; consent: ${show(data.consent)})`;
        break;
      case 'SourceAttached':
        claim.sources.push(envelope);
        what = `Source attached: ${show(data.type)} from ${show(data.publisher)}`;
        break;
      case 'ReviewStarted':
        claim.status = 'under-review';
        what = 'Review started';
        break;
      case 'VerificationRecorded':
        claim.verifications.push(envelope);
        if (text(data.grade) !== undefined) claim.grade = text(data.grade) ?? null;
        what = `Verification: ${show(data.verdict)}${data.grade === undefined ? '' : `, grade ${show(data.grade)}`} — ${show(data.rationale)}`;
        break;
      case 'ClaimDisputed':
        dispute(data.disputeId).opened = envelope;
        claim.status = 'disputed';
        what = `Dispute ${show(data.disputeId)} opened — ${show(data.rationale)}`;
        break;
      case 'DisputeResolved': {
        dispute(data.disputeId).resolved = envelope;
        const stillOpen = [...claim.disputes.values()].some((d) => d.opened !== undefined && d.resolved === undefined);
        if (data.outcome === 'dismiss-dispute' && !stillOpen && claim.status === 'disputed') claim.status = 'under-review';
        what = `Dispute ${show(data.disputeId)} resolved: ${show(data.outcome)} — ${show(data.rationale)}`;
        break;
      }
      case 'ClaimVerified':
        claim.status = 'verified';
        what = `Claim verified (approved by ${list(data.approvedBy)}; ${show(data.requiredApprovals)} required)`;
        break;
      case 'ClaimRejected':
        claim.status = 'rejected';
        what = `Claim rejected (dispute ${show(data.disputeId)})`;
        break;
      case 'ClaimAmended': {
        const changes = record(data.changes);
        if (changes.victim !== undefined) {
          const opened = withVictimName(envelope, record(changes.victim), data.protected, victimNames);
          claim.details = { ...claim.details, ...changes, victim: opened.victim };
          claim.nameSealed = opened.nameSealed;
        } else claim.details = { ...claim.details, ...changes };
        what = `Amended ${escapeHtml(Object.keys(changes).join(', ') || 'nothing')} — ${show(data.reason)}`;
        break;
      }
      case 'ReturnedToReview':
        claim.status = 'under-review';
        what = `Returned to review (${show(data.reason)})`;
        break;
      case 'ClaimRetracted':
        claim.status = 'retracted';
        what = `Retracted — ${show(data.reason)}`;
        break;
      case 'ClaimMarkedDuplicate':
        claim.status = 'duplicate';
        claim.duplicateOf = text(data.survivorId) ?? null;
        what = `Marked a duplicate of claim ${show(data.survivorId)} — ${show(data.rationale)}`;
        break;
      case 'ClaimLinkedToIncident':
        claim.details = { ...claim.details, incidentId: data.incidentId };
        what = `Linked to incident ${show(data.incidentId)}`;
        break;
      case 'VictimDetailsRecorded':
        what = 'Protected details of the victim recorded (sealed; never shown here)';
        break;
      case 'VictimFoundAlive':
        claim.status = 'retracted';
        claim.victimAlive = true;
        what = `The victim was found alive: claim closed, protected details erased — ${show(data.justification)}`;
        break;
      default:
        what = escapeHtml(envelope.type);
    }
    claim.timeline.push({ envelope, what });
  }
  return claim;
}

/** The victim with the name its event seals, when the bundle discloses it (checked by the verifier). */
function withVictimName(envelope: LedgerEnvelope, victim: Payload, sealed: unknown, victimNames: ReadonlyMap<string, unknown>): { victim: Payload; nameSealed: boolean } {
  if (record(sealed).victimName === undefined) return { victim, nameSealed: false };
  const name = victimNames.get(envelope.eventId);
  return name === undefined ? { victim, nameSealed: true } : { victim: { ...victim, name }, nameSealed: false };
}

function victimSection(claim: ClaimRecord): string {
  const details = claim.details;
  const victim = record(details.victim);
  const name: Payload = claim.victimAlive ? {} : record(victim.name);
  const death = record(details.death);
  const place = record(details.place);
  const nameRows = NAME_PARTS.filter(([part]) => name[part] !== undefined).map(([part, label]) => row(label, show(name[part])));
  const age = victim.age === undefined ? show(victim.ageGroup) : `${show(victim.age)} years (${show(victim.ageGroup)})`;
  const rows = [
    ...(nameRows.length > 0
      ? nameRows
      : [row('Name', claim.victimAlive ? 'withheld: the person was found alive' : claim.nameSealed ? 'sealed: not readable (its key was erased)' : 'not recorded')]),
    row('Sex', show(victim.sex)),
    row('Age', age),
    row('Civilian status', show(victim.civilianStatus)),
    row('Protected role', victim.protectedRole === undefined ? 'none recorded' : show(victim.protectedRole)),
    row('Date of death', deathDate(death)),
    row('Place of death', placeText(place)),
    row('Cause', show(details.cause)),
    row('Perpetrator', show(details.perpetrator)),
    ...(details.incidentId === undefined ? [] : [row('Incident', show(details.incidentId))]),
  ];
  return `<section><h2>Victim and death</h2><table>${rows.join('')}</table></section>`;
}

const NAME_PARTS: ReadonlyArray<readonly [string, string]> = [
  ['arabic', 'Name (Arabic)'],
  ['latin', 'Name (Latin)'],
  ['given', 'Given name'],
  ['father', 'Father’s name'],
  ['family', 'Family name'],
  ['alias', 'Also known as'],
];

function deathDate(death: Payload): string {
  const precision = show(death.precision);
  if (death.date !== undefined) return `${show(death.date)} (precision: ${precision})`;
  if (death.from !== undefined || death.to !== undefined) return `between ${show(death.from)} and ${show(death.to)} (precision: ${precision})`;
  return `not known (precision: ${precision})`;
}

function placeText(place: Payload): string {
  const parts = [place.locality, place.district, place.governorate].filter((part) => part !== undefined).map(show);
  const where = parts.length > 0 ? parts.join(', ') : 'not recorded';
  const at = place.lat === undefined || place.lon === undefined ? '' : `; ${show(place.lat)}, ${show(place.lon)}`;
  return `${where}${at} (precision: ${show(place.precision)})`;
}

function timelineSection(claim: ClaimRecord): string {
  const rows = claim.timeline.map(
    ({ envelope, what }) =>
      `<tr><td>${show(envelope.seq)}</td><td>${show(envelope.version)}</td><td>${show(envelope.occurredAt)}</td><td>${actor(envelope)}</td><td>${what}</td></tr>`,
  );
  return `<section><h2>Timeline</h2><table><tr><th>seq</th><th>version</th><th>time</th><th>actor (role)</th><th>what happened</th></tr>${rows.join('')}</table></section>`;
}

function sourcesSection(claim: ClaimRecord): string {
  if (claim.sources.length === 0) return '<section><h2>Sources</h2><p>No source attached.</p></section>';
  const rows = claim.sources.map((envelope) => {
    const data = record(envelope.payload);
    const where = [data.url, data.archivedUrl].filter((url) => url !== undefined).map((url) => `<code>${show(url)}</code>`);
    return `<tr><td>${show(data.type)}</td><td>${show(data.publisher)}${where.length > 0 ? `<br>${where.join('<br>')}` : ''}</td><td>${show(data.connection)}, ${show(
      data.reliability,
    )}</td><td><code>${show(data.contentSha256)}</code></td><td>seq ${show(envelope.seq)}</td></tr>`;
  });
  return `<section><h2>Sources</h2><p>Anyone holding a source document can hash it (SHA-256) and compare.</p><table><tr><th>type</th><th>publisher</th><th>connection, reliability</th><th>SHA-256</th><th>attached</th></tr>${rows.join(
    '',
  )}</table></section>`;
}

function testimonySection(claim: ClaimRecord): string {
  if (claim.testimony.length === 0) return '';
  const rows = claim.testimony.map((envelope) => {
    const data = record(envelope.payload);
    return `<tr><td>${show(record(data.witness).pseudonym)}</td><td>${show(data.relation)}</td><td>${show(data.language)}</td><td>${show(data.consent)}</td><td>${actor(
      envelope,
    )}, seq ${show(envelope.seq)}</td><td>${
      data.statement === undefined && record(data.protected).statement !== undefined ? 'sealed as sensitive: readable only through a recorded disclosure' : show(data.statement)
    }</td></tr>`;
  });
  return `<section><h2>Testimony</h2><p>Witnesses appear by pseudonym only.</p><table><tr><th>witness</th><th>relation</th><th>language</th><th>consent</th><th>recorded by</th><th>statement</th></tr>${rows.join(
    '',
  )}</table></section>`;
}

function verificationsSection(claim: ClaimRecord): string {
  if (claim.verifications.length === 0) return '<section><h2>Verifications</h2><p>None recorded.</p></section>';
  const rows = claim.verifications.map((envelope) => {
    const data = record(envelope.payload);
    return `<tr><td>${show(envelope.seq)}</td><td>${show(envelope.occurredAt)}</td><td>${actor(envelope)}</td><td>${show(data.verdict)}</td><td>${
      data.grade === undefined ? '—' : show(data.grade)
    }</td><td>${show(data.rationale)}</td></tr>`;
  });
  return `<section><h2>Verifications</h2><table><tr><th>seq</th><th>time</th><th>verifier (role)</th><th>verdict</th><th>grade</th><th>rationale</th></tr>${rows.join(
    '',
  )}</table></section>`;
}

function disputesSection(claim: ClaimRecord): string {
  if (claim.disputes.size === 0) return '';
  const rows = [...claim.disputes.values()].map(({ disputeId, opened, resolved }) => {
    const openedText = opened === undefined ? '—' : `seq ${show(opened.seq)}, ${actor(opened)}: ${show(record(opened.payload).rationale)}`;
    const resolution = resolved === undefined ? 'open' : `${show(record(resolved.payload).outcome)} (seq ${show(resolved.seq)}, ${actor(resolved)}): ${show(record(resolved.payload).rationale)}`;
    return `<tr><td><bdi>${escapeHtml(disputeId)}</bdi></td><td>${openedText}</td><td>${resolution}</td></tr>`;
  });
  return `<section><h2>Disputes</h2><table><tr><th>dispute</th><th>opened</th><th>resolution</th></tr>${rows.join('')}</table></section>`;
}

function disclosureSection(claim: ClaimRecord, disclosures: ReadonlyMap<string, unknown> | undefined): string {
  const rows = claim.testimony
    .filter((envelope) => disclosures?.has(envelope.eventId) === true)
    .map((envelope) => {
      const identity = disclosures?.get(envelope.eventId);
      const fields = typeof identity === 'object' && identity !== null && !Array.isArray(identity)
        ? Object.entries(identity).map(([key, value]) => `${escapeHtml(key)}: ${show(value)}`).join('<br>')
        : show(identity);
      return `<tr><td>${show(record(record(envelope.payload).witness).pseudonym)}</td><td>${fields}</td></tr>`;
    });
  if (rows.length === 0) return '';
  return [
    '<section class="protected"><h2>Protected personal data: witness identities</h2>',
    '<p><strong>This bundle was exported unredacted, on an explicit and recorded request. The identities below are protected personal data: use them only for that request, and do not copy or publish them.</strong></p>',
    `<table><tr><th>witness</th><th>identity</th></tr>${rows.join('')}</table></section>`,
  ].join('');
}

function verifySection(input: ClaimSummaryInput, claim: ClaimRecord): string {
  const head = input.envelopes[input.envelopes.length - 1];
  return [
    '<section><h2>How to verify this bundle</h2>',
    '<p>This page is for people and proves nothing by itself. The bundle file it came with holds every event of this claim, each with its SHA-256 hash and a Merkle inclusion proof against the ledger’s signed checkpoint. To check all of it, without trusting the server:</p>',
    '<ul><li>with the ledger’s code: <code>npm run ledger -- verify-bundle &lt;file&gt; --key &lt;verifier key&gt;</code></li>',
    '<li>offline, with only Node.js: <code>node verify-bundle.js &lt;file&gt; --key &lt;verifier key&gt;</code> (the standalone verifier, docs/BUNDLE-FORMAT.md “Verifying”)</li></ul>',
    '<p>Compare the verifier key with the one the ledger publishes (<code>GET /ledger/key</code>) or one kept on record; exit status 0 means every hash, chain link, signature and proof holds.</p>',
    '<table>',
    row('Export id', `<bdi>${escapeHtml(input.exportId)}</bdi>`),
    row('Ledger origin', `<bdi>${escapeHtml(input.origin)}</bdi>`),
    row('Checkpoint tree size', show(input.treeSize)),
    row('Verifier key', `<code>${escapeHtml(input.verifierKey)}</code>`),
    head === undefined ? '' : row('This claim’s last event', `version ${show(head.version)}, seq ${show(head.seq)}, hash <code>${show(head.hash)}</code>`),
    claim.filed === null ? '' : row('Filed', `seq ${show(claim.filed.seq)} by ${actor(claim.filed)}`),
    '</table></section>',
  ].join('');
}

function row(label: string, value: string): string {
  return `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;
}

function actor(envelope: LedgerEnvelope): string {
  return `<bdi>${escapeHtml(envelope.actor.id)}</bdi> (${escapeHtml(envelope.actor.role)})`;
}

/** A ledger value as escaped HTML; text in <bdi> so Arabic and Latin mix without reordering. */
function show(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'string') return `<bdi>${escapeHtml(value)}</bdi>`;
  if (typeof value === 'number' || typeof value === 'boolean') return escapeHtml(String(value));
  return `<code>${escapeHtml(JSON.stringify(value))}</code>`;
}

function list(value: unknown): string {
  return Array.isArray(value) ? value.map(show).join(', ') : show(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function record(value: unknown): Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Payload) : {};
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}
