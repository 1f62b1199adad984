import { Module } from '@nestjs/common';
import { DataKeyVault } from '@ledger/protection';
import { ClaimProjection } from './claims/claim.projection.js';
import { IncidentProjection } from './incidents/incident.projection.js';
import { PROJECTIONS, type Projection } from './projection.js';
import { ProjectionRunner } from './projection-runner.js';
import { ProjectorService } from './projector.service.js';
import { ProjectionReplayer } from './replay/projection-replayer.js';

/** Every read model the feed keeps (the CLI builds them from this list too). */
export const PROJECTION_TYPES = [ClaimProjection, IncidentProjection] as const;

/** The projections outside Nest (CLI, benchmarks): the claims read model opens victim names with the vault. */
export function projectionsWith(vault: DataKeyVault): Projection[] {
  return [new ClaimProjection(vault), new IncidentProjection()];
}

/** The projections themselves and their replays, without consuming the feed. */
@Module({
  providers: [
    DataKeyVault,
    ...PROJECTION_TYPES,
    { provide: PROJECTIONS, useFactory: (...projections: Projection[]) => projections, inject: [...PROJECTION_TYPES] },
    ProjectionRunner,
    ProjectionReplayer,
  ],
  exports: [PROJECTIONS, ProjectionRunner, ProjectionReplayer],
})
export class ProjectionsModule {}

/** Every read model, kept up to date from the Kafka feed. */
@Module({
  imports: [ProjectionsModule],
  providers: [ProjectorService],
  exports: [ProjectorService, ProjectionsModule],
})
export class ProjectorModule {}
