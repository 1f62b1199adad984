import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../../../commands/command-request.js';
import { sendOutcome } from '../../../commands/send-outcome.js';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { claimIdPipe } from '../../claim-id.pipe.js';
import { MarkDuplicateCommand } from './mark-duplicate.command.js';
import { MarkDuplicateDto } from './mark-duplicate.dto.js';

@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class MarkDuplicateController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/duplicate-of')
  @Roles('verifier', 'lead-verifier')
  @HttpCode(200)
  async markDuplicate(
    @Param('id', claimIdPipe) id: string,
    @CommandMeta() request: CommandRequest,
    @Body() body: MarkDuplicateDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ClaimCommandResponse> {
    return sendOutcome(response, await this.commands.execute(new MarkDuplicateCommand(request, id, plainJson(body))));
  }
}
