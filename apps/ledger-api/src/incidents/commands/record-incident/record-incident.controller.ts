import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { CommandResponse } from '@ledger/event-store';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../../../commands/command-request.js';
import { sendOutcome } from '../../../commands/send-outcome.js';
import { incidentIdFor } from '../../../streams/incident-stream.js';
import { RecordIncidentCommand } from './record-incident.command.js';
import { RecordIncidentDto } from './record-incident.dto.js';

@ApiTags('incidents')
@ApiBearerAuth()
@Controller('incidents')
export class RecordIncidentController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles('documenter')
  @HttpCode(201)
  async record(
    @CommandMeta() request: CommandRequest,
    @Body() body: RecordIncidentDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CommandResponse> {
    return sendOutcome(response, await this.commands.execute(new RecordIncidentCommand(request, incidentIdFor(body.code), plainJson(body))));
  }
}
