import { claimEventFromStored, isClaimEventType, protectedItem, witnessSubject } from '@ledger/domain';
import type { HashedEnvelope } from '@ledger/event-store';
import { isSealedValue, sealedValueAad, witnessIdentityAad, type SealedValue } from '@ledger/proof';

/**
 * One piece of protected personal data in a claim's stream: where it is (a protectedItem locator),
 * whose it is, and either its sealed value with the additional data that binds it, or (TestimonyRecorded
 * v1/v2, written before sealing) the witness identity in plaintext.
 */
export type ProtectedItem = { item: string; subject: string; eventId: string; recordedAt: string } & (
  | { sealed: SealedValue; aad: string }
  | { plaintext: unknown }
);

/** Every protected value the claim's events hold, in stream order. */
export function protectedItemsOf(events: readonly HashedEnvelope[]): ProtectedItem[] {
  const items: ProtectedItem[] = [];
  for (const envelope of events) {
    if (!isClaimEventType(envelope.type)) continue;
    const event = claimEventFromStored(envelope.type, envelope.schemaVersion, envelope.payload);
    const at = { eventId: envelope.eventId, recordedAt: envelope.recordedAt };
    if (event.type === 'TestimonyRecorded') {
      const { testimonyId, witness, protected: held } = event.data;
      const identity = held.witnessIdentity;
      if (isSealedValue(identity)) {
        items.push({ item: protectedItem.witnessIdentity(testimonyId), subject: identity.subject, ...at, sealed: identity, aad: witnessIdentityAad(identity.subject, testimonyId) });
      } else if (identity !== undefined) {
        items.push({ item: protectedItem.witnessIdentity(testimonyId), subject: witnessSubject(witness.pseudonym), ...at, plaintext: identity });
      }
      if (held.statement) {
        const sealed = held.statement;
        items.push({ item: protectedItem.statement(testimonyId), subject: sealed.subject, ...at, sealed, aad: sealedValueAad('testimony-statement', sealed.subject, testimonyId) });
      }
      for (const sealed of held.relatives ?? []) {
        items.push({ item: protectedItem.relative(testimonyId), subject: sealed.subject, ...at, sealed, aad: sealedValueAad('relative', sealed.subject, testimonyId) });
      }
    } else if (event.type === 'VictimDetailsRecorded') {
      const sealed = event.data.protected.victimDetails;
      items.push({
        item: protectedItem.victimDetails(event.data.detailsId),
        subject: sealed.subject,
        ...at,
        sealed,
        aad: sealedValueAad('victim-details', sealed.subject, event.data.detailsId),
      });
    }
  }
  return items;
}
