/**
 * The duplicates section: both real lists (about 47,000 claims) filed into a scratch ledger as
 * `ledger import` maps them (each row a claim with its list as the attached source: for the Gaza
 * list, h or c), the projector caught up, then `ledger duplicates` over the whole read model
 * (timed, peak RSS) and GET /claims/{id}/possible-duplicates (latency). The report's pairs of two
 * Gaza claims are held against the known duplicates (bench/gaza-duplicates.ts): precision and
 * recall at several minimum scores; pairs with a VDC claim are counted apart (the VDC list has
 * no birth dates to tell). The pairs a reader should look at by eye (reported but not known, known
 * but missed) go to a review file outside the project.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClaimDetails, SourceDetails } from '@ledger/domain';
import { GAZA_MAPPING, RowMapper, VDC_MAPPING, type ImportMapping } from '@ledger/import';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { startApp } from './app-process.js';
import { dataDirectory, GAZA_FILE, VDC_FILE } from './casualty-data.js';
import { importClaims } from './claim-import.js';
import { knownDuplicates, pairKey, type GazaRow, type KnownDuplicate } from './gaza-duplicates.js';
import { cleanUpKafka, prepareLedger } from './ledger.js';
import { memoryOf, MiB } from './memory.js';
import { runNode } from './proc.js';
import { say } from './say.js';
import { analyzeIfNoAutovacuum, assertScratch, drop } from './scratch.js';
import { fmtInt, fmtMs, summarize, table } from './stats.js';

const CLI = 'dist/apps/ledger-cli/src/main.js';

export interface DuplicatesSettings {
  /** The report's --min-score: the lowest threshold measured. */
  reportMinScore: number;
  thresholds: number[];
  /** GET /claims/{id}/possible-duplicates requests timed (the known pairs' claims first). */
  apiRequests: number;
  perCommand: number;
  importConcurrency: number;
}

export interface ThresholdRow {
  minScore: number;
  reported: number;
  known: number;
  precision: number;
  recall: number;
}

export interface DuplicatesRun {
  measured: true;
  rows: number;
  claims: number;
  refused: number;
  vdc: { rows: number; claims: number; refused: number; pairs: number };
  known: { pairs: number; byRule: Record<string, number> };
  load: { events: number; seconds: number };
  projectedSeconds: number | null;
  report: { seconds: number; peakRss: number; compared: number; pairs: number; summary: string };
  thresholds: ThresholdRow[];
  api: { requests: number; p50: number; p99: number; max: number; errors: number; knownFound: number; knownAsked: number };
  reviewFile: string;
  notes: string[];
}

export type DuplicatesResult = { measured: false; reason: string } | DuplicatesRun;

interface ReportLine {
  score: number;
  claimA: string;
  claimB: string;
  reasons: Array<{ feature: string; outcome: string; weight: number }>;
}

interface ListClaims {
  /** The rows behind the claims (for the Gaza list: what the ground truth needs). */
  rows: string[][];
  header: string[];
  claims: ClaimDetails[];
  sources: SourceDetails[];
  refused: number;
  total: number;
}

