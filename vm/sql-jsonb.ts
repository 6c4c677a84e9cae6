/**
 * jsonb from and to text, and its order, as PostgreSQL 15 does (jsonb_in,
 * jsonb_out, the jsonb btree operator class).
 *
 * Input is strict JSON (RFC 8259): whitespace is space, tab, LF and CR; no
 * leading zeros, no trailing commas, no single quotes; control characters must
 * be escaped; \u0000 is refused (22P05, as jsonb cannot hold it), as is a lone
 * or reversed surrogate escape (22P02). Anything else malformed traps 22P02
 * "invalid input syntax for type json". Nesting deeper than jsonbDepthMax
 * traps 54001, where PostgreSQL's bound is its stack depth limit.
 *
 * Normalization, as jsonb's: object keys deduplicated with the last value
 * winning, then ordered by UTF-8 byte length and bytewise; numbers as
 * PostgreSQL's numeric prints them: an exponent is applied (1e2 is 100,
 * 1.5e-3 is 0.0015, 1.50e1 is 15.0: the scale is the fraction digits minus the
 * exponent, at least 0), leading zeros dropped, trailing fraction zeros kept
 * (1.50 stays 1.50), -0 is 0. As numeric's, a scale over 16383 or more than
 * 131072 digits before the point traps 22003 "value overflows numeric
 * format" (1e-16384, 1e131072).
 *
 * Output is jsonb_out's: `{"a": 1, "bb": [1, 2]}`, strings escaped as
 * PostgreSQL's escape_json does (\" \\ \b \f \n \r \t, other control
 * characters as \u00XX, everything else as itself).
 */
import { VmFailure } from './failures.js';
import { Jsonb, JsonbNumber, JsonbObject, type JsonbValue } from './sql-values.js';
import { compareTextByUtf8, utf8Length } from './utf8-text.js';

/** Arrays and objects nested deeper than this are refused. */
export const jsonbDepthMax = 1000;
/** PostgreSQL's numeric bounds: NUMERIC_DSCALE_MAX fraction digits, and 131072 digits before the point. */
const numericScaleMax = 16383;
const numericIntegerDigitsMax = 131072;

function invalidJson(detail: string): VmFailure {
  return new VmFailure('trap', 'invalid input syntax for type json', { sqlstate: '22P02', detail });
}

