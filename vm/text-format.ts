/**
 * The program text format: listings for people (EXPLAIN, docs, tests) that the
 * assembler reads back exactly, in the spirit of WebAssembly's text format and
 * SQLite's EXPLAIN. Immediates are printed and parsed through the instruction
 * table (vm/isa.ts).
 *
 *   .params 1
 *   .local ptr                      ; $0
 *   .const name "counters"          ; #0
 *   .const sql 1                    ; #1
 *
 *    0  param.get 0                 ; the key
 *    1  ptr.make #0 0               ; name "counters"
 *    2  loop
 *    3    local.get $0
 *   ...
 *   17  end
 *
 * Header: `.params N` first, then `.local TYPE` and `.const KIND VALUE` lines in
 * pool order, their index in a comment (checked when present). Constant values:
 * sql `NULL`, `true`, `false`, integers as plain decimals (`-42`), floats always
 * with a `.` or an exponent or as `nan`, `inf`, `-inf` (`42.0`, `-0.0`, `1e+21`),
 * text as a JSON string, bytea as `x"00ff"`, timestamptz as `timestamptz` and a
 * JSON string of its text (`timestamptz "2024-01-02 03:04:05+00"`), jsonb as
 * `jsonb` and a JSON string of its text (`jsonb "{\"a\": 1}"`); `bytes x"..."`;
 * `name "..."`. Printing writes the output forms (UTC, jsonb's canonical
 * text); reading accepts any input the casts from text accept.
 *
 * Code: one instruction per line, `ADDR  opcode immediates  ; comment`, bodies of
 * block/loop/if indented two spaces per level. Locals print as `$n`, constants as
 * `#k`, labels as depth numbers, block types as `(result TYPE)` or nothing, SQL
 * types by name, f64 like float constants. The comment field holds the program's
 * comment and then, for instructions naming constants, the constants' values:
 * `COMMENT  ; VALUES`. The values are derived, so the assembler strips them by
 * recomputing them; a comment that is empty, padded, has control characters or
 * starts with `"` is written as a JSON string so that it survives the line.
 *
 * On input, addresses are optional (checked against the position when present),
 * indentation and spacing are free, blank lines and comment-only lines are
 * ignored. Anything else is an AssembleError with its line number.
 */
import {
  emptyBlockTypeCode,
  instructionByName,
  valueTypeCodes,
  valueTypes,
  type ImmediateKind,
  type InstructionInfo,
  type InstructionName,
  type ValueType,
} from './isa.js';
import { assert } from '../common/sql-error.js';
import { commentAddresses, instructionFault, isWellFormedText, valueTypeByCode } from './binary-format.js';
import { AssembleError } from './failures.js';
import { s32Max, s32Min, s64Max, s64Min, u32Max } from './leb128.js';
import type { Constant, Immediate, Instruction, Program } from './program.js';
import { VmFailure } from './failures.js';
import { parseJsonbText } from './sql-jsonb.js';
import { formatTimestamptz, parseTimestamptzText } from './sql-timestamptz.js';
import { Jsonb, sqlTypeByCode, sqlTypeCodes, sqlTypes, Timestamptz, type SqlType, type SqlValue } from './sql-values.js';

/** Comments start at this column unless the instruction is longer. */
const commentColumn = 32;
const indentUnit = '  ';

// --- printing ---

/** One instruction of a listing, for disassemble and for EXPLAIN's columns. */
export interface ListingRow {
  readonly address: number;
  /** Nesting level: block, loop and if bodies are one deeper; else and end sit at their opener's level. */
  readonly depth: number;
  readonly opcode: InstructionName;
  /** The immediates as text, space separated. */
  readonly args: string;
  /** The program's comment on this instruction, as written by the compiler. */
  readonly comment: string | undefined;
  /** The values of the constants the instruction names. */
  readonly annotation: string | undefined;
}

export function listingRows(program: Program): ListingRow[] {
  let depth = 0;
  return program.code.map((instruction, address) => {
    const fault = instructionFault(instruction);
    assert(fault === undefined, `instruction ${address}: ${fault}`);
    const info = instructionByName.get(instruction.op)!;
    const closes = instruction.op === 'end' || instruction.op === 'else';
    const row: ListingRow = {
      address,
      depth: closes ? Math.max(0, depth - 1) : depth,
      opcode: instruction.op,
      args: formatImmediates(info, instruction.immediates),
      comment: program.comments[address],
      annotation: constantAnnotation(info, instruction.immediates, program.constants),
    };
    if (info.immediates.includes('blockType')) depth++;
    if (instruction.op === 'end') depth = Math.max(0, depth - 1);
    return row;
  });
}

