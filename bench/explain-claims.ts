/**
 * The GET /claims mix of the read section as SQL alone: each query ClaimSearch sends, run under
 * EXPLAIN (ANALYZE) on a kept read-bench ledger, its planning plus execution time summed by kind,
 * then the slowest plans (node type, index, estimated and actual rows). No HTTP, no API process:
 * what Postgres costs per search, and which plans go wrong. After
 * `BENCH_KEEP=1 BENCH_SECTIONS=read npm run bench`:
 *
 *   node dist/bench/explain-claims.js [queries (2000)] [slowest shown (8)]
 *
 * (`BENCH_ADMIN_DATABASE_URL` as for the bench; the database is ledger_bench_read). Not part of
 * `npm run bench`; for investigating a gap.
 */
import pg from 'pg';
import { nameQueryTerms, type FieldProblem } from '@ledger/domain';
import { parseClaimFilter } from '@ledger/read-models';
import { ClaimSearch, type ClaimSearchRequest } from '../apps/ledger-api/src/claims/queries/search-claims/claim-search.js';
import { decodeCursor } from '../apps/ledger-api/src/read-side/paging.js';
import { benchClaims, dataDirectory, readCasualtyLists } from './casualty-data.js';
import { queryMix, QUERY_KINDS, type QueryKind } from './claim-queries.js';
import { scratchDatabase } from './scratch.js';
import { fmtMs, summarize } from './stats.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Plan Rows': number;
  'Actual Rows': number;
  'Actual Total Time': number;
  Plans?: PlanNode[];
}

interface Explained {
  kind: QueryKind;
  params: Record<string, string>;
  ms: number;
  plans: PlanNode[];
}

/** As the bench's GET /claims mix: the same claims (BENCH_READ_CLAIMS, default 100,000) and seed. */
async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 2000);
  const shown = Number(process.argv[3] ?? 8);
  const data = dataDirectory();
  if ('missing' in data) throw new Error(data.missing);
  const claims = benchClaims(readCasualtyLists(data.dir), Number(process.env.BENCH_READ_CLAIMS ?? 100000));
  const pool = new pg.Pool({ connectionString: scratchDatabase('read').adminUrl, max: 1 });
  let timing: { ms: number; plans: PlanNode[] } | null = null;
  const dataSource = {
    query: async (sql: string, params: unknown[]): Promise<unknown[]> => {
      if (timing) {
        const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
        const [explained] = rows[0]['QUERY PLAN'] as Array<{ 'Planning Time': number; 'Execution Time': number; Plan: PlanNode }>;
        timing.ms += explained['Planning Time'] + explained['Execution Time'];
        timing.plans.push(explained.Plan);
      }
      return (await pool.query(sql, params)).rows;
    },
  };
  const search = new ClaimSearch(dataSource as never);
  const request = (params: Record<string, string>): ClaimSearchRequest => {
    const problems: FieldProblem[] = [];
    const filter = parseClaimFilter(params, problems);
    if (problems.length > 0) throw new Error(`bad query ${JSON.stringify(params)}: ${JSON.stringify(problems)}`);
    return { filter, terms: params.q ? nameQueryTerms(params.q) : [], ascending: false, limit: 50, after: params.cursor ? decodeCursor(params.cursor) : undefined };
  };
  const explained: Explained[] = [];
  try {
    for (const spec of queryMix(claims, count, 2)) {
      let params = spec.params;
      if (spec.kind === 'next-page') {
        timing = null;
        const first = (await search.page(request(params))) as { next: string | null };
        if (first.next === null) continue;
        params = { ...params, cursor: first.next };
      }
      timing = { ms: 0, plans: [] };
      await search.page(request(params));
      explained.push({ kind: spec.kind, params, ...timing });
    }
  } finally {
    await pool.end();
  }
  const line = (label: string, ms: number[]): void => {
    const s = summarize(ms);
    process.stdout.write(`${label.padEnd(18)} ${String(ms.length).padStart(5)}  p50 ${fmtMs(s.p50)} ms  p99 ${fmtMs(s.p99)} ms  max ${fmtMs(s.max)} ms\n`);
  };
  for (const kind of QUERY_KINDS) line(kind, explained.filter((e) => e.kind === kind).map((e) => e.ms));
  line('all', explained.map((e) => e.ms));
  const tree = (node: PlanNode, depth: number): string =>
    `${'  '.repeat(depth)}${node['Node Type']}${node['Index Name'] ? ` ${node['Index Name']}` : ''}: rows estimated ${node['Plan Rows']}, actual ${node['Actual Rows']}, ${fmtMs(node['Actual Total Time'])} ms\n` +
    (node.Plans ?? []).map((child) => tree(child, depth + 1)).join('');
  for (const e of [...explained].sort((a, b) => b.ms - a.ms).slice(0, shown)) {
    process.stdout.write(`\n${fmtMs(e.ms)} ms ${e.kind} ${new URLSearchParams(e.params).toString()}\n${e.plans.map((plan) => tree(plan, 1)).join('')}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
