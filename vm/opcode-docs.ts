/**
 * docs/opcodes.md, rendered from the instruction table (vm/isa.ts) and the
 * format constants, so the reference cannot drift from the code: a test compares
 * the file with renderOpcodeDocs() and says how to regenerate it.
 *
 * The descriptions of value types, immediate kinds and families live here as
 * records keyed by their type, so adding a type, kind or family to isa.ts does
 * not compile until it is described.
 */
import {
  emptyBlockTypeCode,
  instructions,
  valueTypeCodes,
  valueTypes,
  type ImmediateKind,
  type InstructionFamily,
  type InstructionInfo,
  type InstructionName,
  type ValueType,
} from './isa.js';
import { constantKindCodes, programFormatVersion, programMagic, sqlNullTag } from './binary-format.js';
import { disassemble } from './text-format.js';
import type { Instruction, Program } from './program.js';
import { sqlTypeCodes, sqlTypes } from './sql-values.js';

export const opcodeDocsPath = 'docs/opcodes.md';
export const regenerateOpcodeDocsCommand = 'UPDATE_DOCS=1 npx vitest run test/vm/opcode-docs.test.ts';

const valueTypeMeanings: Record<ValueType, string> = {
  i32: '32-bit integer; also the condition and boolean type (0 is false)',
  i64: '64-bit integer',
  f64: '64-bit IEEE 754 float',
  sql: 'a SQL value or NULL (boolean, int8, float8, text, bytea, timestamptz, jsonb)',
  bytes: 'a word value or an lnr record (bytes), or null for "no word" / "no record"',
  row: 'a row of SQL values, the decoded form of a word',
  ptr: 'a word address: SHA-512 pointer plus sort key',
  scan: 'a cursor over words returned by SCAN',
  rowset: 'a bounded collection of rows held by one run (GROUP BY groups, ORDER BY sorter)',
};

const immediateMeanings: Record<ImmediateKind, { binary: string; text: string; meaning: string }> = {
  u32: { binary: 'unsigned LEB128', text: '`5`', meaning: 'a count, field index, flags or resource type' },
  s32: { binary: 'signed LEB128', text: '`-5`', meaning: 'a 32-bit integer' },
  s64: { binary: 'signed LEB128', text: '`-5`', meaning: 'a 64-bit integer' },
  f64: { binary: '8 bytes little-endian', text: '`1.5` `-0.0` `nan` `inf`', meaning: 'a 64-bit float, bit for bit' },
  blockType: { binary: `1 byte: a value type code, or 0x${hex(emptyBlockTypeCode)} for none`, text: '`(result i64)` or nothing', meaning: 'the result of a block, loop or if' },
  sqlType: { binary: '1 byte: a SQL type code', text: '`int8`', meaning: 'a SQL type' },
  constant: { binary: 'unsigned LEB128', text: '`#3`', meaning: 'an index into the constant pool' },
  local: { binary: 'unsigned LEB128', text: '`$2`', meaning: 'an index into the locals' },
  label: { binary: 'unsigned LEB128', text: '`1`', meaning: 'a branch depth: 0 is the innermost block, loop or if' },
};

const familyTitles: Record<InstructionFamily, string> = {
  control: 'Control (WebAssembly semantics)',
  stack: 'Stack, locals and constants',
  i32: 'i32',
  i64: 'i64',
  f64: 'f64',
  convert: 'Conversions',
  sql: 'SQL values (NULL propagates, logic is three-valued)',
  row: 'Rows',
  memory: 'Word addresses and global memory',
  result: 'Parameters, results and errors',
};

function instruction(op: InstructionName, ...immediates: number[]): Instruction {
  return { op, immediates };
}

/** A tiny program whose listing shows the text format in the docs. */
const exampleProgram: Program = {
  paramCount: 1,
  locals: ['sql'],
  constants: [{ kind: 'sql', value: 10n }],
  code: [
    instruction('param.get', 0),
    instruction('local.tee', 0),
    instruction('sql.is_null'),
    instruction('if', emptyBlockTypeCode),
    instruction('return'),
    instruction('end'),
    instruction('local.get', 0),
    instruction('const', 0),
    instruction('sql.add'),
    instruction('drop'),
    instruction('end'),
  ],
  comments: { 2: 'NULL in, nothing out', 8: '$1 + 10' },
};

export function renderOpcodeDocs(): string {
  return [...renderHeader(), ...renderFamilies()].join('\n') + '\n';
}

