import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../../../commands/command-request.js';
import { sendOutcome } from '../../../commands/send-outcome.js';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { claimIdPipe } from '../../claim-id.pipe.js';
import { RecordVerificationCommand } from './record-verification.command.js';
import { RecordVerificationDto } from './record-verification.dto.js';

@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class RecordVerificationController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/verifications')
  @Roles('verifier', 'lead-verifier')
  @HttpCode(200)
  async verify(
    @Param('id', claimIdPipe) id: string,
    @CommandMeta() request: CommandRequest,
    @Body() body: RecordVerificationDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ClaimCommandResponse> {
    return sendOutcome(response, await this.commands.execute(new RecordVerificationCommand(request, id, plainJson(body))));
  }
}
