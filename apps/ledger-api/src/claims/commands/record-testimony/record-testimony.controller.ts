import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../../../commands/command-request.js';
import { sendOutcome } from '../../../commands/send-outcome.js';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { claimIdPipe } from '../../claim-id.pipe.js';
import { RecordTestimonyCommand } from './record-testimony.command.js';
import { RecordTestimonyDto } from './record-testimony.dto.js';

@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class RecordTestimonyController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/testimony')
  @Roles('documenter')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record a witness statement',
    description:
      'Protected data is sealed before it reaches the ledger (docs/PROTECTION.md): `witness.identity` under `witness:<pseudonym>`; the statement too when `statementSensitive` is true ' +
      '(otherwise it is stored in the clear, forever: never put identities in it); each of `relatives` under a new `relative:<uuid>` of its own, listed as `relativeSubjects` by GET /claims/{id}.',
  })
  async record(
    @Param('id', claimIdPipe) id: string,
    @CommandMeta() request: CommandRequest,
    @Body() body: RecordTestimonyDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ClaimCommandResponse> {
    return sendOutcome(response, await this.commands.execute(new RecordTestimonyCommand(request, id, plainJson(body))));
  }
}
