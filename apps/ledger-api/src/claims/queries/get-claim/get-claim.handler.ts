import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { LedgerReader } from '@ledger/event-store';
import { DataKeyVault, openVictimNames } from '@ledger/protection';
import { claimDocument, foldClaimRecord, type ClaimRecord } from '@ledger/read-models';
import { DataSource } from 'typeorm';
import { awaitReadModel } from '../../../read-side/read-model-wait.js';
import { ClaimStream } from '../../../streams/claim-stream.js';
import { GetClaimQuery } from './get-claim.query.js';

@QueryHandler(GetClaimQuery)
export class GetClaimHandler implements IQueryHandler<GetClaimQuery> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reader: LedgerReader,
    private readonly vault: DataKeyVault,
  ) {}

  async execute({ claimId, when }: GetClaimQuery): Promise<Record<string, unknown> | null> {
    if (when.kind !== 'now') return this.replay(claimId, when);
    const { minVersion } = when;
    const view =
      minVersion === undefined
        ? await this.load(claimId)
        : await awaitReadModel(async () => {
            const claim = await this.load(claimId);
            return claim && claim.version >= minVersion ? claim : undefined;
          }, `the claim read model has not applied version ${minVersion} yet`);
    return view ? claimDocument(view) : null;
  }

  private async load(claimId: string): Promise<Parameters<typeof claimDocument>[0] | null> {
    const [row] = (await this.dataSource.query(
      `SELECT v.version, d.state, d.testimony, d.sources, d.verifications, d.disputes
       FROM claim_view v JOIN claim_documents d ON d.id = v.id WHERE v.id = $1`,
      [claimId],
    )) as Array<Parameters<typeof claimDocument>[0]>;
    return row ?? null;
  }

  /**
   * Time travel: the claim's own stream folded up to a version, or up to the last event the
   * ledger had recorded at that moment, by the same code the read model uses. A victim found alive
   * later is shown without a name at every version.
   */
  private async replay(claimId: string, when: Exclude<GetClaimQuery['when'], { kind: 'now' }>): Promise<Record<string, unknown> | null> {
    const stream = await this.reader.streamRead(ClaimStream.id(claimId));
    let record: ClaimRecord | null = null;
    // Names open while the victim's key exists; once erased, no version shows one.
    for (const event of await openVictimNames(this.vault, stream.events)) {
      if (when.kind === 'version' ? event.version > when.version : event.recordedAt > when.at) break;
      record = foldClaimRecord(record, event);
    }
    if (record === null || (when.kind === 'version' && record.version !== when.version)) return null;
    const victimAlive = stream.events.some((event) => event.type === 'VictimFoundAlive');
    return { ...claimDocument(record, { victimAlive }), recordedAt: record.updatedAt };
  }
}
