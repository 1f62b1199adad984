import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { generateCheckpointKey, MemoryMerkleTree, signCheckpoint, toHex, verifierKey } from '@ledger/proof';
import { provIds, verifyBundle, type BundleFailure, type BundleVerdict } from '../src/index.js';
import { buildFixture, chunks, envelopeAt, eventLineIndex, parseLine, sealLines, type Fixture } from './bundle-fixture.js';

function failureOf(verdict: BundleVerdict): BundleFailure {
  if (verdict.ok) throw new Error('expected the bundle to fail verification, but it verified');
  return verdict.failure;
}

async function verifyText(text: string, trustedKey?: string): Promise<BundleVerdict> {
  return verifyBundle(chunks(text, 4096), trustedKey === undefined ? {} : { trustedKey });
}

/** Applies an edit to one parsed line and reseals the end line, as a careful forger would. */
function editLine(fixture: Fixture, index: number, edit: (value: Record<string, unknown>) => void): string {
  const body = [...fixture.body];
  const value = parseLine(body[index]);
  edit(value);
  body[index] = JSON.stringify(value);
  return sealLines(body);
}

function lineIndex(fixture: Fixture, kind: string): number {
  const index = fixture.body.findIndex((line) => parseLine(line).kind === kind);
  if (index < 0) throw new Error(`no ${kind} line`);
  return index;
}