export function disassemble(program: Program): string {
  commentAddresses(program.comments, program.code.length); // asserts every comment names an instruction
  const header = [
    `.params ${program.paramCount}`,
    ...program.locals.map((type, index) => withComment(`.local ${type}`, `$${index}`)),
    ...program.constants.map((constant, index) => withComment(`.const ${formatConstant(constant)}`, `#${index}`)),
  ];
  const addressWidth = String(Math.max(0, program.code.length - 1)).length;
  const body = listingRows(program).map((row) => {
    const instruction = row.args === '' ? row.opcode : `${row.opcode} ${row.args}`;
    return withComment(`${String(row.address).padStart(addressWidth)}  ${indentUnit.repeat(row.depth)}${instruction}`, commentField(row));
  });
  return [...header, '', ...body].join('\n') + '\n';
}

function withComment(text: string, comment: string | undefined): string {
  return comment === undefined ? text : `${text}${' '.repeat(Math.max(2, commentColumn - text.length))}; ${comment}`;
}

function commentField(row: ListingRow): string | undefined {
  const comment = row.comment === undefined ? undefined : quoteComment(row.comment);
  if (row.annotation === undefined) return comment;
  return comment === undefined ? row.annotation : `${comment}  ; ${row.annotation}`;
}

/** A comment is written as is when reading the line back gives it unchanged. */
function quoteComment(comment: string): string {
  const plain =
    comment !== '' &&
    comment === comment.trim() &&
    !comment.startsWith('"') &&
    !invisiblePattern.test(comment) &&
    isWellFormedText(comment);
  return plain ? comment : quoteText(comment);
}

/**
 * Control, format and line-separator characters (a BOM, a zero-width joiner,
 * U+2028) are invisible or break lines in editors, so a listing escapes them.
 */
const invisiblePattern = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const invisiblePatternGlobal = new RegExp(invisiblePattern.source, 'gu');

/** A JSON string literal with invisible characters escaped too; JSON.parse reads it back. */
export function quoteText(text: string): string {
  return JSON.stringify(text).replace(invisiblePatternGlobal, (character) => {
    let escaped = '';
    for (let index = 0; index < character.length; index++) escaped += `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`;
    return escaped;
  });
}

function formatImmediates(info: InstructionInfo, immediates: readonly Immediate[]): string {
  return info.immediates
    .map((kind, index) => formatImmediate(kind, immediates[index]!))
    .filter((text) => text !== '')
    .join(' ');
}

function formatImmediate(kind: ImmediateKind, value: Immediate): string {
  switch (kind) {
    case 'u32':
    case 's32':
    case 's64':
    case 'label':
      return String(value);
    case 'local':
      return `$${value}`;
    case 'constant':
      return `#${value}`;
    case 'f64':
      return formatFloat(value as number);
    case 'blockType':
      return value === emptyBlockTypeCode ? '' : `(result ${valueTypeByCode.get(value as number)})`;
    case 'sqlType':
      return sqlTypeByCode.get(value as number)!;
  }
}

function constantAnnotation(info: InstructionInfo, immediates: readonly Immediate[], constants: readonly Constant[]): string | undefined {
  const values = info.immediates.flatMap((kind, index) => {
    if (kind !== 'constant') return [];
    const constant = constants[immediates[index] as number];
    return [constant === undefined ? `no constant #${immediates[index]}` : formatConstant(constant)];
  });
  return values.length === 0 ? undefined : values.join(', ');
}

/** A pool entry as its `.const` line writes it: `sql 42`, `bytes x"00ff"`, `name "users"`. */
export function formatConstant(constant: Constant): string {
  switch (constant.kind) {
    case 'sql':
      return `sql ${formatSqlValue(constant.value)}`;
    case 'bytes':
      return `bytes ${formatHex(constant.value)}`;
    case 'name':
      return `name ${quoteText(constant.value)}`;
  }
}

export function formatSqlValue(value: SqlValue): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      return formatFloat(value);
    case 'string':
      return quoteText(value);
    default:
      if (value instanceof Timestamptz) return `timestamptz ${quoteText(formatTimestamptz(value))}`;
      if (value instanceof Jsonb) return `jsonb ${quoteText(value.text)}`;
      return formatHex(value);
  }
}

