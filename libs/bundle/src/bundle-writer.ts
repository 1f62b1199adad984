import { createHash, type Hash } from 'node:crypto';
import { canonicalize } from '@ledger/proof';
import { isLineKind } from './format.js';

/**
 * Serialises bundle lines (JSON + LF) and keeps the running count and SHA-256 for the `end` line.
 *
 * A line is `kind` first, then the other members in RFC 8785 order: canonicalize refuses what
 * JSON.stringify would silently drop or rewrite (undefined, NaN, Dates, lone surrogates), so an
 * envelope is written exactly as it was hashed or not at all.
 */
export class BundleWriter {
  private readonly digest: Hash = createHash('sha256');
  private count = 0;
  private ended: string | null = null;

  /** The number of lines written so far, the `end` line excluded. */
  get lines(): number {
    return this.count;
  }

  /** Hex SHA-256 of every line written so far, the `end` line excluded: what `end` and ExportCompleted record. */
  get sha256(): string {
    return this.ended ?? this.digest.copy().digest('hex');
  }

  line(value: Record<string, unknown>): string {
    if (this.ended !== null) throw new Error('the bundle has ended: nothing may follow its end line');
    const { kind, ...members } = value;
    if (!isLineKind(kind) || kind === 'end') throw new RangeError(`a bundle line needs a kind other than end, got ${JSON.stringify(kind)}`);
    const rest = canonicalize(members);
    const text = `{"kind":${JSON.stringify(kind)}${rest === '{}' ? '}' : `,${rest.slice(1)}`}\n`;
    this.digest.update(text, 'utf8');
    this.count++;
    return text;
  }

  /**
   * An `event` line around an envelope as the ledger serves it (its stored canonical text with
   * `seq` and `hash` spliced in): written as it is, not parsed and serialised again, which is most
   * of an export's work. Verifiers do not depend on member order.
   */
  eventLine(servedEnvelope: string, inclusionProof: readonly string[]): string {
    if (this.ended !== null) throw new Error('the bundle has ended: nothing may follow its end line');
    if (!servedEnvelope.startsWith('{') || !servedEnvelope.endsWith('}')) throw new RangeError('an envelope is a JSON object');
    const text = `{"kind":"event","envelope":${servedEnvelope},"inclusionProof":${JSON.stringify(inclusionProof)}}\n`;
    this.digest.update(text, 'utf8');
    this.count++;
    return text;
  }

  /** The `end` line; the writer takes no more lines after it. */
  end(): string {
    if (this.ended !== null) throw new Error('the bundle has already ended');
    this.ended = this.digest.digest('hex');
    return `{"kind":"end","lines":${this.count},"sha256":"${this.ended}"}\n`;
  }
}
