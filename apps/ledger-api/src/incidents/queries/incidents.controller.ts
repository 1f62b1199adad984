import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CAUSES, IncidentErrors, type FieldProblem } from '@ledger/domain';
import { ProblemException, Roles } from '@ledger/http';
import { DataSource } from 'typeorm';
import { encodeCursor, parsePaging, unknownParameters } from '../../read-side/paging.js';
import { incidentIdPipe } from '../incident-id.pipe.js';

interface IncidentRow {
  id: string;
  version: number;
  code: string;
  date: string | null;
  date_from: string | null;
  date_to: string | null;
  precision: string;
  place: unknown;
  attack_type: string;
  perpetrator: string | null;
  narrative: string;
  reported: Record<string, unknown>;
  sources: unknown[];
  recorded_seq: string;
}

/** Verified and documented totals of the claims naming an incident, beside what was reported. */
const TOTALS = `
  count(*) FILTER (WHERE c.status = 'verified')::int AS verified_killed,
  count(*) FILTER (WHERE c.status = 'verified' AND c.age_group = 'child')::int AS verified_children,
  count(*) FILTER (WHERE c.status = 'verified' AND c.age_group = 'adult' AND c.sex = 'female')::int AS verified_women,
  count(*) FILTER (WHERE c.status NOT IN ('retracted', 'duplicate'))::int AS documented_killed,
  count(*) FILTER (WHERE c.status NOT IN ('retracted', 'duplicate') AND c.age_group = 'child')::int AS documented_children,
  count(*) FILTER (WHERE c.status NOT IN ('retracted', 'duplicate') AND c.age_group = 'adult' AND c.sex = 'female')::int AS documented_women`;

type Totals = Record<'verified_killed' | 'verified_children' | 'verified_women' | 'documented_killed' | 'documented_children' | 'documented_women', number>;

/** GET /incidents and GET /incidents/{id}: massacres with their claims, reported against verified. */
@ApiTags('incidents')
@ApiBearerAuth()
@Controller('incidents')
export class IncidentsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Roles('documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin')
  @ApiQuery({ name: 'perpetrator', required: false })
  @ApiQuery({ name: 'governorate', required: false })
  @ApiQuery({ name: 'attackType', required: false })
  @ApiQuery({ name: 'code', required: false, description: 'the incident code, exactly' })
  async list(@Query() query: Record<string, unknown>): Promise<Record<string, unknown>> {
    const problems: FieldProblem[] = [];
    unknownParameters(query, ['perpetrator', 'governorate', 'attackType', 'code', 'limit', 'cursor'], problems);
    const { limit, after } = parsePaging(query, problems);
    const params: unknown[] = [];
    const conditions: string[] = [];
    for (const [name, column] of [['perpetrator', 'perpetrator'], ['governorate', 'governorate'], ['attackType', 'attack_type'], ['code', 'code']] as const) {
      const value = query[name];
      if (value === undefined) continue;
      if (typeof value !== 'string' || value.length === 0 || value.length > 200) problems.push({ path: `query:${name}`, message: 'must be given once, 1 to 200 characters' });
      else if (name === 'attackType' && !(CAUSES as readonly string[]).includes(value)) problems.push({ path: 'query:attackType', message: `must be one of ${CAUSES.join(', ')}` });
      else {
        params.push(value);
        conditions.push(`i.${column} = $${params.length}`);
      }
    }
    if (problems.length > 0) throw ProblemException.badRequest('REQUEST.INVALID', problems);
    if (after !== undefined) {
      params.push(after);
      conditions.push(`i.recorded_seq < $${params.length}`);
    }
    params.push(limit + 1);
    const rows: Array<IncidentRow & Totals> = await this.dataSource.query(
      `SELECT i.*, t.* FROM incident_view i
       CROSS JOIN LATERAL (SELECT ${TOTALS} FROM claim_view c WHERE c.incident_id = i.id) t
       ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY i.recorded_seq DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => ({ ...incident(row), totals: totals(row) })),
      next: rows.length > limit ? encodeCursor(Number(page[page.length - 1].recorded_seq)) : null,
    };
  }

  @Get(':id')
  @Roles('documenter', 'verifier', 'lead-verifier', 'legal', 'auditor', 'admin')
  async get(@Param('id', incidentIdPipe) id: string): Promise<Record<string, unknown>> {
    const [row]: Array<IncidentRow & Totals> = await this.dataSource.query(
      `SELECT i.*, t.* FROM incident_view i
       CROSS JOIN LATERAL (SELECT ${TOTALS} FROM claim_view c WHERE c.incident_id = i.id) t
       WHERE i.id = $1`,
      [id],
    );
    if (!row) throw IncidentErrors.notFound(id);
    const claims: Array<{ id: string; version: number; status: string; grade: string | null; victim: unknown }> = await this.dataSource.query(
      `SELECT id, version, status, grade, details->'victim' AS victim FROM claim_view WHERE incident_id = $1 ORDER BY filed_seq`,
      [id],
    );
    return { ...incident(row), sources: row.sources, totals: totals(row), claims };
  }
}

function incident(row: IncidentRow): Record<string, unknown> {
  return {
    id: row.id,
    version: row.version,
    code: row.code,
    ...(row.date === null ? {} : { date: row.date }),
    ...(row.date_from === null ? {} : { from: row.date_from }),
    ...(row.date_to === null ? {} : { to: row.date_to }),
    precision: row.precision,
    place: row.place,
    attackType: row.attack_type,
    perpetrator: row.perpetrator,
    narrative: row.narrative,
    reported: row.reported,
  };
}

function totals(row: Totals & { reported: Record<string, unknown> }): Record<string, unknown> {
  return {
    reported: row.reported,
    verified: { killed: row.verified_killed, children: row.verified_children, women: row.verified_women },
    documented: { killed: row.documented_killed, children: row.documented_children, women: row.documented_women },
  };
}