const jsonNumberPattern = /(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?/y;

class JsonParser {
  private index = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonbValue {
    const value = this.parseValue(0);
    this.skipSpace();
    if (this.index < this.text.length) throw invalidJson(`Expected end of input, but found "${this.tokenAt()}".`);
    return value;
  }

  private skipSpace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.index);
      if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return;
      this.index++;
    }
  }

  private tokenAt(): string {
    const match = /^[^\s,:\]}[{"]*/.exec(this.text.slice(this.index, this.index + 40));
    return match && match[0] !== '' ? match[0] : this.text.charAt(this.index);
  }

  private parseValue(depth: number): JsonbValue {
    this.skipSpace();
    if (this.index >= this.text.length) throw invalidJson('The input string ended unexpectedly.');
    const code = this.text.charCodeAt(this.index);
    if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      if (depth >= jsonbDepthMax) {
        throw new VmFailure('trap', `jsonb nests deeper than ${jsonbDepthMax} levels`, { sqlstate: '54001' });
      }
      return code === 0x7b ? this.parseObject(depth + 1) : this.parseArray(depth + 1);
    }
    if (code === 0x22 /* " */) return this.parseString();
    if (code === 0x2d /* - */ || (code >= 0x30 && code <= 0x39)) return this.parseNumber();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.index) && !/[A-Za-z0-9_$]/.test(this.text.charAt(this.index + word.length))) {
        this.index += word.length;
        return value;
      }
    }
    throw invalidJson(`Token "${this.tokenAt()}" is invalid.`);
  }

  private expect(code: number, what: string): void {
    this.skipSpace();
    if (this.text.charCodeAt(this.index) !== code) {
      throw invalidJson(this.index >= this.text.length ? 'The input string ended unexpectedly.' : `Expected ${what}, but found "${this.tokenAt()}".`);
    }
    this.index++;
  }

  private parseArray(depth: number): JsonbValue {
    this.index++; // [
    const elements: JsonbValue[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.index) === 0x5d /* ] */) {
      this.index++;
      return Object.freeze(elements);
    }
    for (;;) {
      elements.push(this.parseValue(depth));
      this.skipSpace();
      if (this.text.charCodeAt(this.index) === 0x2c /* , */) {
        this.index++;
        continue;
      }
      this.expect(0x5d, '"," or "]"');
      return Object.freeze(elements);
    }
  }

  private parseObject(depth: number): JsonbValue {
    this.index++; // {
    const byKey = new Map<string, JsonbValue>();
    this.skipSpace();
    if (this.text.charCodeAt(this.index) === 0x7d /* } */) {
      this.index++;
      return new JsonbObject([], []);
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.index) !== 0x22) {
        throw invalidJson(this.index >= this.text.length ? 'The input string ended unexpectedly.' : `Expected string, but found "${this.tokenAt()}".`);
      }
      const key = this.parseString();
      this.expect(0x3a /* : */, '":"');
      const value = this.parseValue(depth);
      byKey.delete(key); // the last value wins
      byKey.set(key, value);
      this.skipSpace();
      if (this.text.charCodeAt(this.index) === 0x2c) {
        this.index++;
        continue;
      }
      this.expect(0x7d, '"," or "}"');
      const keys = [...byKey.keys()].sort(compareJsonbKeys);
      return new JsonbObject(keys, keys.map((each) => byKey.get(each)!));
    }
  }

  private parseString(): string {
    this.index++; // "
    let value = '';
    let runStart = this.index;
    for (;;) {
      if (this.index >= this.text.length) throw invalidJson('The input string ended unexpectedly.');
      const code = this.text.charCodeAt(this.index);
      if (code === 0x22) {
        value += this.text.slice(runStart, this.index);
        this.index++;
        return value;
      }
      if (code < 0x20) throw invalidJson(`Character with value 0x${code.toString(16).padStart(2, '0')} must be escaped.`);
      if (code !== 0x5c /* \ */) {
        this.index++;
        continue;
      }
      value += this.text.slice(runStart, this.index);
      const escape = this.text.charAt(this.index + 1);
      this.index += 2;
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          value += escape;
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case 'u':
          value += this.parseUnicodeEscape();
          break;
        default:
          throw invalidJson(escape === '' ? 'The input string ended unexpectedly.' : `Escape sequence "\\${escape}" is invalid.`);
      }
      runStart = this.index;
    }
  }

  private hexUnit(): number {
    const digits = this.text.slice(this.index, this.index + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw invalidJson('"\\u" must be followed by four hexadecimal digits.');
    this.index += 4;
    return parseInt(digits, 16);
  }

  /** After \u: a code point, pairing surrogates; \u0000 and lone surrogates are refused as PostgreSQL does. */
  private parseUnicodeEscape(): string {
    const unit = this.hexUnit();
    if (unit === 0) {
      throw new VmFailure('trap', 'unsupported Unicode escape sequence', { sqlstate: '22P05', detail: '\\u0000 cannot be converted to text.' });
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) throw invalidJson('Unicode low surrogate must follow a high surrogate.');
    if (unit < 0xd800 || unit > 0xdbff) return String.fromCharCode(unit);
    if (this.text.charAt(this.index) !== '\\' || this.text.charAt(this.index + 1) !== 'u') {
      throw invalidJson('Unicode low surrogate must follow a high surrogate.');
    }
    this.index += 2;
    const low = this.hexUnit();
    if (low >= 0xd800 && low <= 0xdbff) throw invalidJson('Unicode high surrogate must not follow a high surrogate.');
    if (low < 0xdc00 || low > 0xdfff) throw invalidJson('Unicode low surrogate must follow a high surrogate.');
    return String.fromCharCode(unit, low);
  }

  private parseNumber(): JsonbNumber {
    const start = this.index;
    jsonNumberPattern.lastIndex = start;
    const match = jsonNumberPattern.exec(this.text);
    const after = match ? this.text.charAt(start + match[0].length) : '';
    if (!match || /[A-Za-z0-9_.$]/.test(after)) {
      this.index = start;
      throw invalidJson(`Token "${this.tokenAt()}" is invalid.`);
    }
    this.index = start + match[0].length;
    return normalizeNumber(match[1] === '-', match[2]!, match[3] ?? '', match[4] === undefined ? 0 : Number(match[4]));
  }
}

