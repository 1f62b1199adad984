import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { claimEventFromStored, decideDataSubject, DomainError, protectedItem, witnessSubject, type ProtectedWitnessIdentity } from '@ledger/domain';
import { LedgerReader } from '@ledger/event-store';
import { plainJson, Roles } from '@ledger/http';
import { isSealedValue, witnessIdentityAad } from '@ledger/proof';
import { DataKeyVault } from '@ledger/protection';
import type { Response } from 'express';
import { claimIdPipe } from '../../claims/claim-id.pipe.js';
import { AggregateLedger } from '../../commands/aggregate-ledger.js';
import { CommandMeta, type CommandRequest } from '../../commands/command-request.js';
import { sendOutcome } from '../../commands/send-outcome.js';
import { ClaimStream } from '../../streams/claim-stream.js';
import { DataSubjectStream } from '../../streams/data-subject-stream.js';
import { DiscloseWitnessIdentityDto } from './disclose-witness-identity.dto.js';

const testimonyIdPipe = new ParseUUIDPipe({ exceptionFactory: () => new DomainError('TESTIMONY.NOT_FOUND', 'not-found', 'No testimony has that id.') });

/**
 * A witness's identity in plaintext, for a role with the right and a stated purpose. The reading
 * itself is a ledger event of the witness's own stream, recorded before the plaintext leaves; an
 * erased witness's identity is never disclosed again.
 */
@ApiTags('protection')
@ApiBearerAuth()
@Controller('claims')
export class DiscloseWitnessIdentityController {
  constructor(
    private readonly reader: LedgerReader,
    private readonly ledger: AggregateLedger,
    private readonly vault: DataKeyVault,
  ) {}

  @Post(':id/testimony/:testimonyId/witness-identity/disclosures')
  @Roles('legal', 'lead-verifier', 'admin')
  @HttpCode(200)
  async disclose(
    @Param('id', claimIdPipe) claimId: string,
    @Param('testimonyId', testimonyIdPipe) testimonyId: string,
    @Body() body: DiscloseWitnessIdentityDto,
    @CommandMeta() request: CommandRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Record<string, unknown>> {
    const { purpose } = plainJson(body);
    const { pseudonym, identity } = await this.testimony(claimId, testimonyId);
    const subject = isSealedValue(identity) ? identity.subject : witnessSubject(pseudonym);
    let plaintext: unknown = identity;
    const outcome = await this.ledger.run(request, DataSubjectStream, subject, async ({ state, context, tx }) => {
      const events = decideDataSubject({ type: 'Disclose', subject, claimId, items: [protectedItem.witnessIdentity(testimonyId)], purpose }, state, context);
      // Opened while the subject's stream is locked: an erasure cannot slip in between.
      if (isSealedValue(identity)) plaintext = await this.vault.open(identity, witnessIdentityAad(identity.subject, testimonyId), tx);
      return { events };
    });
    // A repeat with the same Idempotency-Key answers the first disclosure's ids, never the sealed value.
    return { ...sendOutcome(response, outcome), subject, ...(outcome.replayed ? {} : { witnessIdentity: plaintext }) };
  }

  private async testimony(claimId: string, testimonyId: string): Promise<{ pseudonym: string; identity: ProtectedWitnessIdentity }> {
    const stream = await this.reader.streamRead(ClaimStream.id(claimId));
    for (const envelope of stream.events) {
      if (envelope.type !== 'TestimonyRecorded') continue;
      const event = claimEventFromStored(envelope.type, envelope.schemaVersion, envelope.payload);
      if (event.type !== 'TestimonyRecorded' || event.data.testimonyId !== testimonyId) continue;
      const identity = event.data.protected.witnessIdentity;
      if (!identity) throw new DomainError('TESTIMONY.NO_IDENTITY', 'not-found', 'This testimony was recorded without a witness identity.');
      return { pseudonym: event.data.witness.pseudonym, identity };
    }
    throw new DomainError('TESTIMONY.NOT_FOUND', 'not-found', 'No testimony has that id on this claim.');
  }
}
