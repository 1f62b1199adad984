import { Body, Controller, HttpCode, Logger, Param, Post, Res, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { decideDataSubject, DomainError, parseDataSubject } from '@ledger/domain';
import { plainJson, Roles } from '@ledger/http';
import { DataKeyVault } from '@ledger/protection';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { AggregateLedger } from '../../commands/aggregate-ledger.js';
import { CommandMeta, type CommandRequest } from '../../commands/command-request.js';
import { sendOutcome } from '../../commands/send-outcome.js';
import { DataSubjectStream } from '../../streams/data-subject-stream.js';
import { ErasePersonalDataDto } from './erase-personal-data.dto.js';

/**
 * Crypto-shredding (admin): `PersonalDataErased` is recorded, then the subject's data key is
 * destroyed. What it sealed stays in the ledger as ciphertext, so every hash, proof and
 * `ledger verify` still pass, and nobody can read it again. A crash between the two steps is
 * finished at the next start.
 */
@ApiTags('protection')
@ApiBearerAuth()
@Controller('data-subjects')
export class ErasePersonalDataController implements OnApplicationBootstrap {
  private readonly logger = new Logger(ErasePersonalDataController.name);

  constructor(
    private readonly ledger: AggregateLedger,
    private readonly vault: DataKeyVault,
    private readonly dataSource: DataSource,
  ) {}

  @Post(':subject/erasure')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Erase a data subject’s protected data by destroying their key (crypto-shredding)',
    description: 'Subjects: `witness:<pseudonym>`, `relative:<uuid>`, `victim:<claimId>`. Every hash and proof still verifies; 409 PERSONAL_DATA.ERASED the second time.',
  })
  @ApiParam({ name: 'subject', example: 'relative:3f0c1c2e-5b7a-4e8e-9d0a-1b2c3d4e5f60' })
  async erase(
    @Param('subject') subject: string,
    @Body() body: ErasePersonalDataDto,
    @CommandMeta() request: CommandRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Record<string, unknown>> {
    if (!parseDataSubject(subject)) {
      throw new DomainError('DATA_SUBJECT.NOT_FOUND', 'not-found', 'No data subject has that name (witness:<pseudonym>, relative:<uuid>, victim:<claimId>).');
    }
    const { reason } = plainJson(body);
    const outcome = await this.ledger.run(request, DataSubjectStream, subject, async ({ state, context }) => ({
      events: decideDataSubject({ type: 'Erase', subject, reason }, state, context),
    }));
    await this.vault.erase(subject);
    return { ...sendOutcome(response, outcome), subject, erased: true };
  }

  /** Finishes erasures recorded in the ledger whose key a crash left behind. */
  async onApplicationBootstrap(): Promise<void> {
    // Keys still held whose subject's stream records an erasure (looked up by stream id: indexed).
    const rows: Array<{ subject: string }> = await this.dataSource.query(
      `SELECT k.subject FROM protection_keys k
       WHERE k.wrapped IS NOT NULL AND EXISTS (
         SELECT 1 FROM ledger_events e
         WHERE e.stream_id = 'data-subject-' || left(encode(sha256(convert_to(k.subject, 'UTF8')), 'hex'), 32)
           AND e.type = 'PersonalDataErased')`,
    );
    for (const { subject } of rows) await this.vault.erase(subject);
    if (rows.length > 0) this.logger.warn(`finished ${rows.length} erasure(s) interrupted before their key was destroyed`);
  }
}
