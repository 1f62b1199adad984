import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../../../commands/command-request.js';
import { sendOutcome } from '../../../commands/send-outcome.js';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { claimIdPipe } from '../../claim-id.pipe.js';
import { RecordVictimAliveCommand } from './record-victim-alive.command.js';
import { RecordVictimAliveDto } from './record-victim-alive.dto.js';

@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class RecordVictimAliveController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/victim-alive')
  @Roles('lead-verifier')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record that the person the claim is about is alive',
    description:
      'Appends VictimFoundAlive: the claim closes (status `retracted`, `victimAlive: true`), leaving the statistics and the review queue; ' +
      'read models and exports stop showing the victim’s name; the victim’s sealed details are erased in the same commit (PersonalDataErased on `victim:<claimId>`, key destroyed). ' +
      'The name as filed stays in the hash-chained ClaimFiled event (served as hashed by the ledger and history routes): it cannot be shredded.',
  })
  async record(
    @Param('id', claimIdPipe) id: string,
    @CommandMeta() request: CommandRequest,
    @Body() body: RecordVictimAliveDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ClaimCommandResponse> {
    return sendOutcome(response, await this.commands.execute(new RecordVictimAliveCommand(request, id, plainJson(body))));
  }
}
