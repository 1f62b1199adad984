import { Body, Controller, Logger, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { ExportScope, FieldProblem } from '@ledger/domain';
import { plainJson, ProblemException, Roles } from '@ledger/http';
import { DIMENSION_NAMES } from '@ledger/read-models';
import type { Response } from 'express';
import { CommandMeta, type CommandRequest } from '../commands/command-request.js';
import { EvidenceExporter } from './evidence-exporter.js';
import { ExportEvidenceDto, type ExportScopeDto } from './export-evidence.dto.js';

const SCOPE_MEMBERS: Record<ExportScope['type'], string> = { claim: 'claimId', claims: 'claimIds', incident: 'incidentId', query: 'filters' };
const FILTER_NAMES = ['status', ...DIMENSION_NAMES, 'from', 'to'];

/**
 * POST /exports: an evidence bundle (docs/BUNDLE-FORMAT.md) for a claim, a list, an incident or a
 * query, streamed as JSON Lines. The export is recorded in the ledger before the first byte and
 * the file's SHA-256 after the last.
 */
@ApiTags('exports')
@ApiBearerAuth()
@Controller('exports')
export class ExportEvidenceController {
  private readonly logger = new Logger(ExportEvidenceController.name);

  constructor(private readonly exporter: EvidenceExporter) {}

  @Post()
  @Roles('legal', 'admin')
  @ApiProduces('application/x-ndjson')
  async export(@Body() dto: ExportEvidenceDto, @CommandMeta() request: CommandRequest, @Res() response: Response): Promise<void> {
    const body = plainJson(dto);
    const prepared = await this.exporter.prepare(request, {
      scope: scopeOf(body.scope),
      redacted: body.includeWitnessIdentities !== true,
      justification: body.justification,
      consistencyFrom: [...new Set(body.consistencyFrom ?? [])].sort((a, b) => a - b),
    });
    response.status(200);
    response.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    response.setHeader('Content-Disposition', `attachment; filename="evidence-${prepared.exportId}.jsonl"`);
    response.setHeader('X-Export-Id', prepared.exportId);
    // Headers are gone once the first line is: a failure now can only cut the file short, which
    // any verifier detects (the `end` line is missing).
    try {
      await prepared.write(response);
      response.end();
    } catch (error) {
      this.logger.error(`export ${prepared.exportId} was cut short: ${error instanceof Error ? error.message : String(error)}`);
      response.destroy();
    }
  }
}

function scopeOf(scope: ExportScopeDto): ExportScope {
  const problems: FieldProblem[] = [];
  for (const [type, member] of Object.entries(SCOPE_MEMBERS)) {
    if (type !== scope.type && (scope as unknown as Record<string, unknown>)[member] !== undefined) {
      problems.push({ path: `/scope/${member}`, message: `is not part of a "${scope.type}" scope` });
    }
  }
  if (scope.type === 'query') {
    for (const [name, value] of Object.entries(scope.filters ?? {})) {
      if (!FILTER_NAMES.includes(name)) problems.push({ path: `/scope/filters/${name}`, message: 'is not a known filter' });
      else if (typeof value !== 'string') problems.push({ path: `/scope/filters/${name}`, message: 'must be a string' });
    }
  }
  if (problems.length > 0) throw ProblemException.badRequest('REQUEST.INVALID', problems);
  switch (scope.type) {
    case 'claim':
      return { type: 'claim', claimId: scope.claimId as string };
    case 'claims':
      return { type: 'claims', claimIds: scope.claimIds as string[] };
    case 'incident':
      return { type: 'incident', incidentId: scope.incidentId as string };
    case 'query':
      return { type: 'query', filters: scope.filters as Record<string, string> };
  }
}
