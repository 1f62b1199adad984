import { Controller, Get, Header, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { LedgerIdentity, LedgerReader, type ConsistencyProof, type InclusionProof } from '@ledger/event-store';
import { Public, Roles } from '@ledger/http';
import type { Response } from 'express';
import { integerParam } from './query-params.js';

const MAX_PAGE = 1000;

/** The log as verifiers see it (API.md "Ledger endpoints"): envelopes are sent as stored, never re-serialised. */
@ApiTags('ledger')
@Controller('ledger')
export class LedgerController {
  constructor(
    private readonly reader: LedgerReader,
    private readonly identity: LedgerIdentity,
  ) {}

  @Get('key')
  @Public()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  async key(): Promise<string> {
    return `${await this.identity.verifierKey()}\n`;
  }

  @Get('checkpoint')
  @Public()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  latestCheckpoint(): Promise<string> {
    return this.reader.latestCheckpoint();
  }

  @Get('checkpoints/:size')
  @Public()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  checkpoint(@Param('size') size: string): Promise<string> {
    return this.reader.checkpointAt(integerParam('size', size, { min: 0 }));
  }

  @Get('events')
  @Roles('auditor', 'admin')
  @ApiBearerAuth()
  async events(@Query('after') after: string | undefined, @Query('limit') limit: string | undefined, @Res() response: Response): Promise<void> {
    const page = await this.reader.events(
      integerParam('after', after, { min: 0, fallback: 0 }),
      integerParam('limit', limit, { min: 1, max: MAX_PAGE, fallback: 100 }),
    );
    response.type('application/json').send(`{"events":[${page.envelopes.join(',')}],"next":${page.next ?? 'null'}}`);
  }

  @Get('proofs/inclusion')
  @Roles('documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin')
  @ApiBearerAuth()
  async inclusion(@Query('seq') seq: string | undefined, @Query('size') size: string | undefined): Promise<InclusionProof> {
    const treeSize = size === undefined ? await this.reader.treeSize() : integerParam('size', size, { min: 1 });
    return this.reader.inclusion(integerParam('seq', seq, { min: 1 }), treeSize);
  }

  @Get('proofs/consistency')
  @Public()
  async consistency(@Query('from') from: string | undefined, @Query('to') to: string | undefined): Promise<ConsistencyProof> {
    const toSize = to === undefined ? await this.reader.treeSize() : integerParam('to', to, { min: 1 });
    return this.reader.consistency(integerParam('from', from, { min: 1 }), toSize);
  }
}
