/**
 * The program binary format: how a Program travels and is stored. Every field is
 * read through the instruction table (vm/isa.ts), so a new opcode needs no code
 * here unless it brings a new immediate kind.
 *
 * Layout (LEB128 = vm/leb128.ts, shortest form only; f64 = 8 bytes little-endian,
 * so NaN and -0 survive):
 *
 *   magic       00 64 6d 70                     "\0dmp"
 *   version     u8 = 1
 *   params      u32 LEB                         paramCount
 *   locals      u32 count, then count x u8      value type codes (valueTypeCodes)
 *   constants   u32 count, then per entry       kind u8, payload:
 *                 0x01 sql    tag u8: 0x00 NULL | 0x01 boolean + u8 0/1 | 0x03 int8 + s64 LEB
 *                                     | 0x04 float8 + f64 | 0x05 text + string | 0x06 bytea + blob
 *                                     | 0x07 timestamptz + s64 LEB (PostgreSQL's form: µs since
 *                                       2000-01-01 UTC, infinity/-infinity as the int8 extremes)
 *                                     | 0x08 jsonb + string (its canonical text, jsonb_out's)
 *                 0x02 bytes  blob
 *                 0x03 name   string
 *   code        u32 count, then per instruction opcode u8, then its immediates in table order:
 *                 u32, local, label, constant: u32 LEB;  s32, s64: signed LEB;  f64: 8 bytes LE;
 *                 blockType: u8 (a value type code or 0x40);  sqlType: u8 (sqlTypeCodes)
 *   comments    u32 count, then per comment     address u32 LEB (strictly increasing,
 *                                               below the instruction count), string
 *   (nothing may follow)
 *
 *   string = u32 LEB byte length + UTF-8;  blob = u32 LEB byte length + raw bytes
 *
 * SQL tags reuse sqlTypeCodes; integers are always int8 (the VM holds every SQL
 * integer as a bigint), so the int4 code is refused. A timestamptz must be in
 * range and a jsonb's text must parse and be canonical (print back the same),
 * so every value has one encoding. The decoder checks formats,
 * not types: index ranges and stack typing are the validator's job.
 *
 * Decoding never trusts a length or count: each is bounded by the bytes left
 * before anything is allocated, and every refusal is a DecodeError with the byte
 * offset. Encoding an ill-formed Program is a bug in its producer and fails an
 * assertion.
 */
import { assert } from '../common/sql-error.js';
import {
  emptyBlockTypeCode,
  instructionByCode,
  instructionByName,
  valueTypeCodes,
  valueTypes,
  type ImmediateKind,
  type InstructionInfo,
  type InstructionName,
  type ValueType,
} from './isa.js';
import { ByteReader, ByteWriter, isS32, isS64, isU32 } from './leb128.js';
import type { Constant, Immediate, Instruction, Program } from './program.js';
import { parseJsonbText } from './sql-jsonb.js';
import { Jsonb, sqlTypeByCode, sqlTypeCodes, Timestamptz, type SqlValue } from './sql-values.js';

export const programMagic = Uint8Array.of(0x00, 0x64, 0x6d, 0x70);
export const programFormatVersion = 1;

export const constantKindCodes: Readonly<Record<Constant['kind'], number>> = { sql: 0x01, bytes: 0x02, name: 0x03 };
export const sqlNullTag = 0x00;

export const valueTypeByCode: ReadonlyMap<number, ValueType> = new Map(valueTypes.map((type) => [valueTypeCodes[type], type]));
const constantKindByCode = new Map(Object.entries(constantKindCodes).map(([kind, code]) => [code, kind as Constant['kind']]));

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // a leading U+FEFF is content
const utf8Encoder = new TextEncoder();

// --- shared checks (also used by the text format) ---

