import { Controller, Get, Inject, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';

/** A part of the ledger that can tell whether it works: null when it does, else why not. */
export interface HealthComponent {
  readonly name: string;
  check(signal: AbortSignal): Promise<string | null>;
}

export const HEALTH_COMPONENTS = Symbol('HEALTH_COMPONENTS');

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Optional() @Inject(HEALTH_COMPONENTS) private readonly components: HealthComponent[] = [],
  ) {}

  @Get()
  @Public()
  @HealthCheck()
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check(this.checks());
    } catch (error) {
      // Terminus reports "down" as an exception carrying the full report: serve the report, 503.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private checks(): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [() => this.database.pingCheck('postgres').withTimeout(1500)];
    for (const component of this.components) {
      checks.push(() =>
        this.indicators
          .check(component.name)
          .attempt(async ({ signal }) => {
            const problem = await component.check(signal);
            if (problem !== null) throw new Error(problem);
          })
          .withTimeout(3000)
          .cacheFor(1000),
      );
    }
    return checks;
  }
}
