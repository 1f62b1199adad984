import type { Actor } from '../shared/actor.js';
import type { CommandContext } from '../shared/command-context.js';
import { DomainError } from '../shared/domain-error.js';

/** What was exported: one claim, a list, an incident (with its claims), or a query's claims. */
export type ExportScope =
  | { type: 'claim'; claimId: string }
  | { type: 'claims'; claimIds: string[] }
  | { type: 'incident'; incidentId: string }
  | { type: 'query'; filters: Record<string, string> };

export interface ExportedStream {
  streamId: string;
  version: number;
  /** The hash of the stream's last exported event: what makes a dropped last event visible. */
  headHash: string;
}

/**
 * Exports are part of the record: `EvidenceExported` (who, scope, redacted or not, and the heads of
 * every stream exported) is written before the bundle, which carries it with its proof;
 * `ExportCompleted` records the SHA-256 of the file that was handed over.
 */
export type ExportEvent =
  | {
      type: 'EvidenceExported';
      schemaVersion: 1;
      data: { exportId: string; scope: ExportScope; redacted: boolean; justification?: string; requestedBy: Actor; streams: ExportedStream[] };
    }
  | { type: 'ExportCompleted'; schemaVersion: 1; data: { exportId: string; bundleSha256: string; lines: number } };

export type ExportCommand =
  | { type: 'RecordExport'; exportId: string; scope: ExportScope; redacted: boolean; justification?: string; streams: ExportedStream[] }
  | { type: 'CompleteExport'; exportId: string; bundleSha256: string; lines: number };

export const exportStreamId = (exportId: string): string => `export-${exportId}`;
export const EXPORT_STREAM_TYPE = 'export';

export function decideExport(command: ExportCommand, version: number, context: CommandContext): ExportEvent[] {
  switch (command.type) {
    case 'RecordExport': {
      if (version !== 0) throw new DomainError('EXPORT.EXISTS', 'conflict', `export ${command.exportId} was already recorded`);
      if (!command.redacted && !command.justification?.trim()) {
        throw DomainError.invalid('EXPORT.INVALID', [{ path: '/justification', message: 'is required to include witness identities' }]);
      }
      if (command.streams.length === 0) throw new DomainError('EXPORT.EMPTY', 'not-found', 'nothing in the ledger matches this export');
      const { type: _type, justification, ...data } = command;
      return [{ type: 'EvidenceExported', schemaVersion: 1, data: { ...data, ...(justification ? { justification } : {}), requestedBy: context.actor } }];
    }
    case 'CompleteExport': {
      // Each delivery of the bundle (a retried request delivers it again) is recorded.
      if (version < 1) throw new DomainError('EXPORT.NOT_FOUND', 'not-found', `export ${command.exportId} was never recorded`);
      const { type: _type, ...data } = command;
      return [{ type: 'ExportCompleted', schemaVersion: 1, data }];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled export command ${JSON.stringify(unreachable)}`);
    }
  }
}
