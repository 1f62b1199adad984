import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { CommandResponse } from '@ledger/event-store';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../../../commands/command-request.js';
import { sendOutcome } from '../../../commands/send-outcome.js';
import { incidentIdPipe } from '../../incident-id.pipe.js';
import { AttachIncidentSourceCommand } from './attach-incident-source.command.js';
import { AttachIncidentSourceDto } from './attach-incident-source.dto.js';

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('incidents')
export class AttachIncidentSourceController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/sources')
  @Roles('documenter')
  @HttpCode(200)
  async attach(
    @Param('id', incidentIdPipe) id: string,
    @CommandMeta() request: CommandRequest,
    @Body() body: AttachIncidentSourceDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CommandResponse> {
    return sendOutcome(response, await this.commands.execute(new AttachIncidentSourceCommand(request, id, plainJson(body))));
  }
}