/** A list as `ledger import` maps it: each row it accepts a claim, with the file as the source. */
function listClaims(file: string, mapping: ImportMapping): ListClaims {
  const text = readFileSync(file, 'utf8');
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  const [header, ...records] = parse(text, { bom: true, relax_quotes: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  const mapper = new RowMapper(mapping, header, new Date().toISOString().slice(0, 10));
  const out: ListClaims = { rows: [], header, claims: [], sources: [], refused: 0, total: records.length };
  for (const [i, fields] of records.entries()) {
    const outcome = mapper.map(fields, i + 1);
    if (!outcome.ok) continue;
    out.rows.push(fields);
    out.claims.push(outcome.claim.details);
    out.sources.push({ ...outcome.claim.source, contentSha256: sha256 });
  }
  out.refused = records.length - out.rows.length;
  return out;
}

function gazaRows(list: ListClaims): GazaRow[] {
  const column = (name: string): number => list.header.map((h) => h.trim()).indexOf(name);
  const at = { id: column('id'), name: column('name'), latin: column('en_name'), age: column('age'), dob: column('dob'), sex: column('sex'), source: column('source') };
  return list.rows.map((fields) => {
    const cell = (index: number): string => (fields[index] ?? '').trim();
    return {
      id: cell(at.id),
      name: cell(at.name),
      latin: cell(at.latin),
      age: /^\d{1,3}$/.test(cell(at.age)) ? Number(cell(at.age)) : null,
      dob: cell(at.dob),
      sex: cell(at.sex),
      source: cell(at.source),
    };
  });
}

export async function duplicatesSection(stamp: string, settings: DuplicatesSettings): Promise<DuplicatesResult> {
  const data = dataDirectory();
  if ('missing' in data) {
    say(`duplicates: not measured: ${data.missing}`);
    return { measured: false, reason: data.missing };
  }
  const gaza = listClaims(join(data.dir, GAZA_FILE), GAZA_MAPPING);
  const vdc = listClaims(join(data.dir, VDC_FILE), VDC_MAPPING);
  const rows = gazaRows(gaza);
  const known = knownDuplicates(rows);
  const byRule: Record<string, number> = {};
  for (const k of known) byRule[k.rule] = (byRule[k.rule] ?? 0) + 1;
  say(
    `duplicates: ${fmtInt(gaza.claims.length)} claims from ${fmtInt(gaza.total)} rows of ${GAZA_FILE} (${gaza.refused} refused by the mapping), ` +
      `${fmtInt(vdc.claims.length)} from ${fmtInt(vdc.total)} rows of ${VDC_FILE} (${vdc.refused} refused); ${known.length} known duplicate pairs in the Gaza list`,
  );
  const notes: string[] = [];
  const ledger = await prepareLedger(stamp, 'duplicates');
  try {
    const load = await importClaims(ledger.db, [...gaza.claims, ...vdc.claims], settings.perCommand, settings.importConcurrency, [...gaza.sources, ...vdc.sources]);
    say(`  filed ${fmtInt(load.events)} events (ClaimFiled + SourceAttached) in ${load.seconds.toFixed(1)} s; starting the ledger (API + projector) on that backlog`);
    const gazaIds = load.claimIds.slice(0, rows.length);
    const rowOf = new Map(gazaIds.map((id, i) => [id, rows[i]]));
    const claimOf = new Map(gazaIds.map((id, i) => [rows[i].id, id]));
    const app = await startApp(ledger.appEnv, undefined, { timeoutMs: 120000 });
    try {
      const check = await claimsProjected(ledger.db.adminUrl, load.claimIds.length, 900000);
      say(`  claims read model: ${fmtInt(check.visible)} of ${fmtInt(load.claimIds.length)} claims${check.caughtUpSeconds === null ? ', still behind after 900 s' : ` after ${check.caughtUpSeconds.toFixed(1)} s`}`);
      if (check.caughtUpSeconds === null) throw new Error(`the projector did not catch up: ${check.visible} of ${load.claimIds.length} claims`);
      if (await analyzeIfNoAutovacuum(ledger.db, ['claim_view', 'claim_documents'])) notes.push('autovacuum is off on this server: the bench ran VACUUM (ANALYZE) on claim_view and claim_documents before measuring.');

      const out = join(tmpdir(), `ledger-bench-duplicates-${stamp}.jsonl`);
      let peakRss = 0;
      let sampler: NodeJS.Timeout | undefined;
      const run = await runNode([CLI, 'duplicates', '--min-score', String(settings.reportMinScore), '--format', 'jsonl', '--out', out], { DATABASE_URL: ledger.db.appUrl, LOG_LEVEL: 'warn' }, (pid) => {
        sampler = setInterval(() => {
          const peak = memoryOf(pid)?.peak;
          if (peak !== undefined && Number.isFinite(peak)) peakRss = Math.max(peakRss, peak);
        }, 100);
      });
      clearInterval(sampler);
      if (run.code !== 0) throw new Error(`ledger duplicates exited with ${run.code}: ${run.stderr}`);
      const summary = run.stderr.trim().split('\n').pop() ?? '';
      const counted = /(\d+) pairs compared, (\d+) with a score/.exec(summary);
      const all = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ReportLine);
      const report = { seconds: run.ms / 1000, peakRss, compared: Number(counted?.[1] ?? Number.NaN), pairs: all.length, summary };
      // Precision and recall on the Gaza list alone: its birth dates are the ground truth.
      const lines = all.filter((l) => rowOf.has(l.claimA) && rowOf.has(l.claimB));
      say(`  ledger duplicates --min-score ${settings.reportMinScore}: ${summary.replace(/^duplicates: /, '')}; wall ${report.seconds.toFixed(1)} s, peak RSS ${fmtInt(MiB(peakRss))} MiB`);

      const knownKeys = new Set(known.map((k) => pairKey(k.a.id, k.b.id)));
      const reportedKey = (l: ReportLine): string => pairKey(rowOf.get(l.claimA)?.id ?? l.claimA, rowOf.get(l.claimB)?.id ?? l.claimB);
      const thresholds = settings.thresholds.map((minScore) => {
        const selected = lines.filter((l) => l.score >= minScore);
        const hits = selected.filter((l) => knownKeys.has(reportedKey(l))).length;
        return { minScore, reported: selected.length, known: hits, precision: hits / Math.max(1, selected.length), recall: hits / Math.max(1, known.length) };
      });
      for (const t of thresholds) say(`    min score ${t.minScore}: ${t.reported} pairs, ${t.known} known: precision ${t.precision.toFixed(3)}, recall ${t.recall.toFixed(3)}`);

      const reviewFile = join(tmpdir(), `ledger-bench-duplicates-review-${stamp}.tsv`);
      writeReview(reviewFile, lines, known, rowOf, knownKeys, reportedKey);
      say(`  pairs to review by eye (reported and not known at >= 0.7, known and missed): ${reviewFile}`);

      const api = await timeApi(app.url, ledger.token, known, claimOf, load.claimIds, settings.apiRequests);
      const vdcPairs = all.length - lines.length;
      say(`  ${vdcPairs} reported pairs with a VDC claim (not judged: that list has no birth dates)`);
      say(
        `  GET /claims/{id}/possible-duplicates: ${api.requests} requests, p50 ${fmtMs(api.p50)} ms, p99 ${fmtMs(api.p99)} ms, max ${fmtMs(api.max)} ms, errors ${api.errors}; ` +
          `the known duplicate found for ${api.knownFound} of ${api.knownAsked} known pairs' first claims (min score 0.5)`,
      );
      return {
        measured: true,
        rows: gaza.total,
        claims: gaza.claims.length,
        refused: gaza.refused,
        vdc: { rows: vdc.total, claims: vdc.claims.length, refused: vdc.refused, pairs: vdcPairs },
        known: { pairs: known.length, byRule },
        load: { events: load.events, seconds: load.seconds },
        projectedSeconds: check.caughtUpSeconds,
        report,
        thresholds,
        api,
        reviewFile,
        notes,
      };
    } finally {
      await app.stop();
    }
  } finally {
    if (process.env.BENCH_KEEP !== '1') {
      await cleanUpKafka(ledger.topic).catch((error: unknown) => say(`could not delete topic ${ledger.topic}: ${String(error)}`));
      await drop(ledger.db);
    }
  }
}

/** Waits until the claims read model holds every filed claim (each with its source: version 2). */
async function claimsProjected(adminUrl: string, expected: number, timeoutMs: number): Promise<{ visible: number; caughtUpSeconds: number | null }> {
  assertScratch(adminUrl);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const started = performance.now();
    let visible = 0;
    while (performance.now() - started < timeoutMs) {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM claim_view WHERE version >= 2`);
      visible = Number(rows[0].n);
      if (visible >= expected) return { visible, caughtUpSeconds: (performance.now() - started) / 1000 };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return { visible, caughtUpSeconds: null };
  } finally {
    await client.end();
  }
}

function writeReview(
  file: string,
  lines: ReportLine[],
  known: KnownDuplicate[],
  rowOf: Map<string, GazaRow>,
  knownKeys: Set<string>,
  reportedKey: (l: ReportLine) => string,
): void {
  const row = (r: GazaRow | undefined): string[] => (r ? [r.id, r.name, r.dob, String(r.age ?? ''), r.sex, r.source] : ['', '', '', '', '', '']);
  const reasons = (l: ReportLine): string => l.reasons.filter((r) => r.weight !== 0).map((r) => `${r.feature}:${r.outcome}(${r.weight})`).join(' ');
  const out = [['kind', 'score', 'a_id', 'a_name', 'a_dob', 'a_age', 'a_sex', 'a_list', 'b_id', 'b_name', 'b_dob', 'b_age', 'b_sex', 'b_list', 'reasons'].join('\t')];
  for (const l of [...lines].sort((x, y) => y.score - x.score)) {
    if (l.score < 0.7 || knownKeys.has(reportedKey(l))) continue;
    out.push(['reported-not-known', String(l.score), ...row(rowOf.get(l.claimA)), ...row(rowOf.get(l.claimB)), reasons(l)].join('\t'));
  }
  const scored = new Map(lines.map((l) => [reportedKey(l), l]));
  for (const k of known) {
    const l = scored.get(pairKey(k.a.id, k.b.id));
    out.push([l ? 'known' : 'known-not-reported', l ? String(l.score) : '', ...row(k.a), ...row(k.b), l ? reasons(l) : k.rule].join('\t'));
  }
  writeFileSync(file, `${out.join('\n')}\n`, { mode: 0o600 });
}

/** Latency of the route for the known pairs' first claims, then an even sample of the rest. */
async function timeApi(
  url: string,
  token: string,
  known: KnownDuplicate[],
  claimOf: Map<string, string>,
  claimIds: string[],
  requests: number,
): Promise<DuplicatesRun['api']> {
  const asked = known.map((k) => ({ id: claimOf.get(k.a.id) as string, expect: claimOf.get(k.b.id) as string }));
  const sample = Array.from({ length: Math.max(0, requests - asked.length) }, (_, i) => ({ id: claimIds[Math.floor((i * claimIds.length) / Math.max(1, requests - asked.length))], expect: '' }));
  const latencies: number[] = [];
  let errors = 0;
  let knownFound = 0;
  for (const { id, expect } of [...asked, ...sample]) {
    const started = performance.now();
    const response = await fetch(`${url}/claims/${id}/possible-duplicates?minScore=0.5&limit=50`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { candidates?: Array<{ claimId: string }> };
    latencies.push(performance.now() - started);
    if (response.status !== 200) errors++;
    else if (expect !== '' && body.candidates?.some((c) => c.claimId === expect)) knownFound++;
  }
  return { requests: latencies.length, ...summarize(latencies), errors, knownFound, knownAsked: asked.length };
}

export function duplicatesTables(result: DuplicatesResult | null): string {
  if (!result) return 'not run';
  if (!result.measured) return `not measured: ${result.reason}`;
  const r = result;
  const rules = Object.entries(r.known.byRule)
    .map(([rule, n]) => `${n} by ${rule}`)
    .join(', ');
  return [
    `Ledger: ${fmtInt(r.claims)} claims from the ${fmtInt(r.rows)} rows of the Gaza list (${r.refused} refused by the import mapping), each with its list (h or c) as source, ` +
      `and ${fmtInt(r.vdc.claims)} from the ${fmtInt(r.vdc.rows)} rows of the VDC list (${r.vdc.refused} refused), ` +
      `filed through \`PostgresEventStore\` in ${r.load.seconds.toFixed(1)} s (${fmtInt(r.load.events)} events); the claims projection caught up ${r.projectedSeconds === null ? 'n/a' : `${r.projectedSeconds.toFixed(1)} s`} after the ledger started. ` +
      `Known duplicates (docs/DUPLICATES.md, from the list's birth dates, which the ledger does not hold): ${r.known.pairs} pairs (${rules}).`,
    '',
    table(
      ['`ledger duplicates`', 'wall (process start to exit)', 'peak RSS', 'pairs compared', `pairs with score ≥ ${r.thresholds[0]?.minScore ?? ''}`],
      [[`${fmtInt(r.claims + r.vdc.claims)} claims`, `${r.report.seconds.toFixed(1)} s`, `${fmtInt(MiB(r.report.peakRss))} MiB`, fmtInt(r.report.compared), fmtInt(r.report.pairs)]],
    ),
    '',
    `The CLI's own line: \`${r.report.summary}\``,
    '',
    `Pairs of two Gaza claims against the known duplicates (${fmtInt(r.vdc.pairs)} reported pairs with a VDC claim are not judged here):`,
    '',
    table(
      ['min score', 'Gaza pairs reported', 'of them known', 'precision (against the known)', 'recall'],
      r.thresholds.map((t) => [String(t.minScore), fmtInt(t.reported), fmtInt(t.known), t.precision.toFixed(3), t.recall.toFixed(3)]),
    ),
    '',
    `GET /claims/{id}/possible-duplicates (minScore 0.5, limit 50; the known pairs' first claims, then an even sample): ${r.api.requests} requests one at a time, ` +
      `p50 ${fmtMs(r.api.p50)} ms, p99 ${fmtMs(r.api.p99)} ms, max ${fmtMs(r.api.max)} ms, errors ${r.api.errors}; it listed the known duplicate for ${r.api.knownFound} of ${r.api.knownAsked}.`,
  ].join('\n');
}