describe('verifyBundle', () => {
  let redacted: Fixture;
  let open: Fixture;

  beforeAll(() => {
    redacted = buildFixture();
    open = buildFixture({ redacted: false });
  });

  describe('a bundle written as the exporter writes it', () => {
    it('verifies, and says what it verified', async () => {
      const verdict = await verifyText(redacted.text);
      expect(verdict).toMatchObject({
        ok: true,
        exportId: redacted.exportId,
        origin: 'ledger.test/bundles',
        treeSize: redacted.ledger.tree.size,
        root: toHex(redacted.ledger.tree.root()),
        streams: 4,
        events: 10 + 3 + 3 + 1,
        claims: 2,
        sources: 3,
        // The one victim name sealed in a ClaimFiled v2 (claim B): in every bundle, redacted too.
        disclosures: 1,
        redacted: true,
        keyPinned: false,
        consistency: [
          { fromSize: expect.any(Number), checked: true },
          { fromSize: 3, checked: false },
        ],
      });
    });

    it('verifies whatever the chunking: byte by byte, across line ends, from a Readable', async () => {
      const expected = await verifyText(redacted.text);
      expect(await verifyBundle(chunks(redacted.text, 1))).toEqual(expected);
      expect(await verifyBundle(chunks(redacted.text, 7))).toEqual(expected);
      expect(await verifyBundle(Readable.from(chunks(redacted.text, 65536)))).toEqual(expected);
      expect(await verifyBundle([redacted.text])).toEqual(expected);
    });

    it('verifies with the right key pinned', async () => {
      expect(await verifyText(redacted.text, `${redacted.ledger.verifierKey}\n`)).toMatchObject({ ok: true, keyPinned: true });
    });

    it('verifies an unredacted bundle, opening every disclosure', async () => {
      expect(await verifyText(open.text)).toMatchObject({ ok: true, redacted: false, disclosures: 2 });
    });

    it('shows a sealed victim name only from its checked name line: the event line holds ciphertext alone', async () => {
      const named = redacted.claims[1];
      const filed = redacted.body[eventLineIndex(redacted.body, named.streamId, 1)];
      expect(filed).not.toContain(named.victimName);
      expect(filed).toContain('"victimName":{"alg":"A256GCM"');
      const summary = redacted.body.find((line) => line.includes('"kind":"summary"') && line.includes(named.claimId)) as string;
      expect(summary).toContain(named.victimName);
      // Without its name line (a victim whose key was erased) the bundle verifies and shows no name.
      const index = redacted.body.findIndex((line) => line.includes('"kind":"disclosure"') && line.includes(named.sealedName?.eventId as string));
      expect(await verifyText(sealLines(redacted.body.filter((_, i) => i !== index)))).toMatchObject({ ok: true, disclosures: 0 });
    });

    it('verifies a bundle of many claims', async () => {
      const many = buildFixture({ extraClaims: 40 });
      expect(await verifyText(many.text)).toMatchObject({ ok: true, claims: 42, sources: 43 });
    });
  });

  describe('rejects each tampering, naming the check', () => {
    it('an edited payload: the event hash', async () => {
      const index = eventLineIndex(redacted.body, redacted.claims[0].streamId, 1);
      const text = editLine(redacted, index, (line) => {
        const payload = (line.envelope as { payload: { victim: { age: number } } }).payload;
        payload.victim.age = 35;
      });
      const envelope = envelopeAt(redacted.body, index);
      expect(failureOf(await verifyText(text))).toMatchObject({
        line: index + 1,
        check: 'event-hash',
        seq: envelope.seq,
        streamId: envelope.streamId,
        version: 1,
        detail: expect.stringContaining(`hash is ${envelope.hash}`),
      });
    });

    it('an event dropped from the middle of a stream: the version continuity', async () => {
      const stream = redacted.claims[0].streamId;
      const index = eventLineIndex(redacted.body, stream, 4);
      const body = redacted.body.filter((_, i) => i !== index);
      const next = envelopeAt(redacted.body, index + 1);
      expect(failureOf(await verifyText(sealLines(body)))).toMatchObject({
        line: index + 1,
        check: 'version',
        streamId: stream,
        version: 5,
        seq: next.seq,
        detail: 'version 5 follows version 3, expected version 4',
      });
    });

    it('the last event of a stream dropped: the completeness manifest', async () => {
      const stream = redacted.claims[0].streamId;
      const index = eventLineIndex(redacted.body, stream, 10);
      const body = redacted.body.filter((_, i) => i !== index);
      const manifestLine = eventLineIndex(body, redacted.exportStream, 1) + 1;
      const failure = failureOf(await verifyText(sealLines(body)));
      expect(failure).toMatchObject({ line: manifestLine, check: 'manifest', streamId: stream, version: 10 });
      expect(failure.detail).toContain(`stream ${stream} ends at version 9`);
      expect(failure.detail).toContain(`head hash ${envelopeAt(redacted.body, index).hash}`);
    });

    it('two events of a stream swapped: the version continuity', async () => {
      const stream = redacted.claims[0].streamId;
      const index = eventLineIndex(redacted.body, stream, 5);
      const body = [...redacted.body];
      [body[index], body[index + 1]] = [body[index + 1], body[index]];
      expect(failureOf(await verifyText(sealLines(body)))).toMatchObject({ line: index + 1, check: 'version', streamId: stream, version: 6 });
    });

    it('an event of another exported stream spliced in: the stream lines must be consecutive', async () => {
      const [rich, small] = redacted.claims;
      const moved = eventLineIndex(redacted.body, rich.streamId, 10);
      const body = redacted.body.filter((_, i) => i !== moved);
      const index = eventLineIndex(body, small.streamId, 2);
      body.splice(index, 0, redacted.body[moved]);
      expect(failureOf(await verifyText(sealLines(body)))).toMatchObject({
        line: index + 1,
        check: 'stream-order',
        streamId: rich.streamId,
        version: 10,
        detail: `stream ${rich.streamId} resumes here after line ${moved}, expected its events on consecutive lines`,
      });
    });

    it('a proven event of a stream the export left out: the completeness manifest', async () => {
      const foreign = redacted.ledger.stream(redacted.otherStream)[0];
      const line = JSON.stringify({ kind: 'event', envelope: foreign, inclusionProof: redacted.ledger.inclusionProof(foreign.seq) });
      const last = eventLineIndex(redacted.body, redacted.exportStream, 1);
      const body = [...redacted.body.slice(0, last + 1), line, ...redacted.body.slice(last + 1)];
      const failure = failureOf(await verifyText(sealLines(body)));
      expect(failure).toMatchObject({ check: 'manifest', streamId: redacted.otherStream });
      expect(failure.detail).toContain('is not in the export');
    });

    it('an inclusion proof from another tree: the inclusion check', async () => {
      const index = eventLineIndex(redacted.body, redacted.claims[0].streamId, 3);
      const envelope = envelopeAt(redacted.body, index);
      const otherTree = new MemoryMerkleTree();
      otherTree.appendLeafInputs(Array.from({ length: redacted.ledger.tree.size }, (_, i) => Buffer.from(`leaf ${i}`)));
      const text = editLine(redacted, index, (line) => {
        line.inclusionProof = otherTree.inclusionProof(envelope.seq - 1).map(toHex);
      });
      expect(failureOf(await verifyText(text))).toMatchObject({ line: index + 1, check: 'inclusion', seq: envelope.seq, streamId: envelope.streamId, version: 3 });
    });

    it('a checkpoint signed by another key: the checkpoint signature', async () => {
      const { tree, origin } = redacted.ledger;
      const forged = signCheckpoint(origin, tree.size, tree.root(), generateCheckpointKey().privateKey);
      const text = editLine(redacted, lineIndex(redacted, 'checkpoint'), (line) => {
        line.note = forged;
      });
      expect(failureOf(await verifyText(text))).toMatchObject({ line: 2, check: 'checkpoint-signature', detail: expect.stringContaining('no signature by key') });
    });

    it('a bundle re-signed under a forger key verifies alone, and fails once the real key is pinned', async () => {
      const forger = generateCheckpointKey();
      const { tree, origin } = redacted.ledger;
      const forgedKey = verifierKey(origin, forger.publicKey);
      const body = [...redacted.body];
      body[0] = JSON.stringify({ ...parseLine(body[0]), verifierKey: forgedKey });
      body[1] = JSON.stringify({ kind: 'checkpoint', note: signCheckpoint(origin, tree.size, tree.root(), forger.privateKey) });
      // Its earlier checkpoint is the ledger's, which the forger cannot re-sign: keep only the unsigned proof.
      const text = sealLines(body.filter((line) => !(parseLine(line).kind === 'consistency' && parseLine(line).note !== undefined)));
      expect(await verifyText(text)).toMatchObject({ ok: true, verifierKey: forgedKey, keyPinned: false });
      expect(failureOf(await verifyText(text, redacted.ledger.verifierKey))).toMatchObject({
        line: 1,
        check: 'trusted-key',
        detail: `the bundle's verifier key is ${forgedKey}, expected the pinned key ${redacted.ledger.verifierKey}`,
      });
    });

    it('another key pinned with --key: the trusted key', async () => {
      const other = verifierKey(redacted.ledger.origin, generateCheckpointKey().publicKey);
      expect(failureOf(await verifyText(redacted.text, other))).toMatchObject({ line: 1, check: 'trusted-key' });
    });

    it('a file truncated in the middle of a line', async () => {
      const cut = redacted.text.length - 10;
      const lines = redacted.text.slice(0, cut).split('\n').length;
      expect(failureOf(await verifyText(redacted.text.slice(0, cut)))).toMatchObject({ line: lines, check: 'truncated', detail: expect.stringContaining('middle of line') });
      const midEvent = redacted.text.indexOf('"kind":"event"', 2000);
      expect(failureOf(await verifyText(redacted.text.slice(0, midEvent)))).toMatchObject({ check: 'truncated' });
    });

    it('a file truncated at a line boundary', async () => {
      const withoutEnd = redacted.body.map((line) => `${line}\n`).join('');
      expect(failureOf(await verifyText(withoutEnd))).toMatchObject({ line: redacted.body.length + 1, check: 'truncated', detail: expect.stringContaining('without an end line') });
      const fewer = redacted.body.slice(0, 8).map((line) => `${line}\n`).join('');
      expect(failureOf(await verifyText(fewer))).toMatchObject({ line: 9, check: 'truncated' });
      expect(failureOf(await verifyText(''))).toMatchObject({ line: 1, check: 'truncated', detail: 'the file is empty' });
    });

    it('a line after the end line, even a blank one', async () => {
      const lines = redacted.body.length + 2;
      expect(failureOf(await verifyText(`${redacted.text}{"kind":"summary"}\n`))).toMatchObject({ line: lines, check: 'end' });
      expect(failureOf(await verifyText(`${redacted.text}\n`))).toMatchObject({ line: lines, check: 'end' });
      expect(failureOf(await verifyText(`${redacted.text} `))).toMatchObject({ line: lines, check: 'end' });
    });

    it('a line changed without resealing: the end digest', async () => {
      const index = lineIndex(redacted, 'summary');
      const body = [...redacted.body];
      body[index] = JSON.stringify({ ...parseLine(body[index]), html: '<!doctype html><p>forged</p>' });
      const text = `${body.join('\n')}\n${redacted.text.slice(redacted.text.lastIndexOf('{"kind":"end"'))}`;
      expect(failureOf(await verifyText(text))).toMatchObject({ line: body.length + 1, check: 'end', detail: expect.stringContaining("the end line's sha256 is") });
    });

    it('a source line whose SHA-256 differs from its event', async () => {
      const index = lineIndex(redacted, 'source');
      const eventId = parseLine(redacted.body[index]).eventId as string;
      const text = editLine(redacted, index, (line) => {
        line.contentSha256 = 'ff'.repeat(32);
      });
      const failure = failureOf(await verifyText(text));
      expect(failure).toMatchObject({ line: index + 1, check: 'source', streamId: redacted.claims[0].streamId, version: 3 });
      expect(failure.detail).toBe(`contentSha256 is "${'ff'.repeat(32)}", expected "${'a1'.repeat(32)}" as the event attests`);
      expect(eventId).toBe(redacted.ledger.stream(redacted.claims[0].streamId)[2].eventId);
    });

    it('a source event without its source line', async () => {
      const index = lineIndex(redacted, 'source');
      const body = redacted.body.filter((_, i) => i !== index);
      expect(failureOf(await verifyText(sealLines(body)))).toMatchObject({ check: 'source', detail: expect.stringContaining('has no source line') });
    });

    it('a PROV activity associated with the wrong agent', async () => {
      const verification = redacted.ledger.stream(redacted.claims[0].streamId)[4];
      const association = provIds.association(verification.eventId);
      const text = editLine(redacted, lineIndex(redacted, 'prov'), (line) => {
        const document = line.document as { wasAssociatedWith: Record<string, Record<string, unknown>> };
        document.wasAssociatedWith[association]['prov:agent'] = provIds.agent('u-ver2');
      });
      expect(failureOf(await verifyText(text))).toMatchObject({
        check: 'prov',
        seq: verification.seq,
        streamId: verification.streamId,
        version: 5,
        detail: `wasAssociatedWith ${association}: prov:agent is "ledger:agent/u-ver2", expected "ledger:agent/u-ver1"`,
      });
    });

    it('a PROV activity or agent that no event supports', async () => {
      const prov = lineIndex(redacted, 'prov');
      const extraAgent = editLine(redacted, prov, (line) => {
        (line.document as { agent: Record<string, unknown> }).agent['ledger:agent/ghost'] = { 'prov:type': { $: 'prov:Person', type: 'prov:QUALIFIED_NAME' }, 'ledger:role': ['verifier'] };
      });
      expect(failureOf(await verifyText(extraAgent))).toMatchObject({ check: 'prov', detail: 'agent ledger:agent/ghost is not supported by any event of the bundle' });
      const wrongType = editLine(redacted, prov, (line) => {
        const activity = (line.document as { activity: Record<string, Record<string, unknown>> }).activity;
        const id = provIds.activity(redacted.ledger.stream(redacted.claims[0].streamId)[0].eventId);
        activity[id]['prov:type'] = { $: 'ledger:Verification', type: 'prov:QUALIFIED_NAME' };
      });
      expect(failureOf(await verifyText(wrongType))).toMatchObject({ check: 'prov', version: 1, detail: expect.stringContaining('prov:type is {"$":"ledger:Verification"') });
    });

    it('a disclosure whose plaintext differs from the sealed value, without echoing it', async () => {
      const index = lineIndex(open, 'disclosure');
      const text = editLine(open, index, (line) => {
        line.plaintext = { name: 'Someone Else', contact: '+963-000-0000' };
      });
      const failure = failureOf(await verifyText(text));
      expect(failure).toMatchObject({ line: index + 1, check: 'disclosure', detail: expect.stringContaining('the plaintext differs from the sealed value of witness:W-17') });
      expect(failure.detail).not.toContain('Someone Else');
    });

    it('a victim name line whose name is not the one sealed, without echoing it', async () => {
      const named = redacted.claims[1].sealedName as NonNullable<Fixture['claims'][number]['sealedName']>;
      const index = redacted.body.findIndex((line) => line.includes('"kind":"disclosure"') && line.includes(named.eventId));
      expect(index).toBeGreaterThan(0);
      const text = editLine(redacted, index, (line) => {
        line.plaintext = { latin: 'Invented Name' };
      });
      const failure = failureOf(await verifyText(text));
      expect(failure).toMatchObject({ line: index + 1, check: 'disclosure', detail: expect.stringContaining(`the plaintext differs from the sealed value of ${named.subject}`) });
      expect(failure.detail).not.toContain('Invented');
      expect(failure.detail).not.toContain(named.name.latin);
    });

    it('a victim name line whose key is not the value key of that name', async () => {
      const named = redacted.claims[1].sealedName as NonNullable<Fixture['claims'][number]['sealedName']>;
      const index = redacted.body.findIndex((line) => line.includes('"kind":"disclosure"') && line.includes(named.eventId));
      const text = editLine(redacted, index, (line) => {
        line.dataKey = Buffer.alloc(32, 9).toString('base64');
      });
      expect(failureOf(await verifyText(text))).toMatchObject({ check: 'disclosure', detail: expect.stringContaining(`does not open the sealed value of ${named.subject}`) });
    });

    it('a victim name line for an event that seals no name', async () => {
      const named = redacted.claims[1].sealedName as NonNullable<Fixture['claims'][number]['sealedName']>;
      const index = redacted.body.findIndex((line) => line.includes('"kind":"disclosure"') && line.includes(named.eventId));
      const other = redacted.ledger.stream(redacted.claims[1].streamId)[1].eventId;
      const text = editLine(redacted, index, (line) => {
        line.eventId = other;
      });
      expect(failureOf(await verifyText(text))).toMatchObject({ check: 'disclosure', detail: expect.stringContaining('a redacted bundle carries no disclosure') });
    });

    it('a disclosure with a data key that does not open the sealed value', async () => {
      const index = lineIndex(open, 'disclosure');
      const text = editLine(open, index, (line) => {
        line.dataKey = Buffer.alloc(32, 7).toString('base64');
      });
      expect(failureOf(await verifyText(text))).toMatchObject({ check: 'disclosure', detail: expect.stringContaining('does not open') });
    });

    it('an unknown member, in a line or inside an envelope', async () => {
      const header = editLine(redacted, 0, (line) => {
        line.comment = 'hello';
      });
      expect(failureOf(await verifyText(header))).toMatchObject({ line: 1, check: 'unknown-member', detail: expect.stringContaining('"comment"') });
      const index = eventLineIndex(redacted.body, redacted.claims[0].streamId, 2);
      const inEnvelope = editLine(redacted, index, (line) => {
        (line.envelope as Record<string, unknown>).links = [];
      });
      expect(failureOf(await verifyText(inEnvelope))).toMatchObject({ line: index + 1, check: 'envelope', version: 2, detail: 'invalid envelope: unexpected member "links"' });
    });

    it('a redacted bundle that carries a disclosure', async () => {
      const disclosure = open.body[lineIndex(open, 'disclosure')];
      const prov = lineIndex(redacted, 'prov');
      const body = [...redacted.body.slice(0, prov), disclosure, ...redacted.body.slice(prov)];
      expect(failureOf(await verifyText(sealLines(body)))).toMatchObject({ line: prov + 1, check: 'disclosure', detail: expect.stringContaining('a redacted bundle carries no disclosure') });
    });

    it('lines out of order, or missing', async () => {
      const swapped = [redacted.body[1], redacted.body[0], ...redacted.body.slice(2)];
      expect(failureOf(await verifyText(sealLines(swapped)))).toMatchObject({ line: 1, check: 'line-order', detail: 'expected a bundle line before this checkpoint line' });
      const prov = lineIndex(redacted, 'prov');
      const source = lineIndex(redacted, 'source');
      const late = [...redacted.body.slice(0, source + 1), redacted.body[source - 1], ...redacted.body.slice(source + 1)];
      expect(failureOf(await verifyText(sealLines(late)))).toMatchObject({ line: source + 2, check: 'line-order', detail: expect.stringContaining('an event line cannot follow source lines') });
      const noProv = redacted.body.filter((_, i) => i !== prov);
      expect(failureOf(await verifyText(sealLines(noProv)))).toMatchObject({ line: prov + 1, check: 'line-order', detail: 'expected a prov line before this summary line' });
    });

    it('a summary missing for an exported claim', async () => {
      const summary = lineIndex(redacted, 'summary');
      const body = redacted.body.filter((_, i) => i !== summary);
      expect(failureOf(await verifyText(sealLines(body)))).toMatchObject({ check: 'summary', streamId: redacted.claims[0].streamId, detail: expect.stringContaining('has no summary') });
    });

    it('a manifest that disagrees with the header', async () => {
      const text = editLine(redacted, 0, (line) => {
        line.redacted = false;
      });
      expect(failureOf(await verifyText(text))).toMatchObject({ check: 'manifest', streamId: redacted.exportStream, version: 1, detail: expect.stringContaining('redacted') });
    });

    it('a consistency proof that does not lead from the earlier checkpoint', async () => {
      const index = lineIndex(redacted, 'consistency');
      const text = editLine(redacted, index, (line) => {
        line.proof = (line.proof as string[]).map((hash, i) => (i === 0 ? '00'.repeat(32) : hash));
      });
      expect(failureOf(await verifyText(text))).toMatchObject({ line: index + 1, check: 'consistency' });
    });

    it('a PROV document that is not strict I-JSON, or no object', async () => {
      const prov = lineIndex(redacted, 'prov');
      const raw = redacted.body[prov];
      const withBody = (line: string): string => sealLinesRaw([...redacted.body.slice(0, prov), line, ...redacted.body.slice(prov + 1)]);
      const twice = raw.replace('"document":{', '"document":{"used":{},');
      expect(failureOf(await verifyText(withBody(twice)))).toMatchObject({ line: prov + 1, check: 'json', detail: expect.stringContaining('duplicate member name "used"') });
      const deep = raw.replace('"prov:startTime":', '"prov:startTime":"x","prov:startTime":');
      expect(failureOf(await verifyText(withBody(deep)))).toMatchObject({ line: prov + 1, check: 'json', detail: expect.stringContaining('duplicate') });
      const emptied = editLine(redacted, prov, (line) => {
        (line.document as Record<string, unknown>).wasAttributedTo = {};
      });
      const filed = redacted.ledger.stream(redacted.claims[0].streamId)[0];
      expect(failureOf(await verifyText(emptied))).toMatchObject({ check: 'prov', seq: filed.seq, detail: `wasAttributedTo ${provIds.attribution(filed.eventId)} is missing` });
      expect(failureOf(await verifyText(withBody('{"kind":"prov","document":[]}')))).toMatchObject({ check: 'prov', detail: 'the PROV document must be a JSON object' });
    });

    it('accepts the same lines with their members in another order and with spaces (any JSON writer)', async () => {
      const reordered = redacted.body.map((line) => {
        const { kind, ...rest } = parseLine(line);
        return JSON.stringify({ ...rest, kind }, null, 1).replace(/\n/g, '');
      });
      expect(await verifyText(sealLinesRaw(reordered))).toMatchObject({ ok: true, events: 17 });
    });

    it('text that is not one I-JSON object per line', async () => {
      const duplicate = `${redacted.body[0].slice(0, -1)},"redacted":false}`;
      expect(failureOf(await verifyText(sealLinesRaw([duplicate, ...redacted.body.slice(1)])))).toMatchObject({ line: 1, check: 'json', detail: expect.stringContaining('duplicate') });
      expect(failureOf(await verifyText(`\n${redacted.text}`))).toMatchObject({ line: 1, check: 'json' });
      expect(failureOf(await verifyText(`{"kind":"bundel"}\n`))).toMatchObject({ line: 1, check: 'kind' });
    });
  });
});

/** Lines taken as they are (not re-serialised), with an end line over them. */
function sealLinesRaw(body: readonly string[]): string {
  const text = body.map((line) => `${line}\n`).join('');
  const sha256 = createHash('sha256').update(text).digest('hex');
  return `${text}{"kind":"end","lines":${body.length},"sha256":"${sha256}"}\n`;
}
