import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { decideClaim, evolveClaim, INITIAL_PERPETRATORS, initialClaimState, type ClaimDetails, type SealedData, type SourceDetails } from '@ledger/domain';
import { sealVictimNames } from '@ledger/protection';
import type { ScratchDatabase } from './scratch.js';
import { openScratchStore } from './scratch-store.js';

const KNOWN_PERPETRATORS = new Set(INITIAL_PERPETRATORS.map((p) => p.code));

/**
 * Files claims through our event store, not the API: import-style commands that each file
 * `perCommand` claims (one `claim-<uuid>` stream each), with exactly the ClaimFiled events
 * FileClaim decides (decideClaim, so a body the API would refuse fails here too). Ledgers of
 * 100,000 claims take seconds this way instead of minutes at the API's rate. The app should be
 * stopped: the sequencer and publisher then drain the backlog when it starts. `sources[i]`, when
 * given, is attached to claim i in the same command (the list it came from, as an import does).
 * Returns the claim ids in the order of `claims`.
 */
export async function importClaims(
  db: ScratchDatabase,
  claims: readonly ClaimDetails[],
  perCommand: number,
  concurrency: number,
  sources?: ReadonlyArray<SourceDetails | undefined>,
): Promise<{ events: number; seconds: number; claimIds: string[] }> {
  const { dataSource, store, clock, vault } = await openScratchStore(db, concurrency);
  const actor = { id: 'u-bench-importer', role: 'documenter' } as const;
  let next = 0;
  let appended = 0;
  const allIds: string[] = new Array<string>(claims.length);
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < claims.length) {
      const from = next;
      const batch = claims.slice(from, from + perCommand);
      next += batch.length;
      const commandId = randomUUID();
      const context = { commandId, correlationId: commandId, causationId: commandId, actor, issuedAt: clock.now() };
      const claimIds = batch.map(() => randomUUID());
      claimIds.forEach((id, i) => (allIds[from + i] = id));
      const outcome = await store.execute({
        context,
        requestHash: commandId.replace(/-/g, '').padEnd(64, '0'),
        status: 201,
        streamIds: claimIds.map((id) => `claim-${id}`),
        decide: async (tx) => {
          const eventIds: string[] = [];
          // Names sealed as an import seals them: one key statement per command.
          const sealed = await sealVictimNames(vault, claimIds.flatMap((claimId, i) => (batch[i].victim.name ? [{ claimId, name: batch[i].victim.name }] : [])), tx);
          for (const [i, claimId] of claimIds.entries()) {
            const streamId = `claim-${claimId}`;
            const { version } = await tx.readStream(streamId);
            const { name: _name, ...victim } = batch[i].victim;
            const sealedVictimName = sealed.get(claimId) as SealedData | undefined;
            const details = { ...batch[i], victim };
            const events = decideClaim({ type: 'FileClaim', claimId, details, ...(sealedVictimName ? { sealedVictimName } : {}), knownPerpetrators: KNOWN_PERPETRATORS }, initialClaimState, context);
            const source = sources?.[from + i];
            if (source) events.push(...decideClaim({ type: 'AttachSource', sourceId: randomUUID(), source }, events.reduce(evolveClaim, initialClaimState), context));
            eventIds.push(...tx.append(streamId, 'claim', version, events).eventIds);
          }
          return { id: claimIds[0], version: 1, eventIds };
        },
      });
      appended += outcome.response.eventIds.length;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await dataSource.destroy();
  }
  return { events: appended, seconds: (performance.now() - started) / 1000, claimIds: allIds };
}
