import { Module } from '@nestjs/common';
import { ClaimProjection } from './claims/claim.projection.js';
import { PROJECTIONS } from './projection.js';
import { ProjectionRunner } from './projection-runner.js';
import { ProjectorService } from './projector.service.js';

/** Every read model, kept up to date from the Kafka feed. */
@Module({
  providers: [
    ClaimProjection,
    { provide: PROJECTIONS, useFactory: (claims: ClaimProjection) => [claims], inject: [ClaimProjection] },
    ProjectionRunner,
    ProjectorService,
  ],
  exports: [ProjectorService, ProjectionRunner],
})
export class ProjectorModule {}
