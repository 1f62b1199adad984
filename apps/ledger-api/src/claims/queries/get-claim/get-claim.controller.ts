import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ClaimErrors, DomainError } from '@ledger/domain';
import { ProblemException, Roles } from '@ledger/http';
import type { Response } from 'express';
import { claimIdPipe } from '../../claim-id.pipe.js';
import { GetClaimQuery, type ClaimPointInTime } from './get-claim.query.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class GetClaimController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id')
  @Roles('documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin')
  @ApiOperation({
    summary: 'A claim as it stands, or as it stood',
    description: 'A claim whose victim was found alive answers `victimAlive: true`, status `retracted`, and a victim without a name, at every version.',
  })
  @ApiQuery({ name: 'minVersion', required: false, description: 'wait (at most 5 s) until the read model has applied this version' })
  @ApiQuery({ name: 'atVersion', required: false, description: 'the claim as it stood at this version, replayed from its stream' })
  @ApiQuery({ name: 'asOf', required: false, description: 'the claim as the ledger had recorded it at this UTC instant (ISO 8601)' })
  async get(
    @Param('id', claimIdPipe) id: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Record<string, unknown>> {
    const when = pointInTime(query);
    const claim = await this.queries.execute(new GetClaimQuery(id, when));
    if (!claim) {
      if (when.kind === 'now') throw ClaimErrors.notFound(id);
      throw new DomainError('CLAIM.NOT_FOUND', 'not-found', when.kind === 'version' ? `claim ${id} has no version ${when.version}` : `claim ${id} had not been filed at ${when.at}`);
    }
    response.setHeader('ETag', `"${String(claim.version)}"`);
    return claim;
  }
}

function pointInTime(query: Record<string, unknown>): ClaimPointInTime {
  const invalid = (name: string, message: string): never => {
    throw ProblemException.badRequest('REQUEST.INVALID', [{ path: `query:${name}`, message }]);
  };
  for (const name of Object.keys(query)) {
    if (!['minVersion', 'atVersion', 'asOf'].includes(name)) invalid(name, 'is not a known parameter');
  }
  const given = ['minVersion', 'atVersion', 'asOf'].filter((name) => query[name] !== undefined);
  if (given.length > 1) invalid(given[1], `cannot be combined with ${given[0]}`);
  const positive = (name: string): number => {
    const text = query[name];
    if (typeof text !== 'string' || !/^\d{1,9}$/.test(text) || Number(text) < 1) return invalid(name, 'must be a positive integer');
    return Number(text);
  };
  if (query.minVersion !== undefined) return { kind: 'now', minVersion: positive('minVersion') };
  if (query.atVersion !== undefined) return { kind: 'version', version: positive('atVersion') };
  if (query.asOf !== undefined) {
    const text = query.asOf;
    if (typeof text !== 'string' || !ISO_INSTANT.test(text) || Number.isNaN(Date.parse(text))) return invalid('asOf', 'must be a UTC instant like 2026-11-25T08:00:00.000Z');
    return { kind: 'time', at: new Date(text).toISOString() };
  }
  return { kind: 'now' };
}