/** Why `value` is not a valid immediate of `kind`, or undefined when it is. */
export function immediateFault(kind: ImmediateKind, value: Immediate): string | undefined {
  switch (kind) {
    case 'u32':
    case 'local':
    case 'label':
    case 'constant':
      return isU32(value) ? undefined : `${kind} must be an integer in 0..2^32-1`;
    case 's32':
      return isS32(value) ? undefined : 's32 must be an integer in -2^31..2^31-1';
    case 's64':
      return isS64(value) ? undefined : 's64 must be a bigint in -2^63..2^63-1';
    case 'f64':
      return typeof value === 'number' ? undefined : 'f64 must be a number';
    case 'blockType':
      return value === emptyBlockTypeCode || (typeof value === 'number' && valueTypeByCode.has(value)) ? undefined : 'not a block type code';
    case 'sqlType':
      return typeof value === 'number' && sqlTypeByCode.has(value) ? undefined : 'not a SQL type code';
  }
}

/** Why `instruction` does not fit the instruction table, or undefined when it does. */
export function instructionFault(instruction: Instruction): string | undefined {
  const info = instructionByName.get(instruction.op);
  if (info === undefined) return `unknown opcode ${JSON.stringify(instruction.op)}`;
  if (instruction.immediates.length !== info.immediates.length) {
    return `${info.name} takes ${info.immediates.length} immediates, not ${instruction.immediates.length}`;
  }
  for (const [index, kind] of info.immediates.entries()) {
    const fault = immediateFault(kind, instruction.immediates[index]!);
    if (fault !== undefined) return `${info.name} immediate ${index}: ${fault}`;
  }
  return undefined;
}

/** Text the binary format can carry: no lone surrogates, which UTF-8 cannot represent. */
export function isWellFormedText(text: string): boolean {
  return !/\p{Surrogate}/u.test(text);
}

// --- encoding ---

export function encodeProgram(program: Program): Uint8Array {
  const writer = new ByteWriter();
  writer.bytes(programMagic);
  writer.u8(programFormatVersion);
  writer.u32(program.paramCount);
  writeLocals(writer, program.locals);
  writeConstants(writer, program.constants);
  writeCode(writer, program.code);
  writeComments(writer, program.comments, program.code.length);
  return writer.finish();
}

function writeLocals(writer: ByteWriter, locals: readonly ValueType[]): void {
  writer.u32(locals.length);
  for (const type of locals) {
    assert(valueTypeCodes[type] !== undefined, `unknown local type ${type}`);
    writer.u8(valueTypeCodes[type]);
  }
}

function writeConstants(writer: ByteWriter, constants: readonly Constant[]): void {
  writer.u32(constants.length);
  for (const constant of constants) {
    writer.u8(constantKindCodes[constant.kind]);
    if (constant.kind === 'sql') writeSqlValue(writer, constant.value);
    else if (constant.kind === 'bytes') writeBlob(writer, constant.value);
    else writeString(writer, constant.value);
  }
}

function writeSqlValue(writer: ByteWriter, value: SqlValue): void {
  if (value === null) return writer.u8(sqlNullTag);
  switch (typeof value) {
    case 'boolean':
      writer.u8(sqlTypeCodes.boolean);
      return writer.u8(value ? 1 : 0);
    case 'bigint':
      writer.u8(sqlTypeCodes.int8);
      return writer.s64(value);
    case 'number':
      writer.u8(sqlTypeCodes.float8);
      return writer.f64(value);
    case 'string':
      writer.u8(sqlTypeCodes.text);
      return writeString(writer, value);
    default:
      if (value instanceof Timestamptz) {
        writer.u8(sqlTypeCodes.timestamptz);
        return writer.s64(value.toPostgresMicroseconds());
      }
      if (value instanceof Jsonb) {
        writer.u8(sqlTypeCodes.jsonb);
        return writeString(writer, value.text);
      }
      assert(value instanceof Uint8Array, 'a SQL value is null, boolean, bigint, number, string, Uint8Array, Timestamptz or Jsonb');
      writer.u8(sqlTypeCodes.bytea);
      return writeBlob(writer, value);
  }
}

function writeCode(writer: ByteWriter, code: readonly Instruction[]): void {
  writer.u32(code.length);
  for (const [address, instruction] of code.entries()) {
    const fault = instructionFault(instruction);
    assert(fault === undefined, `instruction ${address}: ${fault}`);
    const info = instructionByName.get(instruction.op)!;
    writer.u8(info.code);
    info.immediates.forEach((kind, index) => writeImmediate(writer, kind, instruction.immediates[index]!));
  }
}