/** numeric_in then numeric_out on a JSON number's parts; see the header. */
function normalizeNumber(negative: boolean, integerDigits: string, fractionDigits: string, exponent: number): JsonbNumber {
  const scale = Math.max(0, fractionDigits.length - exponent);
  if (scale > numericScaleMax) throw numericOverflow();
  const digits = (integerDigits + fractionDigits).replace(/^0+/, '');
  if (digits === '') return new JsonbNumber(scale > 0 ? `0.${'0'.repeat(scale)}` : '0'); // zero has no sign
  // the value is digits · 10^(exponent - fractionDigits.length); pointPosition digits stand before the point
  const pointPosition = digits.length + exponent - fractionDigits.length;
  if (pointPosition > numericIntegerDigitsMax) throw numericOverflow();
  let integerPart: string;
  let fractionPart: string;
  if (pointPosition <= 0) {
    integerPart = '0';
    fractionPart = '0'.repeat(-pointPosition) + digits;
  } else if (pointPosition >= digits.length) {
    integerPart = digits + '0'.repeat(pointPosition - digits.length);
    fractionPart = '';
  } else {
    integerPart = digits.slice(0, pointPosition);
    fractionPart = digits.slice(pointPosition);
  }
  // the scale is at least the significant fraction digits; the rest are written zeros
  fractionPart += '0'.repeat(scale - fractionPart.length);
  return new JsonbNumber(`${negative ? '-' : ''}${integerPart}${scale > 0 ? `.${fractionPart}` : ''}`);
}

function numericOverflow(): VmFailure {
  return new VmFailure('trap', 'value overflows numeric format', { sqlstate: '22003' });
}

// --- order ------------------------------------------------------------------------



/** jsonb's key order (lengthCompareJsonbString): shorter UTF-8 first, then bytewise. */
function compareJsonbKeys(left: string, right: string): number {
  const leftLength = utf8Length(left);
  const rightLength = utf8Length(right);
  if (leftLength !== rightLength) return leftLength < rightLength ? -1 : 1;
  return compareTextByUtf8(left, right);
}

/** Numeric order of two canonical numeric texts (no exponent, no leading zeros, zero unsigned). */
function compareNumericText(left: string, right: string): number {
  const leftNegative = left.charCodeAt(0) === 0x2d;
  const rightNegative = right.charCodeAt(0) === 0x2d;
  if (leftNegative !== rightNegative) return leftNegative ? -1 : 1;
  return leftNegative ? compareMagnitudes(right.slice(1), left.slice(1)) : compareMagnitudes(left, right);
}

function compareMagnitudes(left: string, right: string): number {
  const leftPoint = left.indexOf('.');
  const rightPoint = right.indexOf('.');
  const leftInteger = leftPoint < 0 ? left : left.slice(0, leftPoint);
  const rightInteger = rightPoint < 0 ? right : right.slice(0, rightPoint);
  if (leftInteger.length !== rightInteger.length) return leftInteger.length < rightInteger.length ? -1 : 1;
  if (leftInteger !== rightInteger) return leftInteger < rightInteger ? -1 : 1;
  const leftFraction = leftPoint < 0 ? '' : left.slice(leftPoint + 1).replace(/0+$/, '');
  const rightFraction = rightPoint < 0 ? '' : right.slice(rightPoint + 1).replace(/0+$/, '');
  // digit strings without trailing zeros compare as decimals lexicographically
  return leftFraction < rightFraction ? -1 : leftFraction > rightFraction ? 1 : 0;
}

