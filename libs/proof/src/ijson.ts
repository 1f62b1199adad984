import { escapePointerSegment } from './jcs.js';

/** Containers nested deeper than this are refused before they can exhaust the stack. */
export const IJSON_MAX_DEPTH = 64;

/**
 * Why a text is not I-JSON. `path` is a JSON Pointer (RFC 6901) to the value being read when the
 * problem was found ('' is the whole document); `offset` is the UTF-16 index into the text.
 */
export class IJsonError extends Error {
  override readonly name = 'IJsonError';

  constructor(
    message: string,
    readonly path: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Strict I-JSON (RFC 7493) parser. Beyond RFC 8259 syntax it refuses duplicate member names,
 * unpaired surrogates, Unicode noncharacters (RFC 7493 §2.1), U+0000, numbers outside IEEE 754
 * double range (or non-zero literals that round to zero) and integers beyond ±(2^53 − 1) — also
 * when written with an exponent, like 1e17, up to 1e21 — which JSON.parse would accept and
 * silently alter. A byte order mark is a syntax error. Whatever it returns, canonicalize() turns
 * into text it accepts again.
 */
export function parseIJson(text: string): unknown {
  return new IJsonParser(text).parseDocument();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes a request body as strict UTF-8 (no replacement characters) and parses it as I-JSON. */
export function parseIJsonUtf8(body: Uint8Array): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new IJsonError('body is not valid UTF-8', '', 0);
  }
  return parseIJson(text);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

// Module-level copies: global lookups are slow inside vm contexts (Jest, sandboxed verifiers).
const hasOwn = Object.hasOwn;
const defineProperty = Object.defineProperty;
const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;
const MAX_DOUBLE = Number.MAX_VALUE;
const fromCharCode = String.fromCharCode;
/** From here on ECMAScript, and so RFC 8785, writes numbers with an exponent. */
const EXPONENT_FORM_FROM = 1e21;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function isNoncharacter(codePoint: number): boolean {
  return (codePoint >= 0xfdd0 && codePoint <= 0xfdef) || (codePoint & 0xfffe) === 0xfffe;
}

function hexValue(unit: number): number {
  if (unit >= 0x30 && unit <= 0x39) return unit - 0x30;
  if (unit >= 0x61 && unit <= 0x66) return unit - 0x57;
  if (unit >= 0x41 && unit <= 0x46) return unit - 0x37;
  return -1;
}

class IJsonParser {
  private position = 0;
  /** Member names and array indexes from the document root down to the value being read. */
  private readonly trail: Array<string | number> = [];

  constructor(private readonly text: string) {
    if (typeof text !== 'string') throw new TypeError('parseIJson expects a string');
  }

  parseDocument(): unknown {
    this.skipWhitespace();
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.position < this.text.length) {
      throw this.error(`unexpected ${this.describeAt(this.position)} after the JSON value`);
    }
    return value;
  }

  private parseValue(depth: number): unknown {
    const unit = this.text.charCodeAt(this.position);
    if (unit === QUOTE) return this.parseString();
    if (unit === MINUS || (unit >= DIGIT_0 && unit <= DIGIT_9)) return this.parseNumber();
    if (unit === OPEN_BRACE) return this.parseObject(depth + 1);
    if (unit === OPEN_BRACKET) return this.parseArray(depth + 1);
    if (this.text.startsWith('true', this.position)) return this.literal(4, true);
    if (this.text.startsWith('false', this.position)) return this.literal(5, false);
    if (this.text.startsWith('null', this.position)) return this.literal(4, null);
    throw this.error(`expected a JSON value, found ${this.describeAt(this.position)}`);
  }

  private literal<T>(length: number, value: T): T {
    this.position += length;
    return value;
  }

  private parseObject(depth: number): Record<string, unknown> {
    if (depth > IJSON_MAX_DEPTH) {
      throw this.error(`containers are nested deeper than ${IJSON_MAX_DEPTH} levels`);
    }
    const text = this.text;
    const members: Record<string, unknown> = {};
    this.position++;
    this.skipWhitespace();
    if (text.charCodeAt(this.position) === CLOSE_BRACE) {
      this.position++;
      return members;
    }
    for (;;) {
      if (text.charCodeAt(this.position) !== QUOTE) {
        throw this.error(`expected a member name in double quotes, found ${this.describeAt(this.position)}`);
      }
      const nameOffset = this.position;
      const name = this.parseString();
      this.trail.push(name);
      if (hasOwn(members, name)) {
        throw this.error(`duplicate member name ${JSON.stringify(name)}`, nameOffset);
      }
      this.skipWhitespace();
      if (text.charCodeAt(this.position) !== COLON) {
        throw this.error(`expected ':' after the member name, found ${this.describeAt(this.position)}`);
      }
      this.position++;
      this.skipWhitespace();
      const value = this.parseValue(depth);
      if (name === '__proto__') {
        // Plain assignment would replace the object's prototype instead of adding a member.
        defineProperty(members, name, { value, enumerable: true, writable: true, configurable: true });
      } else {
        members[name] = value;
      }
      this.trail.pop();
      this.skipWhitespace();
      const separator = text.charCodeAt(this.position);
      this.position++;
      if (separator === CLOSE_BRACE) return members;
      if (separator !== COMMA) {
        throw this.error(`expected ',' or '}' in object, found ${this.describeAt(this.position - 1)}`, this.position - 1);
      }
      this.skipWhitespace();
    }
  }

  private parseArray(depth: number): unknown[] {
    if (depth > IJSON_MAX_DEPTH) {
      throw this.error(`containers are nested deeper than ${IJSON_MAX_DEPTH} levels`);
    }
    const text = this.text;
    const items: unknown[] = [];
    this.position++;
    this.skipWhitespace();
    if (text.charCodeAt(this.position) === CLOSE_BRACKET) {
      this.position++;
      return items;
    }
    const slot = this.trail.push(0) - 1;
    for (;;) {
      this.trail[slot] = items.length;
      items.push(this.parseValue(depth));
      this.skipWhitespace();
      const separator = text.charCodeAt(this.position);
      this.position++;
      if (separator === CLOSE_BRACKET) {
        this.trail.pop();
        return items;
      }
      if (separator !== COMMA) {
        this.trail.pop();
        throw this.error(`expected ',' or ']' in array, found ${this.describeAt(this.position - 1)}`, this.position - 1);
      }
      this.skipWhitespace();
    }
  }

  private parseString(): string {
    const text = this.text;
    const end = text.length;
    let position = this.position + 1;
    let chunkStart = position;
    let decoded = '';
    while (position < end) {
      const unit = text.charCodeAt(position);
      if (unit === QUOTE) {
        this.position = position + 1;
        return decoded + text.slice(chunkStart, position);
      }
      if (unit === BACKSLASH) {
        decoded += text.slice(chunkStart, position);
        const escape = this.parseEscape(position);
        decoded += escape.text;
        position = escape.next;
        chunkStart = position;
        continue;
      }
      if (unit < 0x20) {
        throw this.error(
          unit === 0
            ? 'U+0000 is not allowed in strings'
            : `control character U+${unit.toString(16).padStart(4, '0').toUpperCase()} must be escaped`,
          position,
        );
      }
      if (unit >= 0xd800) {
        if (unit <= 0xdbff) {
          const low = text.charCodeAt(position + 1);
          if (!(low >= 0xdc00 && low <= 0xdfff)) throw this.error('unpaired high surrogate in string', position);
          if (isNoncharacter(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))) {
            throw this.error('Unicode noncharacter in string', position);
          }
          position += 2;
          continue;
        }
        if (unit <= 0xdfff) throw this.error('unpaired low surrogate in string', position);
        if (isNoncharacter(unit)) throw this.error('Unicode noncharacter in string', position);
      }
      position++;
    }
    throw this.error('unterminated string', this.position);
  }

