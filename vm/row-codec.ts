/**
 * A row as the bytes of one word (row.encode / row.decode / row.decode_all). The format is
 * compact, self-describing and canonical: equal rows always encode to equal
 * bytes, and every row has exactly one encoding that decodes. That matters
 * because COMPARE&SWAP compares words byte for byte.
 *
 * Byte layout, version 1:
 *
 *   u8       format version, 0x01
 *   uleb128  field count n, 0..1600 (rowFieldsMax)
 *   n fields, each a tag byte and its payload:
 *     0x00  NULL      no payload
 *     0x01  false     no payload
 *     0x02  true      no payload
 *     0x03  integer   uleb128 of the zig-zag of the int8 (0→0, -1→1, 1→2, -2→3, ...):
 *                     1 byte for -64..63, at most 10 bytes
 *     0x04  float8    8 bytes, IEEE 754 binary64 little-endian; -0 keeps its
 *                     sign; every NaN is written as 0x7ff8000000000000
 *     0x05  text      uleb128 byte length, then that many bytes of UTF-8
 *     0x06  bytea     uleb128 byte length, then that many bytes
 *     0x07  timestamptz  as an integer: PostgreSQL's int8 form, microseconds since
 *                     2000-01-01 UTC, infinity and -infinity as the int8 extremes;
 *                     anything else outside PostgreSQL's range is refused
 *     0x08  jsonb     as text: its canonical text (jsonb_out's), which must parse
 *                     and print back the same
 *
 * Every uleb128 is minimal (no redundant 0x80 continuation groups); lengths
 * fit in 32 bits. decodeRow refuses anything else (another version, a field
 * count other than the one expected, a bad tag, a non-minimal varint, a NaN
 * other than the canonical one, invalid UTF-8, a length past the end, trailing
 * bytes) as XX001 data_corrupted, never with another exception.
 *
 * Encoding does not enforce wordBytesMax (common/limits.ts): mem.write does,
 * with 54000, since a row is also encoded to measure or emit it.
 */
import { VmFailure } from './failures.js';
import { parseJsonbText } from './sql-jsonb.js';
import { Jsonb, Timestamptz, type SqlValue } from './sql-values.js';
import { utf8Length } from './utf8-text.js';

/** PostgreSQL's limit on the columns of a table, and so on the fields of a row. */
export const rowFieldsMax = 1600;

export const rowFormatVersion = 0x01;

const nullTag = 0x00;
const falseTag = 0x01;
const trueTag = 0x02;
const integerTag = 0x03;
const float8Tag = 0x04;
const textTag = 0x05;
const byteaTag = 0x06;
const timestamptzTag = 0x07;
const jsonbTag = 0x08;

const int8Min = -(2n ** 63n);
const int8Max = 2n ** 63n - 1n;
/** Integers in this range zig-zag below 2^53 and are encoded with float arithmetic, without BigInt work. */
const smallIntegerMax = 2n ** 51n;

// One scratch buffer for float8 bytes: no DataView per call, and the byte
// order is explicit, whatever the platform's.
const floatScratch = new DataView(new ArrayBuffer(8));

/** The one NaN a row holds: the quiet NaN with no payload, 0x7ff8000000000000 little-endian. */
const canonicalNaNBytes = new Uint8Array([0, 0, 0, 0, 0, 0, 0xf8, 0x7f]);

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// --- encoding -------------------------------------------------------------------

