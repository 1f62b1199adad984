import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ClaimDetails, ClaimStatus, FiledClaim } from '@ledger/domain';
import type { DisputeView } from './claim-record.js';

const bigintNumber = { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

/**
 * The claim as lists, searches and the review queue see it, built only from the event feed: narrow
 * (its documents are in claim_documents), so a filter that scans it scans little.
 */
@Entity({ name: 'claim_view' })
export class ClaimView {
  @PrimaryColumn('uuid') id!: string;
  @Column('integer') version!: number;
  @Column('text') status!: ClaimStatus;
  @Column('text', { nullable: true }) grade!: string | null;
  @Column('jsonb') details!: ClaimDetails;
  @Column('text', { name: 'filed_by' }) filedBy!: string;
  @Column('timestamptz', { name: 'filed_at' }) filedAt!: Date;
  @Column('bigint', { name: 'filed_seq', transformer: bigintNumber }) filedSeq!: number;
  @Column('bigint', { name: 'last_seq', transformer: bigintNumber }) lastSeq!: number;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  @Column('text') perpetrator!: string;
  @Column('text') cause!: string;
  @Column('text') governorate!: string;
  @Column('text') sex!: string;
  @Column('text', { name: 'age_group' }) ageGroup!: string;
  @Column('text', { name: 'civilian_status' }) civilianStatus!: string;
  @Column('text', { name: 'protected_role', nullable: true }) protectedRole!: string | null;
  @Column('uuid', { name: 'incident_id', nullable: true }) incidentId!: string | null;
  @Column('uuid', { name: 'duplicate_of', nullable: true }) duplicateOf!: string | null;
  @Column('date', { name: 'death_from', nullable: true }) deathFrom!: string | null;
  @Column('date', { name: 'death_to', nullable: true }) deathTo!: string | null;
  @Column('text', { name: 'death_month', nullable: true }) deathMonth!: string | null;
  @Column('text', { name: 'death_year', nullable: true }) deathYear!: string | null;
  /** Folded Arabic and Latin name tokens and their consonant skeletons (trigram-indexed). */
  @Column('text', { name: 'name_key' }) nameKey!: string;
  @Column('integer') evidence!: number;
  /** Who filed it or recorded its testimony: never its reviewers. */
  @Column('text', { array: true }) involved!: string[];
  /** Approvals since the claim last entered review. */
  @Column('text', { array: true }) approvals!: string[];
  /** Who opened the disputes still open: never their resolvers. */
  @Column('text', { name: 'dispute_openers', array: true }) disputeOpeners!: string[];
}

/** What GET /claims/{id} shows: the domain state of the claim and its lists. */
@Entity({ name: 'claim_documents' })
export class ClaimDocument {
  @PrimaryColumn('uuid') id!: string;
  @Column('jsonb') state!: FiledClaim;
  @Column('jsonb') testimony!: Array<Record<string, unknown>>;
  @Column('jsonb') sources!: Array<Record<string, unknown>>;
  @Column('jsonb') verifications!: Array<Record<string, unknown>>;
  @Column('jsonb') disputes!: DisputeView[];
}

/** One stretch of a claim's statistical facts: valid for seqs in [from_seq, to_seq). */
@Entity({ name: 'claim_facts' })
export class ClaimFact {
  @PrimaryColumn('uuid', { name: 'claim_id' }) claimId!: string;
  @PrimaryColumn('bigint', { name: 'from_seq', transformer: bigintNumber }) fromSeq!: number;
  @Column('bigint', { name: 'to_seq', nullable: true, transformer: bigintNumber }) toSeq!: number | null;
  @Column('text') status!: ClaimStatus;
  @Column('text') perpetrator!: string;
  @Column('text') cause!: string;
  @Column('text') governorate!: string;
  @Column('text') sex!: string;
  @Column('text', { name: 'age_group' }) ageGroup!: string;
  @Column('text', { name: 'civilian_status' }) civilianStatus!: string;
  @Column('text', { name: 'protected_role', nullable: true }) protectedRole!: string | null;
  @Column('uuid', { name: 'incident_id', nullable: true }) incident!: string | null;
  @Column('text', { name: 'death_month', nullable: true }) month!: string | null;
  @Column('text', { name: 'death_year', nullable: true }) year!: string | null;
  @Column('date', { name: 'death_from', nullable: true }) deathFrom!: string | null;
  @Column('date', { name: 'death_to', nullable: true }) deathTo!: string | null;
}
