import { actors, contextFor } from '../../test/given-when-then.js';
import { decideExport, type ExportCommand } from './evidence-export.js';

describe('an evidence export', () => {
  const streams = [{ streamId: 'claim-c-1', version: 4, headHash: 'a'.repeat(64) }];
  const record: ExportCommand = { type: 'RecordExport', exportId: 'e-1', scope: { type: 'claim', claimId: 'c-1' }, redacted: true, streams };

  it('records who exported which streams, redacted by default', () => {
    expect(decideExport(record, 0, contextFor(actors.filer))).toEqual([
      { type: 'EvidenceExported', schemaVersion: 1, data: { exportId: 'e-1', scope: { type: 'claim', claimId: 'c-1' }, redacted: true, streams, requestedBy: actors.filer } },
    ]);
  });

  it('includes identities only with a justification, and exports something', () => {
    expect(() => decideExport({ ...record, redacted: false }, 0, contextFor(actors.filer))).toThrow(expect.objectContaining({ code: 'EXPORT.INVALID' }));
    expect(decideExport({ ...record, redacted: false, justification: 'ICC request' }, 0, contextFor(actors.filer))[0].data).toMatchObject({ redacted: false, justification: 'ICC request' });
    expect(() => decideExport({ ...record, streams: [] }, 0, contextFor(actors.filer))).toThrow(expect.objectContaining({ code: 'EXPORT.EMPTY' }));
    expect(() => decideExport(record, 1, contextFor(actors.filer))).toThrow(expect.objectContaining({ code: 'EXPORT.EXISTS' }));
  });

  it('records each delivery of a recorded export with the file digest', () => {
    const complete: ExportCommand = { type: 'CompleteExport', exportId: 'e-1', bundleSha256: 'b'.repeat(64), lines: 12 };
    expect(() => decideExport(complete, 0, contextFor(actors.filer))).toThrow(expect.objectContaining({ code: 'EXPORT.NOT_FOUND' }));
    expect(decideExport(complete, 2, contextFor(actors.filer))).toEqual([{ type: 'ExportCompleted', schemaVersion: 1, data: { exportId: 'e-1', bundleSha256: 'b'.repeat(64), lines: 12 } }]);
  });
});