function uleb128Size(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function zigZagSizeOfBigInteger(value: bigint): number {
  let zigZag = value >= 0n ? value << 1n : ((-value) << 1n) - 1n;
  let size = 1;
  while (zigZag >= 128n) {
    zigZag >>= 7n;
    size++;
  }
  return size;
}

function fieldSize(value: SqlValue, fieldIndex: number): number {
  switch (typeof value) {
    case 'boolean':
      return 1;
    case 'bigint':
      if (value >= -smallIntegerMax && value <= smallIntegerMax) {
        const small = Number(value);
        return 1 + uleb128Size(small >= 0 ? small * 2 : -small * 2 - 1);
      }
      if (value < int8Min || value > int8Max) {
        throw new VmFailure('crash', `row field ${fieldIndex} holds ${value}, outside the int8 range every SQL integer is in`);
      }
      return 1 + zigZagSizeOfBigInteger(value);
    case 'number':
      return 9;
    case 'string': {
      const length = utf8Length(value);
      if (length < 0) {
        throw new VmFailure('trap', `invalid byte sequence for encoding "UTF8": row field ${fieldIndex} holds a lone surrogate`, {
          sqlstate: '22021', // character_not_in_repertoire
        });
      }
      return 1 + uleb128Size(length) + length;
    }
    default:
      if (value === null) return 1;
      if (value instanceof Uint8Array) return 1 + uleb128Size(value.length) + value.length;
      if (value instanceof Timestamptz) return 1 + zigZagSizeOfBigInteger(value.toPostgresMicroseconds());
      if (value instanceof Jsonb) {
        const length = utf8Length(value.text); // jsonb text is well-formed: parseJsonbText refuses lone surrogates
        return 1 + uleb128Size(length) + length;
      }
      throw new VmFailure('crash', `row field ${fieldIndex} is not a SQL value`);
  }
}

function writeUleb128(out: Uint8Array, position: number, value: number): number {
  while (value >= 128) {
    out[position++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[position++] = value;
  return position;
}

function writeZigZagBigInteger(out: Uint8Array, position: number, value: bigint): number {
  let zigZag = value >= 0n ? value << 1n : ((-value) << 1n) - 1n;
  while (zigZag >= 128n) {
    out[position++] = Number(zigZag & 0x7fn) | 0x80;
    zigZag >>= 7n;
  }
  out[position++] = Number(zigZag);
  return position;
}

function writeUtf8(out: Uint8Array, position: number, text: string): number {
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    if (code < 0x80) {
      out[position++] = code;
    } else if (code < 0x800) {
      out[position++] = 0xc0 | (code >> 6);
      out[position++] = 0x80 | (code & 0x3f);
    } else if (code < 0xd800 || code > 0xdfff) {
      out[position++] = 0xe0 | (code >> 12);
      out[position++] = 0x80 | ((code >> 6) & 0x3f);
      out[position++] = 0x80 | (code & 0x3f);
    } else {
      // a well-formed pair: utf8Length has checked every string
      code = 0x10000 + ((code - 0xd800) << 10) + (text.charCodeAt(++index) - 0xdc00);
      out[position++] = 0xf0 | (code >> 18);
      out[position++] = 0x80 | ((code >> 12) & 0x3f);
      out[position++] = 0x80 | ((code >> 6) & 0x3f);
      out[position++] = 0x80 | (code & 0x3f);
    }
  }
  return position;
}

/**
 * The word bytes of a row. Deterministic: equal rows (NaN equal to NaN, -0
 * distinct from 0) give equal bytes. Traps 54011 over rowFieldsMax fields and
 * 22021 on text with a lone surrogate; a value that is not a SqlValue is a crash.
 */
export function encodeRow(fields: readonly SqlValue[]): Uint8Array {
  const fieldCount = fields.length;
  if (fieldCount > rowFieldsMax) {
    throw new VmFailure('exhaustion', `a row can have at most ${rowFieldsMax} fields, not ${fieldCount}`, { sqlstate: '54011' });
  }
  let size = 1 + uleb128Size(fieldCount);
  for (let index = 0; index < fieldCount; index++) size += fieldSize(fields[index]!, index);

  const out = new Uint8Array(size);
  out[0] = rowFormatVersion;
  let position = writeUleb128(out, 1, fieldCount);
  for (let index = 0; index < fieldCount; index++) {
    const value = fields[index]!;
    switch (typeof value) {
      case 'boolean':
        out[position++] = value ? trueTag : falseTag;
        break;
      case 'bigint':
        out[position++] = integerTag;
        if (value >= -smallIntegerMax && value <= smallIntegerMax) {
          const small = Number(value);
          position = writeUleb128(out, position, small >= 0 ? small * 2 : -small * 2 - 1);
        } else {
          position = writeZigZagBigInteger(out, position, value);
        }
        break;
      case 'number':
        out[position++] = float8Tag;
        if (value !== value) {
          out.set(canonicalNaNBytes, position);
        } else {
          floatScratch.setFloat64(0, value, true);
          for (let byte = 0; byte < 8; byte++) out[position + byte] = floatScratch.getUint8(byte);
        }
        position += 8;
        break;
      case 'string':
        out[position++] = textTag;
        position = writeUleb128(out, position, utf8Length(value));
        position = writeUtf8(out, position, value);
        break;
      default:
        if (value === null) {
          out[position++] = nullTag;
        } else if (value instanceof Timestamptz) {
          out[position++] = timestamptzTag;
          position = writeZigZagBigInteger(out, position, value.toPostgresMicroseconds());
        } else if (value instanceof Jsonb) {
          out[position++] = jsonbTag;
          position = writeUleb128(out, position, utf8Length(value.text));
          position = writeUtf8(out, position, value.text);
        } else {
          const bytes = value as Uint8Array;
          out[position++] = byteaTag;
          position = writeUleb128(out, position, bytes.length);
          out.set(bytes, position);
          position += bytes.length;
        }
    }
  }
  if (position !== size) throw new VmFailure('crash', `encodeRow wrote ${position} bytes, sized ${size}`);
  return out;
}

// --- decoding -------------------------------------------------------------------

function corrupted(offset: number, reason: string): VmFailure {
  return new VmFailure('trap', `row is corrupted at byte ${offset}: ${reason}`, { sqlstate: 'XX001' });
}

/**
 * The decoder's cursor lives in module state rather than an object per call;
 * decodeRow is not re-entrant, and nothing it calls can call it back.
 */
let cursor = 0;

/** A minimal uleb128 of at most 32 bits, for counts and lengths. */
function readUleb128(bytes: Uint8Array): number {
  const start = cursor;
  let value = 0;
  let scale = 1;
  for (let group = 0; group < 5; group++) {
    if (cursor >= bytes.length) throw corrupted(cursor, 'truncated length');
    const byte = bytes[cursor++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (byte === 0 && group > 0) throw corrupted(start, 'non-minimal length');
      if (value > 0xffffffff) throw corrupted(start, 'length over 32 bits');
      return value;
    }
    scale *= 128;
  }
  throw corrupted(start, 'length over 32 bits');
}

/** A minimal uleb128 zig-zag int8: Number arithmetic for the first 7 groups (49 bits), BigInt past them. */
function readZigZagInteger(bytes: Uint8Array): bigint {
  const start = cursor;
  let value = 0;
  let scale = 1;
  for (let group = 0; group < 7; group++) {
    if (cursor >= bytes.length) throw corrupted(cursor, 'truncated integer');
    const byte = bytes[cursor++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (byte === 0 && group > 0) throw corrupted(start, 'non-minimal integer');
      return BigInt(value % 2 === 0 ? value / 2 : -(value + 1) / 2);
    }
    scale *= 128;
  }
  let zigZag = BigInt(value);
  for (let group = 7; group < 10; group++) {
    if (cursor >= bytes.length) throw corrupted(cursor, 'truncated integer');
    const byte = bytes[cursor++]!;
    zigZag |= BigInt(byte & 0x7f) << BigInt(7 * group);
    if (byte < 0x80) {
      if (byte === 0) throw corrupted(start, 'non-minimal integer');
      if (group === 9 && byte > 1) throw corrupted(start, 'integer over 64 bits');
      return (zigZag >> 1n) ^ -(zigZag & 1n);
    }
  }
  throw corrupted(start, 'integer over 64 bits');
}

function readFloat8(bytes: Uint8Array): number {
  if (cursor + 8 > bytes.length) throw corrupted(cursor, 'truncated float8');
  for (let byte = 0; byte < 8; byte++) floatScratch.setUint8(byte, bytes[cursor + byte]!);
  const value = floatScratch.getFloat64(0, true);
  if (value !== value) {
    for (let byte = 0; byte < 8; byte++) {
      if (bytes[cursor + byte] !== canonicalNaNBytes[byte]) throw corrupted(cursor, 'non-canonical NaN');
    }
  }
  cursor += 8;
  return value;
}

/** Short ASCII text is built directly: cheaper than a TextDecoder call for typical keys and names. */
const asciiFastPathBytesMax = 32;

function readText(bytes: Uint8Array): string {
  const length = readUleb128(bytes);
  const start = cursor;
  if (length > bytes.length - start) throw corrupted(start, `text of ${length} bytes runs past the end`);
  cursor = start + length;
  if (length <= asciiFastPathBytesMax) {
    let text = '';
    let index = start;
    for (; index < cursor; index++) {
      const byte = bytes[index]!;
      if (byte >= 0x80) break;
      text += String.fromCharCode(byte);
    }
    if (index === cursor) return text;
  }
  try {
    return utf8Decoder.decode(bytes.subarray(start, cursor));
  } catch {
    throw corrupted(start, 'text is not valid UTF-8');
  }
}

function readTimestamptz(bytes: Uint8Array): Timestamptz {
  const start = cursor;
  const microseconds = readZigZagInteger(bytes);
  const value = Timestamptz.fromPostgresMicroseconds(microseconds);
  if (value === undefined) throw corrupted(start, `timestamptz of ${microseconds} µs since 2000 is out of range`);
  return value;
}

function readJsonb(bytes: Uint8Array): Jsonb {
  const start = cursor;
  const text = readText(bytes);
  let value: Jsonb | undefined;
  try {
    value = parseJsonbText(text);
  } catch {
    // reported below
  }
  if (value === undefined) throw corrupted(start, 'jsonb is not valid JSON');
  if (value.text !== text) throw corrupted(start, 'jsonb is not in canonical form');
  return value;
}

function readBytea(bytes: Uint8Array): Uint8Array {
  const length = readUleb128(bytes);
  const start = cursor;
  if (length > bytes.length - start) throw corrupted(start, `bytea of ${length} bytes runs past the end`);
  cursor = start + length;
  // A copy, as a plain Uint8Array: the row must not alias the word's buffer
  // (and Buffer#slice, unlike Uint8Array#slice, would not copy)
  const copy = new Uint8Array(length);
  copy.set(bytes.subarray(start, cursor));
  return copy;
}

/**
 * The row that word bytes encode, which must have exactly fieldCount fields.
 * Anything malformed traps XX001 data_corrupted.
 */
export function decodeRow(bytes: Uint8Array, fieldCount: number): SqlValue[] {
  return decodeFields(bytes, fieldCount);
}

/**
 * The row that word bytes encode, with however many fields they say (row.decode_all):
 * the count is part of the encoding. Anything malformed traps XX001 data_corrupted.
 *
 * Remembered by the bytes object: a queue's batch record holds up to thousands of bodies
 * and every message taken from it decodes it, from the same cached buffer (the local
 * memory's record cache), so each one costs a copy of the field array, not a decode. The
 * memory never changes bytes it handed out; a caller gets its own array, since row.set
 * changes rows in place.
 */
export function decodeRowAllFields(bytes: Uint8Array): SqlValue[] {
  let fields = decodedRows.get(bytes);
  if (fields === undefined) {
    fields = decodeFields(bytes, undefined);
    decodedRows.set(bytes, fields);
  }
  return fields.slice();
}

const decodedRows = new WeakMap<Uint8Array, readonly SqlValue[]>();

/** Decodes a row; `fieldCount` undefined accepts any count the encoding carries. */
function decodeFields(bytes: Uint8Array, fieldCount: number | undefined): SqlValue[] {
  cursor = 0;
  if (bytes.length === 0) throw corrupted(0, 'empty');
  if (bytes[0] !== rowFormatVersion) throw corrupted(0, `unknown row format version ${bytes[0]}`);
  cursor = 1;
  const encodedCount = readUleb128(bytes);
  if (encodedCount > rowFieldsMax) throw corrupted(1, `${encodedCount} fields, over ${rowFieldsMax}`);
  if (fieldCount !== undefined && encodedCount !== fieldCount) throw corrupted(1, `${encodedCount} fields where ${fieldCount} were expected`);
  const fields: SqlValue[] = new Array<SqlValue>(encodedCount);
  for (let index = 0; index < encodedCount; index++) {
    if (cursor >= bytes.length) throw corrupted(cursor, `truncated before field ${index}`);
    const tag = bytes[cursor++]!;
    switch (tag) {
      case nullTag:
        fields[index] = null;
        break;
      case falseTag:
        fields[index] = false;
        break;
      case trueTag:
        fields[index] = true;
        break;
      case integerTag:
        fields[index] = readZigZagInteger(bytes);
        break;
      case float8Tag:
        fields[index] = readFloat8(bytes);
        break;
      case textTag:
        fields[index] = readText(bytes);
        break;
      case byteaTag:
        fields[index] = readBytea(bytes);
        break;
      case timestamptzTag:
        fields[index] = readTimestamptz(bytes);
        break;
      case jsonbTag:
        fields[index] = readJsonb(bytes);
        break;
      default:
        throw corrupted(cursor - 1, `unknown field tag 0x${tag.toString(16).padStart(2, '0')}`);
    }
  }
  if (cursor !== bytes.length) throw corrupted(cursor, `${bytes.length - cursor} trailing bytes`);
  return fields;
}
