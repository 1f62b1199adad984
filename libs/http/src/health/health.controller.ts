import { Controller, Get, Inject, Optional, Res, ServiceUnavailableException, type OnModuleDestroy } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { EventLoopWatch, eventLoopProblem } from './event-loop.js';

/** A part of the ledger that can tell whether it works: null when it does, else why not. */
export interface HealthComponent {
  readonly name: string;
  check(signal: AbortSignal): Promise<string | null>;
}

export const HEALTH_COMPONENTS = Symbol('HEALTH_COMPONENTS');
/** Components only readiness asks about (the schema's migrations), beside HEALTH_COMPONENTS. */
export const READINESS_COMPONENTS = Symbol('READINESS_COMPONENTS');

/**
 * GET /health (API.md): the database and every component. GET /health/ready: the same and the
 * readiness-only components: whether to send this process traffic. GET /health/live: whether the
 * process itself works (answers, its event loop not blocked), never the database or Kafka: a
 * restart does not fix those. Each answers 503 with the full report when it fails.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController implements OnModuleDestroy {
  private readonly eventLoop = new EventLoopWatch();

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Optional() @Inject(HEALTH_COMPONENTS) private readonly components: HealthComponent[] = [],
    @Optional() @Inject(READINESS_COMPONENTS) private readonly readiness: HealthComponent[] = [],
  ) {}

  @Get()
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'PostgreSQL and every component (Kafka, sequencer, publisher, projector, as this process runs them)' })
  check(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.report(response, this.checks(this.components));
  }

  @Get('ready')
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: /health plus the schema migrations; 503 while this process should get no traffic' })
  ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.report(response, this.checks([...this.components, ...this.readiness]));
  }

  @Get('live')
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers and its event loop is not blocked; 503 only when a restart would help' })
  live(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.report(response, [
      () => {
        const delay = this.eventLoop.sinceLastLook();
        const session = this.indicators.check('eventLoop');
        const data = { meanDelayMs: Math.round(delay.meanMs * 10) / 10, maxDelayMs: Math.round(delay.maxMs * 10) / 10 };
        const problem = eventLoopProblem(delay);
        return problem === null ? session.up(data) : session.down({ ...data, message: problem });
      },
    ]);
  }

  onModuleDestroy(): void {
    this.eventLoop.stop();
  }

  private async report(response: Response, checks: HealthIndicatorFunction[]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      // Terminus reports "down" as an exception carrying the full report: serve the report, 503.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private checks(components: HealthComponent[]): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [() => this.database.pingCheck('postgres').withTimeout(1500)];
    for (const component of components) {
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
