import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@ledger/config';
import { DataKeyVault, throwawayNameKeys, type VictimNameKeys } from '@ledger/protection';
import { dataSourceOptions } from '@ledger/database';
import type { Actor } from '@ledger/domain';
import {
  EventStore,
  PostgresEventStore,
  RandomIds,
  SystemClock,
  type CommandExecution,
  type CommandOutcome,
  type CommandResponse,
  type LedgerTransaction,
} from '@ledger/event-store';
import {
  BUILT_IN_MAPPINGS,
  ClaimImport,
  digestFile,
  MappingError,
  overrideMapping,
  parseMapping,
  RejectionReport,
  type ImportCounts,
  type ImportMapping,
} from '@ledger/import';
import { DataSource } from 'typeorm';
import { UsageError } from '../usage-error.js';
import { ImportProgress, type ProgressStream } from './import-progress.js';

export interface ImportOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressStream;
}

const FORMATS = ['vdc', 'gaza', 'csv'] as const;
type Format = (typeof FORMATS)[number];

/** Claims per command: two events each, so a transaction of a few thousand events (SEQUENCER.md). */
export const DEFAULT_BATCH_SIZE = 1000;
export const DEFAULT_CONCURRENCY = 2;

export interface ImportSummary {
  file: string;
  sha256: string;
  format: Format;
  actor: string | null;
  dryRun: boolean;
  interrupted: boolean;
  rowsRead: number;
  claimsCreated: number;
  alreadyImported: number;
  rowsRejected: number;
  report: string;
  seconds: number;
  claimsPerSecond: number;
  rowsPerSecond: number;
  peakRssBytes: number;
}

/**
 * `npm run ledger -- import --format vdc|gaza|csv [--mapping <file>] --actor <id> <path>`: files
 * every row of a casualty list as a claim (docs/IMPORT.md). Exit 0 when the whole file was read
 * (rejected rows are in the report, not failures), 1 when the import could not run to the end,
 * 2 for a usage or mapping mistake, 130 when interrupted (what was read is filed first).
 */
export async function importCommand(args: string[], env: NodeJS.ProcessEnv, output: ImportOutput, signals: NodeJS.EventEmitter = process): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      format: { type: 'string' },
      mapping: { type: 'string' },
      actor: { type: 'string' },
      report: { type: 'string' },
      'batch-size': { type: 'string' },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'show-mapping': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  const format = values.format as Format | undefined;
  if (!format || !(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  if (format === 'csv' && values.mapping === undefined) throw new UsageError('--format csv needs --mapping <file> (docs/IMPORT.md; an example is config/import/example.json)');
  const mapping = await loadMapping(format, values.mapping);
  if (values['show-mapping']) {
    output.stdout.write(`${JSON.stringify(mapping, null, 2)}\n`);
    return 0;
  }
  const [path, ...extra] = positionals;
  if (!path || extra.length > 0) throw new UsageError('import takes exactly one file');
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`${path} is not a file`);
  const dryRun = values['dry-run'];
  if (!dryRun && (!values.actor || !/^[A-Za-z0-9._:@-]{1,128}$/.test(values.actor))) {
    throw new UsageError('--actor <opaque user id> is required: every imported claim is filed by it (role documenter)');
  }
  const batchSize = positiveInt(values['batch-size'], '--batch-size', DEFAULT_BATCH_SIZE, 5000);
  const concurrency = positiveInt(values.concurrency, '--concurrency', DEFAULT_CONCURRENCY, 16);
  const reportPath = resolve(values.report ?? `${basename(path, extname(path))}.rejected.jsonl`);
  const actor: Actor = { id: values.actor ?? 'dry-run', role: 'documenter' };

  const started = performance.now();
  const file = await digestFile(path);
  const clock = new SystemClock();
  let dataSource: DataSource | null = null;
  let store: EventStore;
  let keys: VictimNameKeys = throwawayNameKeys;
  if (dryRun) store = new DryRunStore();
  else {
    const config = loadConfig(env);
    dataSource = new DataSource(dataSourceOptions(config, concurrency + 1));
    await dataSource.initialize();
    store = new PostgresEventStore(dataSource, clock, new RandomIds());
    keys = new DataKeyVault(dataSource, config);
  }
  const report = new RejectionReport(reportPath);
  let stop = false;
  const onSigint = (): void => {
    if (stop) process.exit(130);
    stop = true;
    output.stderr.write('\ninterrupted: filing the rows already read, then stopping (again to quit at once)\n');
  };
  signals.on('SIGINT', onSigint);
  const run = new ClaimImport({ store, clock, actor, keys, file, mapping, batchSize, concurrency, onRejected: (row) => report.write(row), shouldStop: () => stop });
  const progress = new ImportProgress(output.stderr, file.bytes, () => ({ counts: run.counts, bytesRead: run.bytesRead }));
  progress.start();
  let counts: ImportCounts;
  try {
    counts = await run.run(path);
  } catch (error) {
    progress.stop();
    const { rowsRead, created, alreadyImported, rejected } = run.counts;
    output.stderr.write(
      `import stopped after ${rowsRead} rows (${created} claims filed, ${alreadyImported} already imported, ${rejected} rejected); ` +
        'the filed batches stay filed: run the same import again to finish it\n',
    );
    if (error instanceof MappingError) throw new UsageError(error.message, { cause: error });
    throw error;
  } finally {
    signals.off('SIGINT', onSigint);
    await report.close();
    await dataSource?.destroy();
  }
  progress.stop();
  const seconds = (performance.now() - started) / 1000;
  const summary: ImportSummary = {
    file: path,
    sha256: file.sha256,
    format,
    actor: dryRun ? null : actor.id,
    dryRun,
    interrupted: run.stopped,
    rowsRead: counts.rowsRead,
    claimsCreated: counts.created,
    alreadyImported: counts.alreadyImported,
    rowsRejected: counts.rejected,
    report: reportPath,
    seconds: Number(seconds.toFixed(3)),
    claimsPerSecond: Math.round(counts.created / seconds),
    rowsPerSecond: Math.round(counts.rowsRead / seconds),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  output.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : describe(summary));
  return run.stopped ? 130 : 0;
}

