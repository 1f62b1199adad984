import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ClaimDetails, ClaimStatus } from '@ledger/domain';

/** The claim as GET /claims/{id} shows it, built only from the event feed. */
@Entity({ name: 'claim_view' })
export class ClaimView {
  @PrimaryColumn('uuid') id!: string;
  @Column('integer') version!: number;
  @Column('text') status!: ClaimStatus;
  @Column('text', { nullable: true }) grade!: string | null;
  @Column('jsonb') victim!: ClaimDetails['victim'];
  @Column('jsonb') death!: ClaimDetails['death'];
  @Column('jsonb') place!: ClaimDetails['place'];
  @Column('text') cause!: ClaimDetails['cause'];
  @Column('text') perpetrator!: string;
  @Column('uuid', { name: 'incident_id', nullable: true }) incidentId!: string | null;
  @Column('uuid', { name: 'duplicate_of', nullable: true }) duplicateOf!: string | null;
  @Column('jsonb') testimony!: unknown[];
  @Column('jsonb') sources!: unknown[];
  @Column('jsonb') verifications!: unknown[];
  @Column('jsonb') disputes!: unknown[];
  @Column('text', { name: 'filed_by' }) filedBy!: string;
  @Column('timestamptz', { name: 'filed_at' }) filedAt!: Date;
  @Column('bigint', { name: 'last_seq', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  lastSeq!: number;
}