function writeImmediate(writer: ByteWriter, kind: ImmediateKind, value: Immediate): void {
  switch (kind) {
    case 'u32':
    case 'local':
    case 'label':
    case 'constant':
      return writer.u32(value as number);
    case 's32':
      return writer.s32(value as number);
    case 's64':
      return writer.s64(value as bigint);
    case 'f64':
      return writer.f64(value as number);
    case 'blockType':
    case 'sqlType':
      return writer.u8(value as number);
  }
}

function writeComments(writer: ByteWriter, comments: Readonly<Record<number, string>>, codeLength: number): void {
  const addresses = commentAddresses(comments, codeLength);
  writer.u32(addresses.length);
  for (const address of addresses) {
    writer.u32(address);
    writeString(writer, comments[address]!);
  }
}

/** The commented addresses in increasing order, each checked to name an instruction. */
export function commentAddresses(comments: Readonly<Record<number, string>>, codeLength: number): number[] {
  const addresses = Object.keys(comments).map(Number);
  for (const address of addresses) {
    assert(Number.isInteger(address) && address >= 0 && address < codeLength, `comment address ${address} is not an instruction`);
  }
  return addresses.sort((a, b) => a - b);
}

function writeString(writer: ByteWriter, text: string): void {
  assert(isWellFormedText(text), 'text with a lone surrogate cannot be encoded as UTF-8');
  writeBlob(writer, utf8Encoder.encode(text));
}

function writeBlob(writer: ByteWriter, bytes: Uint8Array): void {
  writer.u32(bytes.length);
  writer.bytes(bytes);
}

// --- decoding ---

export function decodeProgram(bytes: Uint8Array): Program {
  const reader = new ByteReader(bytes);
  readHeader(reader);
  const paramCount = reader.u32('the parameter count');
  const locals = readLocals(reader);
  const constants = readConstants(reader);
  const code = readCode(reader);
  const comments = readComments(reader, code.length);
  if (reader.remaining > 0) reader.fail(`${reader.remaining} trailing bytes after the last section`);
  return { paramCount, locals, constants, code, comments };
}

function readHeader(reader: ByteReader): void {
  for (const expected of programMagic) {
    if (reader.u8('the magic number') !== expected) reader.fail('bad magic number: not a dmachine program', reader.offset - 1);
  }
  const version = reader.u8('the version');
  if (version !== programFormatVersion) reader.fail(`unknown format version ${version}`, reader.offset - 1);
}

/** A count whose items take at least `itemBytesMin` each cannot exceed what is left. */
function readCount(reader: ByteReader, itemBytesMin: number, what: string): number {
  const start = reader.offset;
  const count = reader.u32(`the ${what} count`);
  if (count * itemBytesMin > reader.remaining) reader.fail(`${count} ${what} cannot fit in the ${reader.remaining} bytes left`, start);
  return count;
}

function readLocals(reader: ByteReader): ValueType[] {
  const count = readCount(reader, 1, 'locals');
  const locals: ValueType[] = [];
  for (let index = 0; index < count; index++) locals.push(readValueType(reader));
  return locals;
}

function readValueType(reader: ByteReader): ValueType {
  const code = reader.u8('a local type');
  const type = valueTypeByCode.get(code);
  return type ?? reader.fail(`unknown value type code 0x${hex(code)}`, reader.offset - 1);
}

function readConstants(reader: ByteReader): Constant[] {
  const count = readCount(reader, 2, 'constants');
  const constants: Constant[] = [];
  for (let index = 0; index < count; index++) constants.push(readConstant(reader));
  return constants;
}

function readConstant(reader: ByteReader): Constant {
  const code = reader.u8('a constant kind');
  const kind = constantKindByCode.get(code);
  switch (kind) {
    case 'sql':
      return { kind, value: readSqlValue(reader) };
    case 'bytes':
      return { kind, value: readBlob(reader, 'bytes') };
    case 'name':
      return { kind, value: readString(reader, 'a name') };
    default:
      return reader.fail(`unknown constant kind 0x${hex(code)}`, reader.offset - 1);
  }
}

