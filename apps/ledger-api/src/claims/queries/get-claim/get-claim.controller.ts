import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ClaimErrors } from '@ledger/domain';
import { problem, ProblemException, Roles } from '@ledger/http';
import type { ClaimView } from '@ledger/read-models';
import type { Response } from 'express';
import { claimIdPipe } from '../../claim-id.pipe.js';
import { GetClaimQuery } from './get-claim.query.js';
import { ReadModelBehindError } from './get-claim.handler.js';

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
    let claim: ClaimView | null;
    try {
      claim = await this.queries.execute(new GetClaimQuery(id, minVersion));
    } catch (error) {
      if (!(error instanceof ReadModelBehindError)) throw error;
      throw new ProblemException(problem(503, error.code, error.message), { 'Retry-After': '1' });
    }
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
