import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { decideDataSubject, DomainError, parseDataSubject } from '@ledger/domain';
import { LedgerReader } from '@ledger/event-store';
import { plainJson, Roles } from '@ledger/http';
import { DataKeyVault } from '@ledger/protection';
import type { Response } from 'express';
import { AggregateLedger } from '../../commands/aggregate-ledger.js';
import { CommandMeta, type CommandRequest } from '../../commands/command-request.js';
import { sendOutcome } from '../../commands/send-outcome.js';
import { ClaimStream } from '../../streams/claim-stream.js';
import { DataSubjectStream } from '../../streams/data-subject-stream.js';
import { protectedItemsOf } from '../protected-items.js';
import { DisclosePersonalDataDto } from './disclose-personal-data.dto.js';

/**
 * Any data subject's protected data on one claim, in plaintext, for a role with the right and a
 * stated purpose: a witness's identity and sealed statements, a relative named in testimony, a
 * victim's contacts and medical details. The reading is a ProtectedDataDisclosed event of the
 * subject's own stream, naming every value opened, recorded before the plaintext leaves; an erased
 * subject's data is never disclosed again (409 PERSONAL_DATA.ERASED).
 */
@ApiTags('protection')
@ApiBearerAuth()
@Controller('data-subjects')
export class DisclosePersonalDataController {
  constructor(
    private readonly reader: LedgerReader,
    private readonly ledger: AggregateLedger,
    private readonly vault: DataKeyVault,
  ) {}

  @Post(':subject/disclosures')
  @Roles('legal', 'lead-verifier', 'admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Read a data subject’s protected data on a claim, for a recorded purpose',
    description:
      'Subjects: `witness:<pseudonym>`, `relative:<uuid>` (from a testimony’s `relativeSubjects`), `victim:<claimId>`. ' +
      'Answers `{ id, version, eventIds, subject, claimId, values: [{ item, recordedAt, value }] }` (no `values` on a repeat with the same Idempotency-Key: ask again, which is recorded again); ' +
      '404 when the claim holds no data of the subject, 409 once it was erased.',
  })
  @ApiParam({ name: 'subject', example: 'victim:9a34f235-dba1-810b-92a2-690a2efa0e35' })
  async disclose(
    @Param('subject') subject: string,
    @Body() body: DisclosePersonalDataDto,
    @CommandMeta() request: CommandRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Record<string, unknown>> {
    const parsed = parseDataSubject(subject);
    if (!parsed) throw new DomainError('DATA_SUBJECT.NOT_FOUND', 'not-found', 'No data subject has that name (witness:<pseudonym>, relative:<uuid>, victim:<claimId>).');
    const { purpose, claimId: given } = plainJson(body);
    if (parsed.kind === 'victim' && given !== undefined && given !== parsed.id) {
      throw DomainError.invalid('REQUEST.INVALID', [{ path: '/claimId', message: `must be absent or ${parsed.id}, the claim of ${subject}` }]);
    }
    const claimId = parsed.kind === 'victim' ? parsed.id : given;
    if (claimId === undefined) throw DomainError.invalid('REQUEST.INVALID', [{ path: '/claimId', message: `is required for a ${parsed.kind} subject` }]);
    const stream = await this.reader.streamRead(ClaimStream.id(claimId));
    if (stream.version === 0) throw new DomainError('CLAIM.NOT_FOUND', 'not-found', 'No claim has that id.');
    const held = protectedItemsOf(stream.events).filter((item) => item.subject === subject);
    const values: Array<{ item: string; recordedAt: string; value: unknown }> = [];
    const outcome = await this.ledger.run(request, DataSubjectStream, subject, async ({ state, context, tx }) => {
      const events = decideDataSubject({ type: 'Disclose', subject, claimId, items: held.map((h) => h.item), purpose }, state, context);
      // Opened while the subject's stream is locked: an erasure cannot slip in between. (A decision
      // may run again after a race on the command id: start afresh.)
      values.length = 0;
      for (const item of held) {
        values.push({ item: item.item, recordedAt: item.recordedAt, value: 'sealed' in item ? await this.vault.open(item.sealed, item.aad, tx) : item.plaintext });
      }
      return { events };
    });
    // A repeat with the same Idempotency-Key answers the first disclosure's ids, not the plaintext
    // again: every plaintext that leaves has its own ProtectedDataDisclosed.
    return { ...sendOutcome(response, outcome), subject, claimId, ...(outcome.replayed ? {} : { values }) };
  }
}
