import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

/** The file as the ledger records it: its SHA-256 (the claims' source), size, and whether it is UTF-8. */
export interface FileDigest {
  sha256: string;
  bytes: number;
  /** Offset of the first byte sequence that is not UTF-8, or null when the whole file is. */
  firstInvalidUtf8: number | null;
}

/** Reads the file once, in chunks: its hash and whether every byte is UTF-8 (the parser would replace the others). */
export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let firstInvalidUtf8: number | null = null;
  for await (const chunk of createReadStream(path)) {
    const data = chunk as Buffer;
    hash.update(data);
    if (firstInvalidUtf8 === null) {
      try {
        decoder.decode(data, { stream: true });
      } catch {
        firstInvalidUtf8 = bytes;
      }
    }
    bytes += data.length;
  }
  if (firstInvalidUtf8 === null) {
    try {
      decoder.decode();
    } catch {
      firstInvalidUtf8 = bytes;
    }
  }
  return { sha256: hash.digest('hex'), bytes, firstInvalidUtf8 };
}

/** One record of the file: its number among the data rows (1-based, header excluded), where it ends, its text. */
export interface CsvRecord {
  row: number;
  /** The line on which the record ends (a quoted value may span lines). */
  line: number;
  fields: string[];
  /** The record as it stands in the file, without its line break. */
  raw: string;
  /** Bytes of the file read so far, for progress. */
  bytesRead: number;
}

/** A record longer than this is a quote that never closes: the file cannot be read on. */
const MAX_RECORD_BYTES = 1 << 20;

export class CsvFileError extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(message);
    this.name = 'CsvFileError';
  }
}

/**
 * The file's records as RFC 4180 reads them (csv-parse, streamed): quoted values may hold the
 * delimiter, doubled quotes and line breaks; a quote inside an unquoted value is kept as text; a
 * record whose field count differs from the header's is handed on (the mapper rejects it); empty
 * lines carry nothing and are passed over. A quote that never closes stops the file with CsvFileError.
 */
export async function* readCsvRecords(path: string, options: { delimiter?: string; header: boolean }): AsyncGenerator<{ header: string[] } | CsvRecord> {
  const parser = createReadStream(path).pipe(
    parse({
      bom: true,
      delimiter: options.delimiter ?? ',',
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_BYTES,
      info: true,
      raw: true,
    }),
  );
  let row = 0;
  let lastLine = 0;
  let first = options.header;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; raw: string; info: { lines: number; bytes: number } }>) {
      lastLine = item.info.lines;
      if (first) {
        first = false;
        yield { header: item.record };
        continue;
      }
      row += 1;
      yield { row, line: item.info.lines, fields: item.record, raw: item.raw.replace(/\r?\n$|\r$/, ''), bytesRead: item.info.bytes };
    }
  } catch (error) {
    const { code, lines, message } = error as { code?: string; lines?: number; message: string };
    if (code === 'CSV_QUOTE_NOT_CLOSED' || code === 'CSV_MAX_RECORD_SIZE') {
      throw new CsvFileError(`the file cannot be read after line ${lastLine}: a quoted value that opens after it never closes (${code})`, lastLine + 1);
    }
    if (typeof code === 'string' && code.startsWith('CSV_')) throw new CsvFileError(`the file cannot be read at line ${lines ?? '?'}: ${message}`, lines);
    throw error;
  }
}
