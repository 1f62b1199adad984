import cliProgress from 'cli-progress';
import type { ImportCounts } from '@ledger/import';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

interface Snapshot {
  counts: ImportCounts;
  bytesRead: number;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * The import's progress on stderr: a bar with rows, rate and ETA on a terminal; otherwise a plain
 * line every few seconds. Progress is measured in bytes of the file (rows are not counted ahead).
 */
export class ImportProgress {
  private readonly started = performance.now();
  private readonly bar: cliProgress.SingleBar | null;
  private timer: NodeJS.Timeout | null = null;
  private lastLine = 0;

  constructor(
    private readonly stream: ProgressStream,
    private readonly totalBytes: number,
    private readonly sample: () => Snapshot,
    private readonly lineEveryMs = 5000,
  ) {
    this.bar = stream.isTTY
      ? new cliProgress.SingleBar(
          {
            stream: stream as NodeJS.WritableStream,
            format: 'import [{bar}] {percentage}% | {rows} rows | {created} new, {already} already imported, {rejected} rejected | {rate} rows/s | ETA {eta_formatted}',
            hideCursor: true,
            etaBuffer: 50,
            fps: 5,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  }

  start(): void {
    this.bar?.start(Math.max(1, this.totalBytes), 0, this.payload());
    this.timer = setInterval(() => this.update(), this.bar ? 200 : 500);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.bar) {
      this.bar.update(this.sample().bytesRead, this.payload());
      this.bar.stop();
    }
  }

  private update(): void {
    const { bytesRead } = this.sample();
    if (this.bar) {
      this.bar.update(bytesRead, this.payload());
      return;
    }
    const now = performance.now();
    if (now - this.lastLine < this.lineEveryMs) return;
    this.lastLine = now;
    const p = this.payload();
    const fraction = bytesRead / Math.max(1, this.totalBytes);
    const elapsed = (now - this.started) / 1000;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Number.NaN;
    this.stream.write(
      `import: ${Math.floor(fraction * 100)}%, ${p.rows} rows (${p.created} new, ${p.already} already imported, ${p.rejected} rejected), ${p.rate} rows/s, ETA ${duration(eta)}\n`,
    );
  }

  private payload(): Record<string, string> {
    const { counts } = this.sample();
    const seconds = (performance.now() - this.started) / 1000;
    return {
      rows: int(counts.rowsRead),
      created: int(counts.created),
      already: int(counts.alreadyImported),
      rejected: int(counts.rejected),
      rate: int(seconds > 0 ? counts.rowsRead / seconds : 0),
    };
  }
}
