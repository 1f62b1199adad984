import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Place, ReportedTotals } from '@ledger/domain';

const bigintNumber = { to: (v: number) => v, from: (v: string) => Number(v) };

/** An incident as readers see it, built only from the feed; its claims are the claims naming it. */
@Entity({ name: 'incident_view' })
export class IncidentView {
  @PrimaryColumn('uuid') id!: string;
  @Column('integer') version!: number;
  @Column('text') code!: string;
  @Column('text', { nullable: true }) date!: string | null;
  @Column('text', { name: 'date_from', nullable: true }) dateFrom!: string | null;
  @Column('text', { name: 'date_to', nullable: true }) dateTo!: string | null;
  @Column('text') precision!: string;
  @Column('jsonb') place!: Place;
  @Column('text') governorate!: string;
  @Column('text', { name: 'attack_type' }) attackType!: string;
  @Column('text', { nullable: true }) perpetrator!: string | null;
  @Column('text') narrative!: string;
  @Column('jsonb') reported!: ReportedTotals;
  /** The claims the incident itself lists (IncidentClaimsLinked), in linking order. */
  @Column('jsonb', { name: 'claim_ids' }) claimIds!: string[];
  @Column('jsonb') sources!: Array<Record<string, unknown>>;
  @Column('text', { name: 'recorded_by' }) recordedBy!: string;
  @Column('bigint', { name: 'recorded_seq', transformer: bigintNumber }) recordedSeq!: number;
  @Column('bigint', { name: 'last_seq', transformer: bigintNumber }) lastSeq!: number;
}
