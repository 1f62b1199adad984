import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Perpetrator } from '@ledger/domain';
import { LedgerReader, type CommandResponse } from '@ledger/event-store';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../commands/command-request.js';
import { sendOutcome } from '../commands/send-outcome.js';
import { PerpetratorListStream } from '../streams/perpetrator-list-stream.js';
import { AddPerpetratorCommand } from './add-perpetrator/add-perpetrator.command.js';
import { AddPerpetratorDto } from './add-perpetrator/add-perpetrator.dto.js';

/** The managed list of alleged perpetrators: reference data, read straight from its stream. */
@ApiTags('perpetrators')
@ApiBearerAuth()
@Controller('perpetrators')
export class PerpetratorsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly reader: LedgerReader,
  ) {}

  @Get()
  @Roles('documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin')
  async list(): Promise<Perpetrator[]> {
    const stream = await this.reader.streamRead(PerpetratorListStream.id);
    return [...PerpetratorListStream.state(stream)];
  }

  @Post()
  @Roles('admin')
  @HttpCode(201)
  async add(@CommandMeta() request: CommandRequest, @Body() body: AddPerpetratorDto, @Res({ passthrough: true }) response: Response): Promise<CommandResponse> {
    return sendOutcome(response, await this.commands.execute(new AddPerpetratorCommand(request, plainJson(body))));
  }
}
