import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../../../commands/command-request.js';
import { sendOutcome } from '../../../commands/send-outcome.js';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { FileClaimCommand } from './file-claim.command.js';
import { FileClaimDto } from './file-claim.dto.js';

@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class FileClaimController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles('documenter')
  @HttpCode(201)
  async file(
    @CommandMeta() request: CommandRequest,
    @Body() body: FileClaimDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ClaimCommandResponse> {
    const outcome = await this.commands.execute(new FileClaimCommand(request, plainJson(body)));
    return sendOutcome(response, outcome);
  }
}