  /** Reads the escape sequence whose backslash is at `start`. */
  private parseEscape(start: number): { text: string; next: number } {
    const kind = this.text.charAt(start + 1);
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) return { text: simple, next: start + 2 };
    if (kind !== 'u') {
      throw this.error(`invalid escape ${JSON.stringify(this.text.slice(start, start + 2))}`, start);
    }
    const unit = this.readHexEscape(start);
    if (unit === 0) throw this.error('\\u0000 is not allowed in strings', start);
    if (unit >= 0xdc00 && unit <= 0xdfff) throw this.error('unpaired low surrogate escape in string', start);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = this.text.charCodeAt(start + 6) === BACKSLASH && this.text.charAt(start + 7) === 'u'
        ? this.readHexEscape(start + 6)
        : -1;
      if (!(low >= 0xdc00 && low <= 0xdfff)) throw this.error('unpaired high surrogate escape in string', start);
      if (isNoncharacter(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00))) {
        throw this.error('Unicode noncharacter in string', start);
      }
      return { text: fromCharCode(unit, low), next: start + 12 };
    }
    if (isNoncharacter(unit)) throw this.error('Unicode noncharacter in string', start);
    return { text: fromCharCode(unit), next: start + 6 };
  }

  /** The code unit of the `\uXXXX` escape at `start`. */
  private readHexEscape(start: number): number {
    let unit = 0;
    for (let i = start + 2; i < start + 6; i++) {
      const digit = hexValue(this.text.charCodeAt(i));
      if (digit < 0) {
        throw this.error(`invalid escape ${JSON.stringify(this.text.slice(start, start + 6))}`, start);
      }
      unit = unit * 16 + digit;
    }
    return unit;
  }

  private parseNumber(): number {
    const text = this.text;
    const start = this.position;
    let position = start;
    if (text.charCodeAt(position) === MINUS) position++;
    const integerStart = position;
    const first = text.charCodeAt(position);
    if (first === DIGIT_0) {
      position++;
    } else if (first >= DIGIT_1 && first <= DIGIT_9) {
      position = this.skipDigits(position + 1);
    } else {
      throw this.error('invalid number: expected a digit', position);
    }
    let isInteger = true;
    if (text.charCodeAt(position) === DOT) {
      const fractionStart = position + 1;
      position = this.skipDigits(fractionStart);
      if (position === fractionStart) throw this.error('invalid number: expected a digit after the decimal point', position);
      isInteger = false;
    }
    const mantissaEnd = position;
    const exponentMark = text.charCodeAt(position);
    if (exponentMark === 0x65 || exponentMark === 0x45) {
      position++;
      const sign = text.charCodeAt(position);
      if (sign === PLUS || sign === MINUS) position++;
      const exponentStart = position;
      position = this.skipDigits(exponentStart);
      if (position === exponentStart) throw this.error('invalid number: expected a digit in the exponent', position);
      isInteger = false;
    }
    this.position = position;
    if (isInteger && position - integerStart <= 15) {
      // Up to 15 digits is always exact, so the common case skips the string round trip.
      let exact = 0;
      for (let i = integerStart; i < position; i++) exact = exact * 10 + (text.charCodeAt(i) - DIGIT_0);
      return integerStart === start ? exact : -exact;
    }
    const literal = text.slice(start, position);
    const value = +literal;
    if (value > MAX_DOUBLE || value < -MAX_DOUBLE) {
      throw this.error(`number ${literal} is beyond the range of an IEEE 754 double`, start);
    }
    const magnitude = value < 0 ? -value : value;
    if (magnitude > MAX_SAFE_INTEGER && (isInteger || magnitude < EXPONENT_FORM_FROM)) {
      // Doubles in this range are integers that RFC 8785 writes as plain digits, which this
      // parser would then refuse: so 1e17 is refused up front, and canonical text re-parses.
      throw this.error(`integer ${literal} is beyond ±(2^53 − 1) and would lose precision`, start);
    }
    if (value === 0 && /[1-9]/.test(text.slice(integerStart, mantissaEnd))) {
      throw this.error(`number ${literal} is too small for an IEEE 754 double and would become 0`, start);
    }
    return value;
  }

  private skipDigits(from: number): number {
    const text = this.text;
    let position = from;
    for (;;) {
      const unit = text.charCodeAt(position);
      if (!(unit >= DIGIT_0 && unit <= DIGIT_9)) return position;
      position++;
    }
  }

  private skipWhitespace(): void {
    const text = this.text;
    let position = this.position;
    for (;;) {
      const unit = text.charCodeAt(position);
      if (unit !== 0x20 && unit !== 0x0a && unit !== 0x0d && unit !== 0x09) break;
      position++;
    }
    this.position = position;
  }

  private describeAt(position: number): string {
    if (position >= this.text.length) return 'end of input';
    const codePoint = this.text.codePointAt(position) ?? 0;
    if (codePoint === 0xfeff) return 'a byte order mark';
    if (codePoint < 0x20) return `control character U+${codePoint.toString(16).padStart(4, '0').toUpperCase()}`;
    return JSON.stringify(String.fromCodePoint(codePoint));
  }

  private error(message: string, offset = this.position): IJsonError {
    let path = '';
    for (const segment of this.trail) {
      path += `/${typeof segment === 'number' ? segment : escapePointerSegment(segment)}`;
    }
    return new IJsonError(message, path, offset);
  }
}
