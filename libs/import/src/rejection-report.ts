import { createWriteStream, type WriteStream } from 'node:fs';
import type { RejectedRow } from './claim-import.js';

/**
 * The rows an import did not file, one JSON object a line: row number, the line it ends on, the
 * reasons (JSON Pointer into the claim, the column, the message) and the row itself, as text and
 * as fields. It holds what the input holds (names): keep it where the input is kept.
 */
export class RejectionReport {
  private readonly out: WriteStream;
  private failed: Error | null = null;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { encoding: 'utf8' });
    this.out.on('error', (error) => {
      this.failed = error;
    });
  }

  write(rejected: RejectedRow): void {
    if (this.failed) throw this.failed;
    const { row, line, problems, raw, fields } = rejected;
    this.out.write(`${JSON.stringify({ row, line, reason: problems.map((p) => `${p.path || '(row)'}: ${p.message}`).join('; '), problems, raw, fields })}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.end(() => (this.failed ? reject(this.failed) : resolve()));
    });
  }
}