function renderHeader(): string[] {
  return [
    '# dmachine opcodes',
    '',
    `<!-- Generated from vm/isa.ts by vm/opcode-docs.ts. Do not edit; regenerate with: ${regenerateOpcodeDocsCommand} -->`,
    '',
    'A program is a WebAssembly-style typed stack machine body: structured control flow, locals, a constant pool,',
    'and the global-memory instructions (LOAD, WRITE, COMPARE, COMPARE&SWAP, SCAN on words; APPEND and READ RECORD on lnr',
    'logs) that are the only way a program touches data. The body is a block with no result closed by a final `end`;',
    'addresses are instruction indexes.',
    '',
    '## Value types',
    '',
    'Operands, locals and block results have one of these types; the code is their binary form.',
    '',
    '| type | code | meaning |',
    '|---|---|---|',
    ...valueTypes.map((type) => row([`\`${type}\``, `0x${hex(valueTypeCodes[type])}`, valueTypeMeanings[type]])),
    '',
    `SQL types, named by the \`sql.cast\` immediate: ${sqlTypes.map((type) => `\`${type}\` 0x${hex(sqlTypeCodes[type])}`).join(', ')}.`,
    'The same codes tag SQL constants in the binary format, except int4: the VM holds every SQL integer as an int8.',
    '',
    '## Immediates',
    '',
    'Operands written in the instruction itself, after the opcode, in the order the tables below list them.',
    '',
    '| kind | binary | text | meaning |',
    '|---|---|---|---|',
    ...(Object.keys(immediateMeanings) as ImmediateKind[]).map((kind) => {
      const meaning = immediateMeanings[kind];
      return row([`\`${kind}\``, meaning.binary, meaning.text, meaning.meaning]);
    }),
    '',
    ...renderBinaryLayout(),
    ...renderTextFormat(),
  ];
}

function renderBinaryLayout(): string[] {
  const magic = [...programMagic].map((byte) => hex(byte)).join(' ');
  return [
    '## Binary format (vm/binary-format.ts)',
    '',
    'Sections in this order, nothing after them. LEB128 integers must be in their shortest form; f64 is 8 bytes',
    'little-endian (NaN and -0 survive); a string is a u32 byte length and UTF-8; a blob is a u32 length and raw bytes.',
    'A binary that breaks any rule is refused with a DecodeError (SQLSTATE 22P03) naming the byte offset.',
    '',
    '| section | layout |',
    '|---|---|',
    row(['magic', `\`${magic}\` ("\\0dmp")`]),
    row(['version', `u8 = ${programFormatVersion}`]),
    row(['params', 'u32: the parameter count']),
    row(['locals', 'u32 count, then one value type code (u8) per local']),
    row([
      'constants',
      `u32 count, then per entry a kind byte and its payload: sql 0x${hex(constantKindCodes.sql)} (a tag: 0x${hex(sqlNullTag)} NULL, ` +
        `boolean 0x${hex(sqlTypeCodes.boolean)} + u8 0/1, int8 0x${hex(sqlTypeCodes.int8)} + s64, float8 0x${hex(sqlTypeCodes.float8)} + f64, ` +
        `text 0x${hex(sqlTypeCodes.text)} + string, bytea 0x${hex(sqlTypeCodes.bytea)} + blob, ` +
        `timestamptz 0x${hex(sqlTypeCodes.timestamptz)} + s64 microseconds since 2000-01-01 UTC as PostgreSQL stores it (infinities as the int8 extremes), ` +
        `jsonb 0x${hex(sqlTypeCodes.jsonb)} + string of its canonical text); bytes 0x${hex(constantKindCodes.bytes)} + blob; ` +
        `name 0x${hex(constantKindCodes.name)} + string`,
    ]),
    row(['code', 'u32 instruction count, then per instruction the opcode byte and its immediates']),
    row(['comments', 'u32 count, then per comment the address (u32, increasing, below the instruction count) and a string']),
    '',
  ];
}

function renderTextFormat(): string[] {
  return [
    '## Text format (vm/text-format.ts)',
    '',
    'Listings read by people and by the assembler. The header declares `.params`, one `.local TYPE` per local and',
    'one `.const KIND VALUE` per pool entry (index in the comment). SQL constants: `NULL`, `true`, `false`, integers',
    'as plain decimals, floats always with `.` or an exponent or as `nan`/`inf`/`-inf`, text as a JSON string, bytea as',
    '`x"00ff"`, timestamptz and jsonb as the type name and a JSON string of their text (`timestamptz "2024-01-02 03:04:05+00"`,',
    '`jsonb "{\\"a\\": 1}"`; printed in UTC and canonical form, read with the type\'s input function). Then one instruction per line: address, opcode, immediates, and a comment holding the program\'s',
    'comment and the values of the constants it names. The assembler ignores addresses (checking them when present),',
    'indentation, blank lines and comment-only lines.',
    '',
    '```',
    disassemble(exampleProgram).trimEnd(),
    '```',
    '',
  ];
}

function renderFamilies(): string[] {
  const families = [...new Set(instructions.map((info) => info.family))];
  return families.flatMap((family) => [
    `## ${familyTitles[family]}`,
    '',
    '| opcode | code | immediates | stack | description |',
    '|---|---|---|---|---|',
    ...instructions.filter((info) => info.family === family).map(renderInstruction),
    '',
  ]);
}

function renderInstruction(info: InstructionInfo): string {
  const immediates = info.immediates.map((kind) => `\`${kind}\``).join(' ');
  return row([`\`${info.name}\``, `0x${hex(info.code)}`, immediates, info.synopsis === '' ? '' : `\`${info.synopsis}\``, info.doc]);
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

/** A `|` inside a cell would split it, even inside code spans. */
function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
