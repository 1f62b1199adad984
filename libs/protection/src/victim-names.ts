import { randomBytes } from 'node:crypto';
import { isSealedValue, openSealedJson, sealJson, valueKey, victimNameAad, type SealedValue } from '@ledger/proof';
import type { DataKeyVault, Queryable } from './data-key-vault.js';

/** What a stored claim event needs to carry for its victim name to be opened (an envelope, a feed event). */
export interface StoredClaimEventLike {
  type: string;
  schemaVersion: number;
  payload: object;
}

/** A victim name sealed in a ClaimFiled / ClaimAmended (schema 2), with the AAD it was sealed under. */
export interface SealedVictimName {
  sealed: SealedValue;
  aad: string;
}

/**
 * The sealed victim name an event carries, or null: `protected.victimName` of a ClaimFiled v2
 * (AAD holder: the claim id) or of a ClaimAmended v2 (holder: its amendmentId).
 */
export function sealedVictimNameOf(event: StoredClaimEventLike): SealedVictimName | null {
  if (event.schemaVersion !== 2 || (event.type !== 'ClaimFiled' && event.type !== 'ClaimAmended')) return null;
  const payload = event.payload as { claimId?: unknown; amendmentId?: unknown; protected?: { victimName?: unknown } };
  const sealed = payload.protected?.victimName;
  const holder = event.type === 'ClaimFiled' ? payload.claimId : payload.amendmentId;
  if (!isSealedValue(sealed) || typeof holder !== 'string') return null;
  if (event.type === 'ClaimFiled' && sealed.subject !== `victim:${holder}`) throw new Error(`the victim name of claim ${holder} is sealed under another subject`);
  return { sealed, aad: victimNameAad(sealed.subject, holder) };
}

/**
 * The events as a reader holding the keys sees them: each sealed victim name opened into
 * `victim.name` (ClaimFiled) or `changes.victim.name` (ClaimAmended), so the domain's fold shows it.
 * A victim whose key was erased stays without a name. One read of the keys for the whole batch;
 * inside a transaction (a projection's batch), pass it: PGlite is one session.
 */
export async function openVictimNames<T extends StoredClaimEventLike>(vault: DataKeyVault, events: readonly T[], within?: Partial<Queryable>): Promise<T[]> {
  const places = events.map(sealedVictimNameOf);
  const subjects = places.flatMap((place) => (place ? [place.sealed.subject] : []));
  if (subjects.length === 0) return [...events];
  const keys = await vault.dataKeys(subjects, within);
  return events.map((event, i) => {
    const place = places[i];
    const dataKey = place ? keys.get(place.sealed.subject) : null;
    if (!place || !dataKey) return event;
    const name = openSealedJson(place.sealed, valueKey(dataKey, place.aad), place.aad);
    return { ...event, payload: withName(event, name) };
  });
}

/** The value key that opens one sealed victim name (for a bundle's name line), or null once erased. */
export async function victimNameKey(vault: DataKeyVault, place: SealedVictimName): Promise<Uint8Array | null> {
  const keys = await vault.dataKeys([place.sealed.subject]);
  const dataKey = keys.get(place.sealed.subject);
  return dataKey ? valueKey(dataKey, place.aad) : null;
}

function withName(event: StoredClaimEventLike, name: unknown): object {
  const payload = event.payload as Record<string, unknown> & { victim?: object; changes?: { victim?: object } };
  if (event.type === 'ClaimFiled') return { ...payload, victim: { ...payload.victim, name } };
  if (!payload.changes?.victim) return payload;
  return { ...payload, changes: { ...payload.changes, victim: { ...payload.changes.victim, name } } };
}

/** What sealing many victims' names at once needs: a vault (or a test double) that creates keys in bulk. */
export interface VictimNameKeys {
  createDataKeys(subjects: readonly string[], within: Partial<Queryable>): Promise<Map<string, Uint8Array>>;
}

/** Keys that live only in memory: for a dry run, which writes nothing (its sealed values are thrown away). */
export const throwawayNameKeys: VictimNameKeys = {
  createDataKeys: async (subjects) => new Map(subjects.map((subject) => [subject, new Uint8Array(randomBytes(32))])),
};

/**
 * Seals the names of newly filed claims (a bulk import's batch) as FileClaim seals one: under
 * `victim:<claimId>`, each with its value key, the keys created with one statement inside the
 * batch's transaction. Returns the sealed name by claim id.
 */
export async function sealVictimNames(keys: VictimNameKeys, names: ReadonlyArray<{ claimId: string; name: unknown }>, within: Partial<Queryable>): Promise<Map<string, SealedValue>> {
  const sealed = new Map<string, SealedValue>();
  if (names.length === 0) return sealed;
  const dataKeys = await keys.createDataKeys(
    names.map(({ claimId }) => `victim:${claimId}`),
    within,
  );
  for (const { claimId, name } of names) {
    const subject = `victim:${claimId}`;
    const aad = victimNameAad(subject, claimId);
    sealed.set(claimId, sealJson(name, subject, valueKey(dataKeys.get(subject) as Uint8Array, aad), aad));
  }
  return sealed;
}
