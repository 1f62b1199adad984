import { parseArgs } from 'node:util';
import { claimEventFromStored, evolveClaim, initialClaimState, type FieldProblem, type FiledClaim, type ClaimState } from '@ledger/domain';
import { casualtyCsv, casualtyReport, claimFacts, countCasualties, DIMENSION_NAMES, parseCasualtyQuery } from '@ledger/read-models';
import { DataSource } from 'typeorm';
import { UsageError } from '../usage-error.js';

const PAGE = 5000;

export interface StatsOutput {
  readonly stdout: { write(text: string): unknown };
}

/**
 * `npm run ledger -- stats --at-seq <n> ...`: the casualty figures recomputed from the ledger's
 * own events as it stood at seq n, by folding every claim stream with the domain's rules; the
 * read side's figures for the same seq must be identical, bucket hashes included.
 */
export async function statsCommand(args: string[], env: NodeJS.ProcessEnv, output: StatsOutput): Promise<number> {
  const dimensionOptions = Object.fromEntries(DIMENSION_NAMES.map((name) => [kebab(name), { type: 'string' as const }]));
  const { values } = parseArgs({
    args,
    options: {
      'at-seq': { type: 'string' },
      'group-by': { type: 'string' },
      status: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      csv: { type: 'boolean', default: false },
      ...dimensionOptions,
    },
    strict: true,
    allowPositionals: false,
  });
  // Dimensions are named as the options name them (age-group) or as the API does (ageGroup).
  const byKebab = new Map(DIMENSION_NAMES.map((name) => [kebab(name), name]));
  const groupBy = values['group-by']?.split(',').map((name) => byKebab.get(name.trim()) ?? name.trim()).join(',');
  const params: Record<string, unknown> = { groupBy, status: values.status, from: values.from, to: values.to };
  for (const name of DIMENSION_NAMES) params[name] = (values as Record<string, unknown>)[kebab(name)];
  for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
  const problems: FieldProblem[] = [];
  const query = parseCasualtyQuery(params, problems);
  const atSeqText = values['at-seq'];
  if (atSeqText !== undefined && !/^\d{1,15}$/.test(atSeqText)) problems.push({ path: 'at-seq', message: 'must be a non-negative integer' });
  if (problems.length > 0) throw new UsageError(problems.map((p) => `${p.path.replace(/^query:/, '--')}: ${p.message}`).join('\n'));

  const url = env.DATABASE_URL?.trim();
  if (!url || !/^postgres(ql)?:\/\/\S+$/.test(url)) throw new UsageError('DATABASE_URL (a postgres:// URL) is needed to count from the ledger');
  const dataSource = new DataSource({ type: 'postgres', url, applicationName: 'ledger-stats', extra: { max: 1 } });
  await dataSource.initialize();
  try {
    const [{ last_seq: size }] = (await dataSource.query(`SELECT last_seq FROM sequencer_state WHERE id = 1`)) as Array<{ last_seq: string }>;
    const atSeq = atSeqText === undefined ? Number(size) : Number(atSeqText);
    if (atSeq > Number(size)) throw new UsageError(`--at-seq ${atSeq} is beyond the ledger, which has ${size} sequenced events`);
    const claims = await claimsAt(dataSource, atSeq);
    const buckets = countCasualties(
      [...claims].filter(([, state]) => state.exists).map(([id, state]) => ({ id, facts: claimFacts(state as FiledClaim) })),
      query,
    );
    const report = casualtyReport(query, atSeq, buckets);
    output.stdout.write(values.csv ? casualtyCsv(query, report as Parameters<typeof casualtyCsv>[1]) : `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

/** Every claim's state after the events with seq <= atSeq, read in seq order, page by page. */
async function claimsAt(dataSource: DataSource, atSeq: number): Promise<Map<string, ClaimState>> {
  const claims = new Map<string, ClaimState>();
  let after = 0;
  for (;;) {
    const rows = (await dataSource.query(
      `SELECT l.seq, e.stream_id, e.type, e.canonical FROM ledger_log l JOIN ledger_events e ON e.event_id = l.event_id
       WHERE l.seq > $1 AND l.seq <= $2 ORDER BY l.seq LIMIT ${PAGE}`,
      [after, atSeq],
    )) as Array<{ seq: string; stream_id: string; type: string; canonical: string }>;
    for (const row of rows) {
      if (!row.stream_id.startsWith('claim-')) continue;
      const envelope = JSON.parse(row.canonical) as { type: string; schemaVersion: number; payload: object };
      const id = row.stream_id.slice('claim-'.length);
      claims.set(id, evolveClaim(claims.get(id) ?? initialClaimState, claimEventFromStored(envelope.type, envelope.schemaVersion, envelope.payload)));
    }
    if (rows.length < PAGE) return claims;
    after = Number(rows[rows.length - 1].seq);
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
