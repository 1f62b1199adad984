import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { duplicatePairs, type DuplicatePair, type DuplicateProfile, type PairingCounts } from '@ledger/domain';
import { duplicateProfileOf, duplicateRows, duplicateSummary, type DuplicateSummary } from '@ledger/read-models';
import { DataSource } from 'typeorm';
import { UsageError } from '../usage-error.js';

export interface DuplicatesOutput {
  readonly stdout: Writable;
  readonly stderr: { write(text: string): unknown };
}

const CSV_HEADER = [
  'score',
  'claim_a',
  'claim_b',
  'reasons',
  ...['a', 'b'].flatMap((side) => ['status', 'name_arabic', 'name_latin', 'sex', 'age', 'age_group', 'death', 'place'].map((field) => `${side}_${field}`)),
];

/**
 * `npm run ledger -- duplicates [--min-score 0.8] [--format csv|jsonl] [--out file]`: every pair of
 * claims in the claims read model that may be about one person, each pair once (claim_a filed
 * before claim_b), written as it is found. Claims are read page by page, blocked and scored in
 * memory with the same rules as GET /claims/{id}/possible-duplicates.
 */
export async function duplicatesCommand(args: string[], env: NodeJS.ProcessEnv, output: DuplicatesOutput): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'min-score': { type: 'string', default: '0.8' },
      format: { type: 'string', default: 'csv' },
      out: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const minScoreText = values['min-score'];
  if (!/^(0(\.\d{1,3})?|1(\.0{1,3})?|\.\d{1,3})$/.test(minScoreText)) throw new UsageError('--min-score: must be a number from 0 to 1 (at most three decimals)');
  const minScore = Number(minScoreText);
  const format = values.format;
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError('--format: must be csv or jsonl');
  const url = env.DATABASE_URL?.trim();
  if (!url || !/^postgres(ql)?:\/\/\S+$/.test(url)) throw new UsageError('DATABASE_URL (a postgres:// URL) is needed to read the claims read model');

  const started = performance.now();
  const dataSource = new DataSource({ type: 'postgres', url, applicationName: 'ledger-duplicates', extra: { max: 1 } });
  await dataSource.initialize();
  const profiles: DuplicateProfile[] = [];
  const summaries = new Map<string, DuplicateSummary>();
  try {
    for await (const rows of duplicateRows(dataSource)) {
      for (const row of rows) {
        profiles.push(duplicateProfileOf(row));
        summaries.set(row.id, duplicateSummary(row));
      }
    }
  } finally {
    await dataSource.destroy();
  }
  const loaded = performance.now();

  const sink = values.out === undefined ? output.stdout : createWriteStream(values.out, { mode: 0o600 });
  const write = async (text: string): Promise<void> => {
    if (!sink.write(text)) await once(sink, 'drain');
  };
  const counts: PairingCounts = { compared: 0, reported: 0 };
  try {
    if (format === 'csv') await write(`${CSV_HEADER.join(',')}\n`);
    for (const pair of duplicatePairs(profiles, minScore, counts)) {
      const a = summaries.get(pair.a.id) as DuplicateSummary;
      const b = summaries.get(pair.b.id) as DuplicateSummary;
      await write(format === 'csv' ? csvLine(pair, a, b) : `${JSON.stringify({ score: pair.score, claimA: pair.a.id, claimB: pair.b.id, reasons: pair.reasons, a, b })}\n`);
    }
  } finally {
    if (sink !== output.stdout) {
      sink.end();
      await once(sink, 'close');
    }
  }
  const seconds = (ms: number): string => (ms / 1000).toFixed(1);
  output.stderr.write(
    `duplicates: ${profiles.length} claims read in ${seconds(loaded - started)} s; ${counts.compared} pairs compared, ` +
      `${counts.reported} with a score of at least ${minScore}, in ${seconds(performance.now() - loaded)} s${values.out === undefined ? '' : ` (written to ${values.out})`}\n`,
  );
  return 0;
}

function csvLine(pair: DuplicatePair, a: DuplicateSummary, b: DuplicateSummary): string {
  const reasons = pair.reasons
    .filter((r) => r.weight !== 0 || r.feature === 'names-compared')
    .map((r) => `${r.feature}:${r.outcome}(${r.weight > 0 ? '+' : ''}${r.weight})`)
    .join(' ');
  const side = (s: DuplicateSummary): unknown[] => [s.status, s.name?.arabic, s.name?.latin, s.sex, s.age, s.ageGroup, deathText(s.death), placeText(s.place)];
  return `${[pair.score, pair.a.id, pair.b.id, reasons, ...side(a), ...side(b)].map(csvField).join(',')}\n`;
}

function deathText(death: DuplicateSummary['death']): string {
  if (death.precision === 'range') return `${death.from ?? ''}/${death.to ?? ''}`;
  return death.date ?? '';
}

function placeText(place: DuplicateSummary['place']): string {
  return [place.locality, place.district, place.governorate].filter((p) => p !== undefined && p !== '').join(', ');
}

/** RFC 4180 quoting; a cell a spreadsheet would run as a formula (= + - @) is prefixed with '. */
function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
