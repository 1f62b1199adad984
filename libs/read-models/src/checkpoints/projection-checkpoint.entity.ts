import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How far a projection has applied the feed, per Kafka partition (seq only grows within one).
 * Written in the same transaction as the rows it covers, so a redelivery changes nothing twice.
 */
@Entity({ name: 'projection_checkpoints' })
export class ProjectionCheckpoint {
  @PrimaryColumn('text') projection!: string;
  @PrimaryColumn('text') topic!: string;
  @PrimaryColumn('integer') partition!: number;
  @Column('bigint', { name: 'last_seq', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  lastSeq!: number;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
