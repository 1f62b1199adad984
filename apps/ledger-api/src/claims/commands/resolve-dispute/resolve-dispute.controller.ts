import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../../../commands/command-request.js';
import { sendOutcome } from '../../../commands/send-outcome.js';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { claimIdPipe, disputeIdPipe } from '../../claim-id.pipe.js';
import { ResolveDisputeCommand } from './resolve-dispute.command.js';
import { ResolveDisputeDto } from './resolve-dispute.dto.js';

@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class ResolveDisputeController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/disputes/:disputeId/resolution')
  @Roles('lead-verifier')
  @HttpCode(200)
  async resolve(
    @Param('id', claimIdPipe) id: string,
    @Param('disputeId', disputeIdPipe) disputeId: string,
    @CommandMeta() request: CommandRequest,
    @Body() body: ResolveDisputeDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ClaimCommandResponse> {
    return sendOutcome(response, await this.commands.execute(new ResolveDisputeCommand(request, id, { ...plainJson(body), disputeId })));
  }
}