function readSqlValue(reader: ByteReader): SqlValue {
  const tag = reader.u8('a SQL value tag');
  switch (tag === sqlNullTag ? 'null' : sqlTypeByCode.get(tag)) {
    case 'null':
      return null;
    case 'boolean':
      return readBoolean(reader);
    case 'int8':
      return reader.s64('an int8');
    case 'float8':
      return reader.f64('a float8');
    case 'text':
      return readString(reader, 'a text');
    case 'bytea':
      return readBlob(reader, 'a bytea');
    case 'timestamptz': {
      const start = reader.offset;
      const microseconds = reader.s64('a timestamptz');
      return Timestamptz.fromPostgresMicroseconds(microseconds) ?? reader.fail(`timestamptz of ${microseconds} µs since 2000 is out of range`, start);
    }
    case 'jsonb':
      return readJsonb(reader);
    default:
      return reader.fail(`unknown SQL value tag 0x${hex(tag)}`, reader.offset - 1);
  }
}

function readJsonb(reader: ByteReader): Jsonb {
  const start = reader.offset;
  const text = readString(reader, 'a jsonb');
  let value: Jsonb | undefined;
  try {
    value = parseJsonbText(text);
  } catch {
    // reported below, with the offset
  }
  if (value === undefined) return reader.fail('a jsonb constant is not valid JSON', start);
  if (value.text !== text) reader.fail('a jsonb constant is not in canonical form', start);
  return value;
}

function readBoolean(reader: ByteReader): boolean {
  const byte = reader.u8('a boolean');
  if (byte > 1) reader.fail(`a boolean is 0 or 1, not ${byte}`, reader.offset - 1);
  return byte === 1;
}

function readCode(reader: ByteReader): Instruction[] {
  const count = readCount(reader, 1, 'instructions');
  const code: Instruction[] = [];
  for (let address = 0; address < count; address++) code.push(readInstruction(reader));
  return code;
}

function readInstruction(reader: ByteReader): Instruction {
  const opcode = reader.u8('an opcode');
  const info = instructionByCode.get(opcode) ?? reader.fail(`unknown opcode 0x${hex(opcode)}`, reader.offset - 1);
  const immediates = info.immediates.map((kind) => readImmediate(reader, kind, info));
  return { op: info.name as InstructionName, immediates };
}

function readImmediate(reader: ByteReader, kind: ImmediateKind, info: InstructionInfo): Immediate {
  const what = `the ${kind} immediate of ${info.name}`;
  switch (kind) {
    case 'u32':
    case 'local':
    case 'label':
    case 'constant':
      return reader.u32(what);
    case 's32':
      return reader.s32(what);
    case 's64':
      return reader.s64(what);
    case 'f64':
      return reader.f64(what);
    case 'blockType':
    case 'sqlType': {
      const code = reader.u8(what);
      if (immediateFault(kind, code) !== undefined) reader.fail(`bad ${kind} 0x${hex(code)} in ${info.name}`, reader.offset - 1);
      return code;
    }
  }
}

function readComments(reader: ByteReader, codeLength: number): Record<number, string> {
  const count = readCount(reader, 2, 'comments');
  const comments: Record<number, string> = {};
  let previous = -1;
  for (let index = 0; index < count; index++) {
    const start = reader.offset;
    const address = reader.u32('a comment address');
    if (address >= codeLength) reader.fail(`comment address ${address} is past the last instruction (${codeLength} instructions)`, start);
    if (address <= previous) reader.fail(`comment address ${address} does not follow ${previous}: addresses must increase`, start);
    comments[address] = readString(reader, 'a comment');
    previous = address;
  }
  return comments;
}

function readString(reader: ByteReader, what: string): string {
  const bytes = readBlobView(reader, what);
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return reader.fail(`${what} is not valid UTF-8`, reader.offset - bytes.length);
  }
}

/** A copy, so the Program never aliases the caller's buffer. */
function readBlob(reader: ByteReader, what: string): Uint8Array {
  return new Uint8Array(readBlobView(reader, what));
}

function readBlobView(reader: ByteReader, what: string): Uint8Array {
  const start = reader.offset;
  const length = reader.u32(`the length of ${what}`);
  if (length > reader.remaining) reader.fail(`${what} of ${length} bytes runs past the end (${reader.remaining} bytes left)`, start);
  return reader.take(length, what);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
