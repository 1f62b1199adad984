import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ClaimErrors } from '@ledger/domain';
import { LedgerReader } from '@ledger/event-store';
import { Roles } from '@ledger/http';
import type { Response } from 'express';
import { claimIdPipe } from '../../claim-id.pipe.js';
import { ClaimStream } from '../../../streams/claim-stream.js';
import { claimTimeline } from './claim-timeline.js';

/** GET /claims/{id}/history: the claim's stream straight from the ledger, envelopes as hashed, and a timeline beside them. */
@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class ClaimHistoryController {
  constructor(private readonly reader: LedgerReader) {}

  @Get(':id/history')
  @Roles('auditor', 'legal', 'verifier', 'lead-verifier', 'admin')
  async history(@Param('id', claimIdPipe) id: string, @Res() response: Response): Promise<void> {
    const [envelopes, treeSize] = await Promise.all([this.reader.stream(ClaimStream.id(id)), this.reader.treeSize()]);
    if (envelopes.length === 0) throw ClaimErrors.notFound(id);
    // The envelopes go out byte for byte as hashed; the human timeline sits beside them.
    response.type('application/json').send(`{"events":[${envelopes.join(',')}],"timeline":${JSON.stringify(claimTimeline(envelopes, treeSize))}}`);
  }
}
