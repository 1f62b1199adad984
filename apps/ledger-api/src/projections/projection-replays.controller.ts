import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Logger, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Clock, DomainError } from '@ledger/domain';
import { EventStore } from '@ledger/event-store';
import { Roles } from '@ledger/http';
import { ProjectionReplayer, recordReplay, UnknownProjectionError, type ReplayReport } from '@ledger/read-models';
import { IsBoolean, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../commands/command-request.js';

export class ReplayRequestDto {
  /** Replace the live tables with the rebuilt ones once both reflect the same events. */
  @IsOptional()
  @IsBoolean()
  swap?: boolean;
}

interface ReplayJob {
  replayId: string;
  projection: string;
  status: 'running' | 'finished' | 'failed';
  report?: ReplayReport;
  /** The ledger event that records the replay. */
  eventIds?: string[];
  error?: string;
}

const replayIdPipe = new ParseUUIDPipe({ exceptionFactory: () => new DomainError('REPLAY.NOT_FOUND', 'not-found', 'No replay has that id.') });

/**
 * POST /projections/{name}/replays (auditor, admin): rebuilds a read model from the start of the
 * feed beside the live one, compares them and swaps only on request; the outcome is recorded in
 * the ledger. Replays run in the background; GET /projections/replays/{id} follows one (kept in
 * this process's memory; the ledger event is the durable record).
 */
@ApiTags('projections')
@ApiBearerAuth()
@Controller('projections')
export class ProjectionReplaysController {
  private readonly logger = new Logger(ProjectionReplaysController.name);
  private readonly jobs = new Map<string, ReplayJob>();

  constructor(
    private readonly replayer: ProjectionReplayer,
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('auditor', 'admin')
  list(): { projections: string[] } {
    return { projections: this.replayer.names };
  }

  @Post(':name/replays')
  @Roles('auditor', 'admin')
  @HttpCode(202)
  start(@Param('name') name: string, @Body() body: ReplayRequestDto, @CommandMeta() request: CommandRequest, @Res({ passthrough: true }) response: Response): ReplayJob {
    if (!this.replayer.names.includes(name)) throw new UnknownProjectionError(`no projection is called "${name}"; there are ${this.replayer.names.join(', ')}`);
    const replayId = randomUUID();
    const job: ReplayJob = { replayId, projection: name, status: 'running' };
    this.jobs.set(replayId, job);
    void this.run(job, body.swap ?? false, request);
    response.setHeader('Location', `/projections/replays/${replayId}`);
    return job;
  }

  @Get('replays/:id')
  @Roles('auditor', 'admin')
  get(@Param('id', replayIdPipe) id: string): ReplayJob {
    const job = this.jobs.get(id);
    if (!job) throw new DomainError('REPLAY.NOT_FOUND', 'not-found', 'No replay has that id (replays are followed by the process that runs them).');
    return job;
  }

  private async run(job: ReplayJob, swap: boolean, request: CommandRequest): Promise<void> {
    try {
      const report = await this.replayer.replay(job.projection, { swap, replayId: job.replayId });
      const outcome = await recordReplay(this.store, { ...request.context, issuedAt: this.clock.now() }, report);
      Object.assign(job, { status: 'finished', report, eventIds: outcome.response.eventIds });
    } catch (error) {
      job.status = 'failed';
      job.error = error instanceof Error ? error.message : String(error);
      this.logger.error(`replay ${job.replayId} of ${job.projection} failed: ${job.error}`);
    }
  }
}
