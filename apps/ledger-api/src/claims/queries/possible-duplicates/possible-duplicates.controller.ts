import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ClaimErrors, type FieldProblem } from '@ledger/domain';
import { ProblemException, Roles } from '@ledger/http';
import { findDuplicateCandidates } from '@ledger/read-models';
import { DataSource } from 'typeorm';
import { unknownParameters } from '../../../read-side/paging.js';
import { claimIdPipe } from '../../claim-id.pipe.js';

export const DUPLICATES_LIMIT_DEFAULT = 10;
export const DUPLICATES_LIMIT_MAX = 50;
export const DUPLICATES_MIN_SCORE_DEFAULT = 0.5;

/**
 * GET /claims/{id}/possible-duplicates: the claims that may be about the same person, scored with
 * their reasons (docs/DUPLICATES.md), for a verifier to confirm with POST /claims/{id}/duplicate-of.
 * Readable by whoever may read claims: it shows nothing GET /claims does not.
 */
@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class PossibleDuplicatesController {
  constructor(private readonly dataSource: DataSource) {}

  @Get(':id/possible-duplicates')
  @Roles('documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin')
  @ApiOperation({
    summary: 'Claims that may be about the same person',
    description:
      'Candidates share a blocking key with the claim (given name with family or father\'s name, in any spelling or script), are neither retracted nor already duplicates, ' +
      'and are of a compatible sex. Each has a score from 0 to 1, the reasons behind it (feature, outcome, weight) and a summary (name, sex, age, date and place of death, status). ' +
      'Best first. A retracted claim or a duplicate has none. Confirm one with POST /claims/{id}/duplicate-of.',
  })
  @ApiQuery({ name: 'limit', required: false, description: `at most this many candidates, 1 to ${DUPLICATES_LIMIT_MAX} (default ${DUPLICATES_LIMIT_DEFAULT})` })
  @ApiQuery({ name: 'minScore', required: false, description: `only candidates scoring at least this, 0 to 1 (default ${DUPLICATES_MIN_SCORE_DEFAULT})` })
  async list(@Param('id', claimIdPipe) id: string, @Query() query: Record<string, unknown>): Promise<Record<string, unknown>> {
    const options = parseOptions(query);
    const found = await findDuplicateCandidates(this.dataSource, id, options);
    if (found === null) throw ClaimErrors.notFound(id);
    return { claimId: id, status: found.status, minScore: options.minScore, candidates: found.candidates };
  }
}

function parseOptions(query: Record<string, unknown>): { limit: number; minScore: number } {
  const problems: FieldProblem[] = [];
  unknownParameters(query, ['limit', 'minScore'], problems);
  let limit = DUPLICATES_LIMIT_DEFAULT;
  if (query.limit !== undefined) {
    const text = query.limit;
    if (typeof text === 'string' && /^\d{1,3}$/.test(text) && Number(text) >= 1 && Number(text) <= DUPLICATES_LIMIT_MAX) limit = Number(text);
    else problems.push({ path: 'query:limit', message: `must be an integer from 1 to ${DUPLICATES_LIMIT_MAX}` });
  }
  let minScore = DUPLICATES_MIN_SCORE_DEFAULT;
  if (query.minScore !== undefined) {
    const text = query.minScore;
    if (typeof text === 'string' && /^(0(\.\d{1,3})?|1(\.0{1,3})?|\.\d{1,3})$/.test(text)) minScore = Number(text);
    else problems.push({ path: 'query:minScore', message: 'must be a number from 0 to 1 (at most three decimals)' });
  }
  if (problems.length > 0) throw ProblemException.badRequest('REQUEST.INVALID', problems);
  return { limit, minScore };
}
