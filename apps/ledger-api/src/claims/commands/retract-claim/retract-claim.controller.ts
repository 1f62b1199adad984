import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../../../commands/command-request.js';
import { sendOutcome } from '../../../commands/send-outcome.js';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { claimIdPipe } from '../../claim-id.pipe.js';
import { RetractClaimCommand } from './retract-claim.command.js';
import { RetractClaimDto } from './retract-claim.dto.js';

@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class RetractClaimController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/retraction')
  @Roles('lead-verifier', 'admin', 'documenter')
  @HttpCode(200)
  async retract(
    @Param('id', claimIdPipe) id: string,
    @CommandMeta() request: CommandRequest,
    @Body() body: RetractClaimDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ClaimCommandResponse> {
    return sendOutcome(response, await this.commands.execute(new RetractClaimCommand(request, id, plainJson(body))));
  }
}
