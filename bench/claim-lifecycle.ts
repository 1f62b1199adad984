import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import {
  decideClaim,
  evolveClaim,
  INITIAL_PERPETRATORS,
  initialClaimState,
  type ClaimCommand,
  type ClaimDetails,
  type ClaimState,
  type CommandContext,
  type SealedData,
} from '@ledger/domain';
import { sealVictimNames } from '@ledger/protection';
import type { ScratchDatabase } from './scratch.js';
import { openScratchStore } from './scratch-store.js';

const KNOWN_PERPETRATORS = new Set(INITIAL_PERPETRATORS.map((p) => p.code));

type Actor = CommandContext['actor'];
const DOCUMENTER: Actor = { id: 'u-bench-documenter', role: 'documenter' };
const VERIFIERS: Actor[] = [
  { id: 'u-bench-verifier-1', role: 'verifier' },
  { id: 'u-bench-verifier-2', role: 'verifier' },
];

/** One step of every claim's life, as the API's handler would decide it for that actor. */
interface Phase {
  name: string;
  actor: Actor;
  command: (claimId: string, index: number) => ClaimCommand;
}

const PHASES: Phase[] = [
  { name: 'file', actor: DOCUMENTER, command: () => ({ type: 'FileClaim', claimId: '', details: undefined as unknown as ClaimDetails, knownPerpetrators: KNOWN_PERPETRATORS }) },
  {
    name: 'source',
    actor: DOCUMENTER,
    command: (claimId, i) => ({
      type: 'AttachSource',
      sourceId: randomUUID(),
      source: {
        type: i % 3 === 0 ? 'video' : i % 3 === 1 ? 'hospital-record' : 'news-article',
        publisher: i % 3 === 0 ? 'Civil Defence' : i % 3 === 1 ? 'Al-Shifa hospital morgue register' : 'Local news network',
        url: `https://archive.example.org/bench/${claimId}`,
        retrievedAt: '2026-11-20T08:00:00.000Z',
        contentSha256: createHash('sha256').update(`source of ${claimId}`).digest('hex'),
        connection: i % 2 === 0 ? 'witness' : 'third-party',
        reliability: i % 3 === 1 ? 'high' : 'medium',
      },
    }),
  },
  ...VERIFIERS.map((verifier, n) => ({
    name: `approval ${n + 1}`,
    actor: verifier,
    command: (): ClaimCommand => ({
      type: 'RecordVerification',
      verificationId: randomUUID(),
      verdict: 'approve',
      rationale: n === 0 ? 'Name, age and place match the hospital register.' : 'Cross-checked against the civil defence video and the family post.',
      disputeId: randomUUID(),
    }),
  })),
];

export interface LifecycleLoad {
  claims: number;
  events: number;
  seconds: number;
  /** Events per claim, counted (ClaimFiled, SourceAttached, ReviewStarted, two VerificationRecorded, ClaimVerified). */
  eventsPerClaim: number;
}

/**
 * Files claims and takes each through review to verified, through our event store rather than the
 * API: four rounds of import-style commands (`perCommand` claims each, `concurrency` in flight),
 * file, attach a source, first approval, second approval, so a claim's six events are spread over
 * the log as they would be when a team works through a list, with exactly the events decideClaim
 * gives the API's handlers (ClaimFiled; SourceAttached; ReviewStarted + VerificationRecorded;
 * VerificationRecorded + ClaimVerified). The API may be running: its sequencer picks them up.
 */
export async function loadVerifiedClaims(
  db: ScratchDatabase,
  claims: ReadonlyArray<{ id: string; details: ClaimDetails }>,
  perCommand: number,
  concurrency: number,
): Promise<LifecycleLoad> {
  const { dataSource, store, clock, vault } = await openScratchStore(db, concurrency);
  const states = new Map<string, ClaimState>(claims.map((c) => [c.id, initialClaimState]));
  let appended = 0;
  const started = performance.now();
  try {
    for (const phase of PHASES) {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < claims.length) {
          const from = next;
          const batch = claims.slice(from, from + perCommand);
          next += batch.length;
          const commandId = randomUUID();
          const context: CommandContext = { commandId, correlationId: commandId, causationId: commandId, actor: phase.actor, issuedAt: clock.now() };
          const decided = new Map<string, ClaimState>();
          const outcome = await store.execute({
            context,
            requestHash: commandId.replace(/-/g, '').padEnd(64, '0'),
            status: 201,
            streamIds: batch.map((c) => `claim-${c.id}`),
            decide: async (tx) => {
              const eventIds: string[] = [];
              const named = phase.name === 'file' ? batch.flatMap((c) => (c.details.victim.name ? [{ claimId: c.id, name: c.details.victim.name }] : [])) : [];
              const sealed = await sealVictimNames(vault, named, tx);
              for (const [i, claim] of batch.entries()) {
                const streamId = `claim-${claim.id}`;
                const { version } = await tx.readStream(streamId);
                const state = states.get(claim.id) ?? initialClaimState;
                const { name: _name, ...victim } = claim.details.victim;
                const sealedVictimName = sealed.get(claim.id) as SealedData | undefined;
                const command: ClaimCommand =
                  phase.name === 'file'
                    ? { type: 'FileClaim', claimId: claim.id, details: { ...claim.details, victim }, ...(sealedVictimName ? { sealedVictimName } : {}), knownPerpetrators: KNOWN_PERPETRATORS }
                    : phase.command(claim.id, from + i);
                const events = decideClaim(command, state, context);
                decided.set(claim.id, events.reduce(evolveClaim, state));
                eventIds.push(...tx.append(streamId, 'claim', version, events).eventIds);
              }
              return { id: batch[0].id, version: 1, eventIds };
            },
          });
          for (const [id, state] of decided) states.set(id, state);
          appended += outcome.response.eventIds.length;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
  } finally {
    await dataSource.destroy();
  }
  const unverified = [...states.values()].filter((s) => !s.exists || s.status !== 'verified').length;
  if (unverified > 0) throw new Error(`${unverified} bench claims did not end verified`);
  return { claims: claims.length, events: appended, seconds: (performance.now() - started) / 1000, eventsPerClaim: appended / Math.max(1, claims.length) };
}