async function loadMapping(format: Format, file: string | undefined): Promise<ImportMapping> {
  let text: unknown;
  if (file !== undefined) {
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--mapping ${file}: ${(error as Error).message}`);
    }
    try {
      text = JSON.parse(raw) as unknown;
    } catch (error) {
      throw new UsageError(`--mapping ${file} is not JSON: ${(error as Error).message}`);
    }
  }
  try {
    if (format === 'csv') return parseMapping(text);
    return text === undefined ? BUILT_IN_MAPPINGS[format] : overrideMapping(BUILT_IN_MAPPINGS[format], text);
  } catch (error) {
    if (error instanceof MappingError) throw new UsageError(`--mapping ${file ?? ''}: ${error.message}`);
    throw error;
  }
}

function positiveInt(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}`);
  return Number(text);
}

function describe(s: ImportSummary): string {
  const n = (value: number): string => value.toLocaleString('en-US').padStart(10);
  const what = s.dryRun ? 'dry run (nothing written; perpetrator codes checked against the initial list)' : `imported as ${s.format} by ${s.actor}`;
  return [
    `${s.file} (sha256 ${s.sha256}) ${what}${s.interrupted ? ', INTERRUPTED before the end of the file' : ''}`,
    `  ${'rows read'.padEnd(17)}${n(s.rowsRead)}`,
    `  ${(s.dryRun ? 'claims to file' : 'claims created').padEnd(17)}${n(s.claimsCreated)}`,
    `  ${'already imported'.padEnd(17)}${n(s.alreadyImported)}`,
    `  ${'rows rejected'.padEnd(17)}${n(s.rowsRejected)}   ${s.rowsRejected > 0 ? `reasons in ${s.report}` : `(report ${s.report} is empty)`}`,
    `  ${s.rowsRead} = ${s.claimsCreated} + ${s.alreadyImported} + ${s.rowsRejected}`,
    `  ${s.seconds.toFixed(1)} s, ${s.claimsPerSecond.toLocaleString('en-US')} claims/s, ${s.rowsPerSecond.toLocaleString('en-US')} rows/s, peak RSS ${Math.round(s.peakRssBytes / 2 ** 20)} MiB`,
    '',
  ].join('\n');
}

/**
 * `--dry-run`: every claim decided as if its stream were new (the domain's rules, the perpetrator
 * codes of the initial list), nothing written and no database needed.
 */
class DryRunStore extends EventStore {
  async execute<R extends CommandResponse>(command: CommandExecution<R>): Promise<CommandOutcome<R>> {
    let next = 0;
    const tx: LedgerTransaction = {
      readStream: async (streamId) => ({ streamId, version: 0, events: [] }),
      peekStream: async (streamId) => ({ streamId, version: 0, events: [] }),
      append: (streamId, _type, version, events) => ({ streamId, version: version + events.length, eventIds: events.map(() => `dry-run-${(next += 1)}`) }),
    };
    return { response: await command.decide(tx), status: command.status, replayed: false };
  }
}