/** Shortest text that reads back to the same float; always marked as a float (`.`, `e`, nan, inf). */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0.0';
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function formatHex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return `x"${text}"`;
}

// --- reading ---

const integerPattern = /^(0|-?[1-9][0-9]*)$/;
const floatPattern = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?(e[+-]?[0-9]+)?$/;
const indexPattern = /^(0|[1-9][0-9]*)$/;

export function assemble(text: string): Program {
  const assembler = new Assembler();
  const lines = text.split('\n');
  lines.forEach((line, index) => assembler.line(new LineCursor(line.endsWith('\r') ? line.slice(0, -1) : line, index + 1)));
  return assembler.finish(lines.length);
}

class Assembler {
  private paramCount: number | undefined;
  private readonly locals: ValueType[] = [];
  private readonly constants: Constant[] = [];
  private readonly code: Instruction[] = [];
  private readonly comments: Record<number, string> = {};

  line(cursor: LineCursor): void {
    if (!cursor.isWellFormed()) cursor.fail('a lone surrogate: the text is not well-formed Unicode');
    cursor.skipSpace();
    if (cursor.atEnd() || cursor.peek() === ';') return;
    if (cursor.peek() === '.') this.directive(cursor);
    else this.instruction(cursor);
  }

  finish(lineCount: number): Program {
    if (this.paramCount === undefined) throw new AssembleError(lineCount, 'missing .params');
    return { paramCount: this.paramCount, locals: this.locals, constants: this.constants, code: this.code, comments: this.comments };
  }

  private directive(cursor: LineCursor): void {
    const name = cursor.word();
    if (this.code.length > 0) cursor.fail(`${name} after the first instruction: directives come first`);
    if (name !== '.params' && this.paramCount === undefined) cursor.fail(`${name} before .params: .params comes first`);
    switch (name) {
      case '.params':
        if (this.paramCount !== undefined) cursor.fail('a second .params');
        this.paramCount = readU32(cursor, cursor.word(), 'the parameter count');
        return cursor.endHeaderLine(undefined, 0);
      case '.local':
        this.locals.push(readValueType(cursor, cursor.word()));
        return cursor.endHeaderLine('$', this.locals.length - 1);
      case '.const':
        this.constants.push(readConstant(cursor));
        return cursor.endHeaderLine('#', this.constants.length - 1);
      default:
        cursor.fail(`unknown directive ${JSON.stringify(name)} (expected .params, .local or .const)`);
    }
  }

  private instruction(cursor: LineCursor): void {
    if (this.paramCount === undefined) cursor.fail('an instruction before .params: .params comes first');
    const address = this.code.length;
    let word = cursor.word();
    if (/^[0-9]+$/.test(word)) {
      if (Number(word) !== address) cursor.fail(`address ${word} does not match the instruction's position ${address}`);
      word = cursor.word();
    }
    const info = instructionByName.get(word) ?? cursor.fail(word === '' ? 'expected an opcode' : `unknown opcode ${JSON.stringify(word)}`);
    const immediates = info.immediates.map((kind) => readImmediate(cursor, kind, info));
    cursor.skipSpace();
    if (!cursor.atEnd() && cursor.peek() !== ';') cursor.fail(`${info.name} takes ${describeImmediates(info)}; unexpected ${JSON.stringify(cursor.word())}`);
    const instruction: Instruction = { op: info.name as InstructionName, immediates };
    const comment = readProgramComment(cursor, constantAnnotation(info, immediates, this.constants));
    this.code.push(instruction);
    if (comment !== undefined) this.comments[address] = comment;
  }
}

/** A cursor over one line; every failure names the line. */
class LineCursor {
  private position = 0;

  constructor(
    private readonly text: string,
    readonly lineNumber: number,
  ) {}

  fail(reason: string): never {
    throw new AssembleError(this.lineNumber, reason);
  }

  isWellFormed(): boolean {
    return isWellFormedText(this.text);
  }

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  peek(offset = 0): string {
    return this.text.charAt(this.position + offset);
  }

  skipSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.position++;
  }

  /** The next run of characters up to a space, tab or `;` (empty at the end of the code part). */
  word(): string {
    this.skipSpace();
    const start = this.position;
    while (!this.atEnd() && !' \t;'.includes(this.peek())) this.position++;
    return this.text.slice(start, this.position);
  }

  /** Text up to and including `close`, which must appear on this line. */
  through(close: string, what: string): string {
    const end = this.text.indexOf(close, this.position);
    if (end < 0) this.fail(`unterminated ${what}`);
    const text = this.text.slice(this.position, end + 1);
    this.position = end + 1;
    return text;
  }

  jsonString(what: string): string {
    let index = this.position + 1; // past the opening quote
    while (index < this.text.length && this.text[index] !== '"') index += this.text[index] === '\\' ? 2 : 1;
    if (index >= this.text.length) this.fail(`unterminated ${what}`);
    const literal = this.text.slice(this.position, index + 1);
    this.position = index + 1;
    return parseJsonString(literal) ?? this.fail(`bad ${what} ${literal}: not a JSON string of well-formed Unicode`);
  }

  /** The comment field: everything after the `;`, trimmed; undefined when there is none. */
  comment(): string | undefined {
    this.skipSpace();
    if (this.atEnd()) return undefined;
    if (this.peek() !== ';') this.fail(`unexpected ${JSON.stringify(this.word())}`);
    const field = this.text.slice(this.position + 1).trim();
    this.position = this.text.length;
    return field === '' ? undefined : field;
  }

  /** A header line may end in its index comment (`; $n`, `; #k`), which must then be right. */
  endHeaderLine(sigil: '$' | '#' | undefined, index: number): void {
    const field = this.comment();
    if (sigil === undefined || field === undefined || !field.startsWith(sigil)) return;
    const written = /^.([0-9]+)/.exec(field)?.[1];
    if (written !== undefined && Number(written) !== index) this.fail(`the comment says ${sigil}${written} but this is ${sigil}${index}`);
  }
}

/** A JSON string literal's value; lone surrogates are refused because the binary format cannot carry them. */
function parseJsonString(literal: string): string | undefined {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' && isWellFormedText(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The program comment of an instruction line, without the derived constant values. */
function readProgramComment(cursor: LineCursor, annotation: string | undefined): string | undefined {
  const field = cursor.comment();
  if (field === undefined || field === annotation) return undefined;
  if (annotation !== undefined && field.endsWith(annotation)) {
    const before = field.slice(0, field.length - annotation.length).trimEnd();
    if (before.endsWith(';')) return unquoteComment(cursor, before.slice(0, -1).trim());
  }
  return unquoteComment(cursor, field);
}

function unquoteComment(cursor: LineCursor, text: string): string | undefined {
  if (text === '') return undefined;
  if (!text.startsWith('"')) return text;
  return parseJsonString(text) ?? cursor.fail(`bad quoted comment ${text}: not a JSON string`);
}

function describeImmediates(info: InstructionInfo): string {
  return info.immediates.length === 0 ? 'no immediates' : `immediates ${info.immediates.join(' ')}`;
}

function readImmediate(cursor: LineCursor, kind: ImmediateKind, info: InstructionInfo): Immediate {
  cursor.skipSpace();
  if (kind === 'blockType') return cursor.peek() === '(' ? readBlockType(cursor) : emptyBlockTypeCode;
  const token = cursor.word();
  if (token === '') cursor.fail(`${info.name} takes ${describeImmediates(info)}: the ${kind} is missing`);
  const what = `the ${kind} of ${info.name}`;
  switch (kind) {
    case 'u32':
    case 'label':
      return readU32(cursor, token, what);
    case 'local':
      return readU32(cursor, withSigil(cursor, token, '$', what), what);
    case 'constant':
      return readU32(cursor, withSigil(cursor, token, '#', what), what);
    case 's32':
      return Number(readInteger(cursor, token, BigInt(s32Min), BigInt(s32Max), what));
    case 's64':
      return readInteger(cursor, token, s64Min, s64Max, what);
    case 'f64':
      return readFloat(cursor, token, what, true);
    case 'sqlType':
      return sqlTypeCodes[readSqlType(cursor, token)];
  }
}

function readBlockType(cursor: LineCursor): number {
  const text = cursor.through(')', 'block type');
  const type = /^\(\s*result\s+([^\s)]+)\s*\)$/.exec(text)?.[1] ?? cursor.fail(`bad block type ${text}: expected (result TYPE)`);
  return valueTypeCodes[readValueType(cursor, type)];
}

function withSigil(cursor: LineCursor, token: string, sigil: string, what: string): string {
  return token.startsWith(sigil) ? token.slice(1) : cursor.fail(`${what} is written ${sigil}n, not ${JSON.stringify(token)}`);
}

function readU32(cursor: LineCursor, token: string, what: string): number {
  if (!indexPattern.test(token)) cursor.fail(`${what} must be an unsigned integer, not ${JSON.stringify(token)}`);
  return Number(readInteger(cursor, token, 0n, BigInt(u32Max), what));
}

