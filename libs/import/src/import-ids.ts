import { hash } from 'node:crypto';

/** A UUID (v8 layout) derived from a name: the same name always gives the same id. */
function derivedUuid(namespace: string, name: string): string {
  const bytes = hash('sha256', `${namespace}:${name}`, 'buffer').subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A row's claim is named by the file and the row alone: importing the same file again, with any
 * mapping, batch size or actor, lands on the same claim streams and so appends nothing.
 */
export const importedClaimId = (fileSha256: string, row: number): string => derivedUuid('imported-claim', `${fileSha256}:${row}`);

/** The source attached to an imported claim. */
export const importedSourceId = (claimId: string): string => derivedUuid('imported-source', claimId);

/** One import of one file by one actor: the correlation id every batch carries. */
export const importRunId = (fileSha256: string, actorId: string): string => derivedUuid('import', `${fileSha256}:${actorId}`);

/** A batch's command id: a re-run that forms the same batch replays its stored answer. */
export const importBatchId = (fileSha256: string, actorId: string, mappingSha256: string, rows: readonly number[]): string =>
  derivedUuid('import-batch', `${fileSha256}:${actorId}:${mappingSha256}:${rows.join(',')}`);
