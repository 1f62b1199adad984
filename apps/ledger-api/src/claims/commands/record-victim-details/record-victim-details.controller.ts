import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { plainJson, Roles } from '@ledger/http';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../../../commands/command-request.js';
import { sendOutcome } from '../../../commands/send-outcome.js';
import type { ClaimCommandResponse } from '../../../streams/claim-stream.js';
import { claimIdPipe } from '../../claim-id.pipe.js';
import { RecordVictimDetailsCommand } from './record-victim-details.command.js';
import { RecordVictimDetailsDto } from './record-victim-details.dto.js';

@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class RecordVictimDetailsController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/protected-details')
  @Roles('documenter')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record protected details of the victim (family contact, medical details)',
    description:
      'Sealed (AES-256-GCM) under the victim’s own key `victim:<claimId>` before it reaches the ledger: the event holds only ciphertext, ' +
      'read models show none of it, `POST /data-subjects/victim:<claimId>/disclosures` reads it, erasure or a victim found alive destroys the key. Answers `detailsId` beside the usual members.',
  })
  async record(
    @Param('id', claimIdPipe) id: string,
    @CommandMeta() request: CommandRequest,
    @Body() body: RecordVictimDetailsDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ClaimCommandResponse> {
    return sendOutcome(response, await this.commands.execute(new RecordVictimDetailsCommand(request, id, plainJson(body))));
  }
}
