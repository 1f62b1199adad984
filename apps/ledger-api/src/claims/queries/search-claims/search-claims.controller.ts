import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { GRADES, nameQueryTerms, type FieldProblem } from '@ledger/domain';
import { ProblemException, Roles } from '@ledger/http';
import { DIMENSION_NAMES, parseClaimFilter } from '@ledger/read-models';
import { parsePaging, unknownParameters } from '../../../read-side/paging.js';
import { ClaimSearch, type ClaimSearchRequest } from './claim-search.js';

const OWN_PARAMETERS = ['status', ...DIMENSION_NAMES, 'from', 'to', 'grade', 'q', 'limit', 'cursor', 'sort', 'asOfSeq'];

/** GET /claims: the filters of the statistics, a grade, and names in Arabic or Latin script. */
@ApiTags('claims')
@ApiBearerAuth()
@Controller('claims')
export class SearchClaimsController {
  constructor(private readonly search: ClaimSearch) {}

  @Get()
  @Roles('documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin')
  @ApiQuery({ name: 'q', required: false, description: 'names, Arabic or Latin; diacritics, hamza/alef/ta-marbuta/ya variants, case and accents ignored' })
  @ApiQuery({ name: 'status', required: false, description: 'a claim status, or "all" (not retracted, not a duplicate); default every status' })
  @ApiQuery({ name: 'asOfSeq', required: false, description: 'filter on the claims as the ledger stood at this seq (links from /stats/casualties)' })
  @ApiQuery({ name: 'sort', required: false, enum: ['-filed', 'filed'], description: 'newest filed first (default) or oldest first' })
  @ApiQuery({ name: 'cursor', required: false, description: 'the `next` of the previous page' })
  async list(@Query() query: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.search.page(parseSearch(query));
  }
}

function parseSearch(query: Record<string, unknown>): ClaimSearchRequest {
  const problems: FieldProblem[] = [];
  unknownParameters(query, OWN_PARAMETERS, problems);
  const filter = parseClaimFilter(query, problems);
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.length > 0 && value.length <= 200) return value;
    problems.push({ path: `query:${name}`, message: 'must be given once, 1 to 200 characters' });
    return undefined;
  };
  const integer = (name: string, min: number, max: number): number | undefined => {
    const text = single(name);
    if (text === undefined) return undefined;
    if (/^\d{1,15}$/.test(text) && Number(text) >= min && Number(text) <= max) return Number(text);
    problems.push({ path: `query:${name}`, message: `must be an integer from ${min} to ${max}` });
    return undefined;
  };
  const grade = single('grade');
  if (grade !== undefined && !(GRADES as readonly string[]).includes(grade)) problems.push({ path: 'query:grade', message: `must be one of ${GRADES.join(', ')}` });
  const q = single('q');
  const terms = q === undefined ? [] : nameQueryTerms(q);
  if (q !== undefined && terms.length === 0) problems.push({ path: 'query:q', message: 'must hold a name part of at least two letters' });
  const sort = single('sort') ?? '-filed';
  if (sort !== 'filed' && sort !== '-filed') problems.push({ path: 'query:sort', message: 'must be "filed" or "-filed"' });
  const { limit, after } = parsePaging(query, problems);
  const asOfSeq = integer('asOfSeq', 0, Number.MAX_SAFE_INTEGER);
  if (problems.length > 0) throw ProblemException.badRequest('REQUEST.INVALID', problems);
  return { filter, grade, terms, ascending: sort === 'filed', after, limit, asOfSeq };
}