/** Rank of a jsonb value's kind: Null < String < Number < Boolean < Array < Object. */
function jsonbKindRank(value: JsonbValue): number {
  if (value === null) return 0;
  if (typeof value === 'string') return 1;
  if (value instanceof JsonbNumber) return 2;
  if (typeof value === 'boolean') return 3;
  if (value instanceof JsonbObject) return 5;
  return 4;
}

/**
 * jsonb's btree order (PostgreSQL's documented one): Object > Array >
 * Boolean > Number > String > Null; objects with more pairs first greater,
 * then pair by pair in storage order, key then value; arrays with more
 * elements greater, then element by element; numbers numerically (1.0 = 1);
 * strings and keys by UTF-8 bytes (the "C" collation, as text compares here);
 * false < true.
 *
 * Where PostgreSQL differs: its raw scalars are one-element pseudo-arrays, so
 * at the top level an empty array sorts below every scalar (`'[]' < 'null'`),
 * and a nested container compared with a scalar follows the iteration order
 * of the two; here the kind order above applies at every level.
 */
export function compareJsonbValues(left: JsonbValue, right: JsonbValue): number {
  const leftRank = jsonbKindRank(left);
  const rightRank = jsonbKindRank(right);
  if (leftRank !== rightRank) return leftRank < rightRank ? -1 : 1;
  switch (leftRank) {
    case 0:
      return 0;
    case 1:
      return compareTextByUtf8(left as string, right as string);
    case 2:
      return compareNumericText((left as JsonbNumber).text, (right as JsonbNumber).text);
    case 3:
      return left === right ? 0 : left ? 1 : -1;
    case 4: {
      const leftElements = left as readonly JsonbValue[];
      const rightElements = right as readonly JsonbValue[];
      if (leftElements.length !== rightElements.length) return leftElements.length < rightElements.length ? -1 : 1;
      for (let index = 0; index < leftElements.length; index++) {
        const order = compareJsonbValues(leftElements[index]!, rightElements[index]!);
        if (order !== 0) return order;
      }
      return 0;
    }
    default: {
      const leftObject = left as JsonbObject;
      const rightObject = right as JsonbObject;
      if (leftObject.keys.length !== rightObject.keys.length) return leftObject.keys.length < rightObject.keys.length ? -1 : 1;
      for (let index = 0; index < leftObject.keys.length; index++) {
        const keyOrder = compareTextByUtf8(leftObject.keys[index]!, rightObject.keys[index]!);
        if (keyOrder !== 0) return keyOrder;
        const valueOrder = compareJsonbValues(leftObject.values[index]!, rightObject.values[index]!);
        if (valueOrder !== 0) return valueOrder;
      }
      return 0;
    }
  }
}

// --- output -----------------------------------------------------------------------

function escapeJsonString(text: string): string {
  let out = '"';
  let runStart = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x20 && code !== 0x22 && code !== 0x5c) continue;
    out += text.slice(runStart, index);
    runStart = index + 1;
    switch (code) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      default:
        out += `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
  return `${out}${text.slice(runStart)}"`;
}

function formatJsonbValue(value: JsonbValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return escapeJsonString(value);
  if (value instanceof JsonbNumber) return value.text;
  if (value instanceof JsonbObject) {
    return `{${value.keys.map((key, index) => `${escapeJsonString(key)}: ${formatJsonbValue(value.values[index]!)}`).join(', ')}}`;
  }
  return `[${value.map(formatJsonbValue).join(', ')}]`;
}

const loneSurrogatePattern = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** jsonb_in: the canonical value and its canonical text. */
export function parseJsonbText(input: string): Jsonb {
  // text from outside is UTF-8, which cannot hold a lone surrogate; a VM string can, and a jsonb must not
  if (loneSurrogatePattern.test(input)) {
    throw new VmFailure('trap', 'invalid byte sequence for encoding "UTF8": a lone surrogate', { sqlstate: '22021' });
  }
  const value = new JsonParser(input).parseDocument();
  return new Jsonb(value, formatJsonbValue(value));
}