function readInteger(cursor: LineCursor, token: string, min: bigint, max: bigint, what: string): bigint {
  if (!integerPattern.test(token)) cursor.fail(`${what} must be an integer, not ${JSON.stringify(token)}`);
  const value = BigInt(token);
  if (value < min || value > max) cursor.fail(`${what} ${token} is out of range ${min}..${max}`);
  return value;
}

/** Floats; an integer-looking token is accepted only where the kind already says float. */
function readFloat(cursor: LineCursor, token: string, what: string, allowInteger: boolean): number {
  if (token === 'nan') return NaN;
  if (token === 'inf') return Infinity;
  if (token === '-inf') return -Infinity;
  if (!floatPattern.test(token) || (!allowInteger && !/[.e]/.test(token))) cursor.fail(`${what} must be a float, not ${JSON.stringify(token)}`);
  const value = Number(token);
  if (!Number.isFinite(value)) cursor.fail(`${what} ${token} is out of the float range (write inf or -inf)`);
  return value;
}

function readValueType(cursor: LineCursor, token: string): ValueType {
  const type = valueTypes.find((candidate) => candidate === token);
  return type ?? cursor.fail(`unknown value type ${JSON.stringify(token)} (expected one of ${valueTypes.join(', ')})`);
}

function readSqlType(cursor: LineCursor, token: string): SqlType {
  const type = sqlTypes.find((candidate) => candidate === token);
  return type ?? cursor.fail(`unknown SQL type ${JSON.stringify(token)} (expected one of ${sqlTypes.join(', ')})`);
}

function readConstant(cursor: LineCursor): Constant {
  const kind = cursor.word();
  cursor.skipSpace();
  switch (kind) {
    case 'sql':
      return { kind, value: readSqlValue(cursor) };
    case 'bytes':
      return { kind, value: cursor.peek() === 'x' ? readHex(cursor) : cursor.fail('a bytes constant is written x"hex"') };
    case 'name':
      return { kind, value: cursor.peek() === '"' ? cursor.jsonString('name') : cursor.fail('a name constant is a JSON string') };
    default:
      return cursor.fail(`unknown constant kind ${JSON.stringify(kind)} (expected sql, bytes or name)`);
  }
}

function readSqlValue(cursor: LineCursor): SqlValue {
  if (cursor.peek() === '"') return cursor.jsonString('text');
  if (cursor.peek() === 'x' && cursor.peek(1) === '"') return readHex(cursor);
  const token = cursor.word();
  if (token === 'NULL') return null;
  if (token === 'true' || token === 'false') return token === 'true';
  if (token === 'timestamptz' || token === 'jsonb') return readTypedSqlValue(cursor, token);
  if (integerPattern.test(token)) return readInteger(cursor, token, s64Min, s64Max, 'an int8 constant');
  if (token === '') cursor.fail('missing value: expected NULL, true, false, a number, a JSON string, x"hex", timestamptz "..." or jsonb "..."');
  return readFloat(cursor, token, 'a SQL constant', false);
}

/** `timestamptz "TEXT"` or `jsonb "TEXT"`: the JSON string's value read by the type's input function. */
function readTypedSqlValue(cursor: LineCursor, type: 'timestamptz' | 'jsonb'): SqlValue {
  cursor.skipSpace();
  if (cursor.peek() !== '"') cursor.fail(`a ${type} constant is written ${type} "TEXT"`);
  const text = cursor.jsonString(type);
  try {
    return type === 'timestamptz' ? parseTimestamptzText(text) : parseJsonbText(text);
  } catch (error) {
    if (!(error instanceof VmFailure)) throw error;
    return cursor.fail(`bad ${type} ${quoteText(text)}: ${error.message}`);
  }
}

function readHex(cursor: LineCursor): Uint8Array {
  if (cursor.through('"', 'hex string') !== 'x"') cursor.fail('a hex string is written x"00ff"');
  const digits = cursor.through('"', 'hex string').slice(0, -1);
  if (!/^[0-9a-f]*$/.test(digits) || digits.length % 2 !== 0) cursor.fail(`bad hex string x"${digits}": expected pairs of lower-case hex digits`);
  const bytes = new Uint8Array(digits.length / 2);
  for (let index = 0; index < bytes.length; index++) bytes[index] = parseInt(digits.slice(2 * index, 2 * index + 2), 16);
  return bytes;
}
