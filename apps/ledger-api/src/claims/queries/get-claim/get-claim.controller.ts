import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ClaimErrors } from '@ledger/domain';
import { ProblemException, Roles } from '@ledger/http';
import type { Response } from 'express';
import { claimIdPipe } from '../../claim-id.pipe.js';
import { GetClaimQuery } from './get-claim.query.js';

@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class GetClaimController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id')
  @Roles('documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin')
  async get(
    @Param('id', claimIdPipe) id: string,
    @Query('minVersion') minVersionText: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Record<string, unknown>> {
    const minVersion = parseMinVersion(minVersionText);
    const claim = await this.queries.execute(new GetClaimQuery(id, minVersion));
    if (!claim) throw ClaimErrors.notFound(id);
    response.setHeader('ETag', `"${claim.version}"`);
    return {
      id: claim.id,
      version: claim.version,
      status: claim.status,
      grade: claim.grade,
      victim: claim.victim,
      death: claim.death,
      place: claim.place,
      cause: claim.cause,
      perpetrator: claim.perpetrator,
      incidentId: claim.incidentId,
      duplicateOf: claim.duplicateOf,
      testimony: claim.testimony,
      sources: claim.sources,
      verifications: claim.verifications,
      disputes: claim.disputes,
    };
  }
}

function parseMinVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) {
    throw ProblemException.badRequest('REQUEST.INVALID', [{ path: 'query:minVersion', message: 'must be a positive integer' }]);
  }
  return Number(text);
}
