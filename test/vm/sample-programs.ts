/**
 * Programs for the VM's tests to share: together they use every instruction,
 * every immediate kind, every constant kind and every value type, with the edge
 * values a format can get wrong (i64 and i32 extremes, -0.0, NaN, infinities,
 * empty and non-ASCII text, empty bytes, comments with line breaks, quotes and
 * semicolons). Each is meant to be well-typed under the WebAssembly-style rules
 * of DESIGN §4 (the body is a block with no result), so the validator and the
 * interpreter can reuse them; `arbitraryProgram` gives random programs that are
 * well-formed for the formats but not necessarily well-typed.
 */
import fc from 'fast-check';
import { emptyBlockTypeCode, instructions, valueTypeCodes, valueTypes, type InstructionName, type ValueType } from '../../vm/isa.js';
import type { Constant, Immediate, Instruction, Program } from '../../vm/program.js';
import { parseJsonbText } from '../../vm/sql-jsonb.js';
import { parseTimestamptzText } from '../../vm/sql-timestamptz.js';
import { sqlTypeCodes, sqlTypes, Timestamptz, type SqlValue } from '../../vm/sql-values.js';
import { jsonbValue, timestamptzValue } from './time-json-arbitraries.js';

export interface SampleProgram {
  readonly name: string;
  readonly program: Program;
}

type Step = readonly [InstructionName, ...Immediate[]];

function program(parts: {
  paramCount?: number;
  locals?: readonly ValueType[];
  constants?: readonly Constant[];
  code: readonly Step[];
  comments?: Record<number, string>;
}): Program {
  return {
    paramCount: parts.paramCount ?? 0,
    locals: parts.locals ?? [],
    constants: parts.constants ?? [],
    code: parts.code.map(([op, ...immediates]): Instruction => ({ op, immediates })),
    comments: parts.comments ?? {},
  };
}

const sql = (value: SqlValue): Constant => ({ kind: 'sql', value });
const bytes = (...values: number[]): Constant => ({ kind: 'bytes', value: Uint8Array.from(values) });
const name = (value: string): Constant => ({ kind: 'name', value });
const result = (type: ValueType): number => valueTypeCodes[type];
const rnd = 0;
const lnr = 1;

/** UPDATE counters SET n = n + 1 WHERE key = $1, as LOAD / decode / add / encode / COMPARE&SWAP, retried. */
export const atomicCounter = program({
  paramCount: 1,
  locals: ['ptr', 'bytes', 'row', 'bytes'],
  constants: [name('counters'), sql(0n), sql(1n)],
  code: [
    ['param.get', 0],
    ['ptr.make', 0, rnd],
    ['local.set', 0],
    ['loop', emptyBlockTypeCode],
    ['local.get', 0],
    ['mem.load'],
    ['local.tee', 1],
    ['bytes.is_null'],
    ['if', result('row')],
    ['row.new', 2],
    ['param.get', 0],
    ['row.set', 0],
    ['const', 1],
    ['row.set', 1],
    ['else'],
    ['local.get', 1],
    ['row.decode', 2],
    ['end'],
    ['local.tee', 2],
    ['local.get', 2],
    ['row.get', 1],
    ['const', 2],
    ['sql.add'],
    ['row.set', 1],
    ['row.encode'],
    ['local.set', 3],
    ['local.get', 0],
    ['local.get', 1],
    ['local.get', 3],
    ['mem.cas'],
    ['drop'],
    ['i32.eqz'],
    ['br_if', 0],
    ['end'],
    ['i32.const', 1],
    ['result.add_count'],
    ['end'],
  ],
  comments: {
    0: 'the key, $1',
    3: 'retry until the COMPARE&SWAP applies',
    5: 'LOAD',
    8: 'no word yet: start from 0',
    22: 'n + 1',
    29: 'COMPARE&SWAP [applied current]',
    32: 'lost a race: load again',
  },
});

const empty = program({ code: [['end']] });

/** Every edge of every numeric immediate kind, each pushed and dropped. */
const numericImmediates = program({
  code: [
    ...[0, 1, -1, 63, 64, -64, -65, 0x7fff_ffff, -0x8000_0000].flatMap((value): Step[] => [['i32.const', value], ['drop']]),
    ...[0n, 1n, -1n, 63n, -64n, 2n ** 32n, -(2n ** 32n), 2n ** 63n - 1n, -(2n ** 63n)].flatMap((value): Step[] => [['i64.const', value], ['drop']]),
    ...[0, -0, NaN, Infinity, -Infinity, 0.1, 1e21, 5e-324, Number.MAX_VALUE, -1.5].flatMap((value): Step[] => [['f64.const', value], ['drop']]),
    ['end'],
  ],
});

/** Every constant kind and SQL value tag, with their edge values. */
const constantPool = program({
  constants: [
    sql(null),
    sql(true),
    sql(false),
    sql(0n),
    sql(2n ** 63n - 1n),
    sql(-(2n ** 63n)),
    sql(-0),
    sql(NaN),
    sql(Infinity),
    sql(-Infinity),
    sql(2.5),
    sql(''),
    sql('héllo, 世界 🚀'),
    sql('quote " backslash \\ newline \n tab \t nul \u0000 bom \ufeff ; semicolon'),
    sql(new Uint8Array(0)),
    sql(Uint8Array.of(0x00, 0x7f, 0x80, 0xff)),
    sql(parseTimestamptzText('2024-01-02 03:04:05.678+02')),
    sql(Timestamptz.infinity),
    sql(Timestamptz.minusInfinity),
    sql(parseTimestamptzText('4714-11-24 00:00:00+00 BC')),
    sql(parseJsonbText('{"bb": [1.50, "é\\n\\"q\\""], "a": null, "a": {}}')),
    sql(parseJsonbText('1e2')),
    bytes(),
    bytes(0xde, 0xad, 0xbe, 0xef),
    name(''),
    name('naïve "resource"'),
  ],
  code: [...Array.from({ length: 24 }, (_, index): Step[] => [['const', index], ['drop']]).flat(), ['end']],
});

/** Locals of every value type, read, written and teed; their zero values are not used where they would trap. */
/** Locals of types without a zero value must be set before they are read (the validator checks). */
const initializers: Partial<Record<ValueType, Step[]>> = {
  row: [['row.new', 1]],
  ptr: [['const', 1], ['ptr.make', 0, rnd]],
  scan: [['i32.const', 1], ['mem.scan_resource', 0, rnd]],
  rowset: [['i64.const', -1n], ['rowset.new', 0, 0, 0]],
};

const localsOfEveryType = program({
  paramCount: 2,
  locals: [...valueTypes],
  constants: [name('t'), sql('k')],
  code: [
    ...valueTypes.flatMap((type, index): Step[] => [
      ...(initializers[type] ? [...initializers[type], ['local.set', index] as Step] : []),
      ['local.get', index],
      ['local.set', index],
    ]),
    ['i32.const', 7],
    ['local.tee', 0],
    ['drop'],
    ['param.get', 1],
    ['local.tee', 3],
    ['local.get', 3],
    ['i32.const', 0],
    ['select'],
    ['drop'],
    ['nop'],
    ['end'],
  ],
});

const i32Arithmetic = program({
  locals: ['i32'],
  code: [
    ['i32.const', 6],
    ['i32.const', 7],
    ['i32.mul'],
    ['i32.const', 2],
    ['i32.sub'],
    ['i32.const', 2],
    ['i32.add'],
    ['i32.const', 0x0f],
    ['i32.and'],
    ['i32.const', 0x30],
    ['i32.or'],
    ['i32.const', 1],
    ['i32.xor'],
    ['local.set', 0],
    ...(['i32.eq', 'i32.ne', 'i32.lt_s', 'i32.gt_s', 'i32.le_s', 'i32.ge_s'] as const).flatMap((op): Step[] => [['local.get', 0], ['i32.const', 42], [op], ['drop']]),
    ['local.get', 0],
    ['i32.eqz'],
    ['drop'],
    ['end'],
  ],
});

const i64Arithmetic = program({
  locals: ['i64'],
  code: [
    ['i64.const', 100n],
    ['i64.const', 7n],
    ['i64.div_s'],
    ['i64.const', -3n],
    ['i64.mul'],
    ['i64.const', 5n],
    ['i64.rem_s'],
    ['i64.const', 1n],
    ['i64.add'],
    ['i64.const', 1n],
    ['i64.sub'],
    ['local.set', 0],
    ...(['i64.eq', 'i64.ne', 'i64.lt_s', 'i64.gt_s', 'i64.le_s', 'i64.ge_s'] as const).flatMap((op): Step[] => [['local.get', 0], ['i64.const', 0n], [op], ['drop']]),
    ['local.get', 0],
    ['i64.eqz'],
    ['drop'],
    ['end'],
  ],
});

const f64ArithmeticAndConversions = program({
  locals: ['f64'],
  code: [
    ['f64.const', 1.5],
    ['f64.const', 2],
    ['f64.mul'],
    ['f64.const', 0.5],
    ['f64.add'],
    ['f64.const', 4],
    ['f64.div'],
    ['f64.const', 0.25],
    ['f64.sub'],
    ['local.set', 0],
    ...(['f64.eq', 'f64.ne', 'f64.lt', 'f64.gt', 'f64.le', 'f64.ge'] as const).flatMap((op): Step[] => [['local.get', 0], ['f64.const', NaN], [op], ['drop']]),
    ['local.get', 0],
    ['i64.trunc_f64_s'],
    ['i32.wrap_i64'],
    ['i64.extend_i32_s'],
    ['f64.convert_i64_s'],
    ['drop'],
    ['end'],
  ],
});

/** WHERE-style SQL expressions: three-valued logic, arithmetic, text, casts to every SQL type. */
const sqlExpressions = program({
  paramCount: 2,
  constants: [sql('ab%'), sql(' Mixed Case '), sql(3n), sql(2.5), sql(Uint8Array.of(1, 2))],
  code: [
    ['param.get', 0],
    ['param.get', 1],
    ['sql.eq'],
    ['sql.null'],
    ['sql.or'],
    ['sql.not'],
    ['param.get', 0],
    ['param.get', 1],
    ['sql.ne'],
    ['sql.and'],
    ['sql.is_true'],
    ['drop'],
    ...(['sql.lt', 'sql.le', 'sql.gt', 'sql.ge'] as const).flatMap((op): Step[] => [['param.get', 0], ['const', 2], [op], ['drop']]),
    ...(['sql.add', 'sql.sub', 'sql.mul', 'sql.div', 'sql.mod'] as const).flatMap((op): Step[] => [['param.get', 1], ['const', 2], [op], ['drop']]),
    ['const', 3],
    ['sql.neg'],
    ['sql.to_f64'],
    ['sql.from_f64'],
    ['drop'],
    ['const', 2],
    ['sql.to_i64'],
    ['sql.from_i64'],
    ['sql.is_null'],
    ['sql.from_bool'],
    ['drop'],
    ['i32.const', -5],
    ['sql.from_i32'],
    ['drop'],
    ['const', 1],
    ['sql.lower'],
    ['const', 1],
    ['sql.upper'],
    ['sql.concat'],
    ['const', 0],
    ['sql.like'],
    ['drop'],
    ['const', 4],
    ['sql.length'],
    ['drop'],
    ...sqlTypes.flatMap((type): Step[] => [['param.get', 0], ['sql.cast', sqlTypeCodes[type]], ['drop']]),
    ['end'],
  ],
});

/** Structured control: every block type, nested blocks, br to outer labels, if without else, return, unreachable. */
const controlFlow = program({
  locals: ['i32'],
  constants: [name('t'), sql(1n)],
  code: [
    ['block', result('i32')],
    ['i32.const', 1],
    ['end'],
    ['drop'],
    ['block', result('i64')],
    ['i64.const', 2n],
    ['end'],
    ['drop'],
    ['block', result('f64')],
    ['f64.const', 3],
    ['end'],
    ['drop'],
    ['block', result('sql')],
    ['sql.null'],
    ['end'],
    ['drop'],
    ['block', result('bytes')],
    ['bytes.null'],
    ['end'],
    ['drop'],
    ['block', result('row')],
    ['row.new', 0],
    ['end'],
    ['drop'],
    ['block', result('ptr')],
    ['const', 1],
    ['ptr.make', 0, rnd],
    ['end'],
    ['drop'],
    ['block', result('scan')],
    ['i32.const', 0],
    ['mem.scan_resource', 0, rnd],
    ['end'],
    ['drop'],
    ['block', result('rowset')],
    ['i64.const', 0n],
    ['rowset.new', 0, 0, 0],
    ['end'],
    ['drop'],
    ['block', emptyBlockTypeCode],
    ['loop', emptyBlockTypeCode],
    ['local.get', 0],
    ['i32.const', 1],
    ['i32.add'],
    ['local.tee', 0],
    ['i32.const', 10],
    ['i32.ge_s'],
    ['br_if', 1],
    ['local.get', 0],
    ['i32.const', 5],
    ['i32.eq'],
    ['if', emptyBlockTypeCode],
    ['br', 2],
    ['end'],
    ['br', 0],
    ['end'],
    ['end'],
    ['i32.const', 1],
    ['if', emptyBlockTypeCode],
    ['nop'],
    ['else'],
    ['unreachable'],
    ['end'],
    ['return'],
    ['end'],
  ],
});

/** A table scan that emits rows, a range scan in reverse, an lnr address, and WRITE / COMPARE / DELETE on a sorted word. */
const memoryAndScans = program({
  paramCount: 1,
  locals: ['scan', 'ptr'],
  constants: [name('events'), sql('a'), sql(10n), sql(20n), bytes(1, 2, 3), name('jobs')],
  code: [
    ['i32.const', 0],
    ['mem.scan_resource', 0, rnd],
    ['local.set', 0],
    ['block', emptyBlockTypeCode],
    ['loop', emptyBlockTypeCode],
    ['local.get', 0],
    ['scan.next'],
    ['i32.eqz'],
    ['br_if', 1],
    ['local.get', 0],
    ['scan.value'],
    ['row.decode', 3],
    ['row.emit'],
    ['br', 0],
    ['end'],
    ['end'],
    ['const', 1],
    ['ptr.make', 0, rnd],
    ['const', 2],
    ['const', 3],
    ['i32.const', 5],
    ['mem.scan_range', 1 | 2 | 4 | 16],
    ['local.tee', 0],
    ['scan.next'],
    ['drop'],
    ['local.get', 0],
    ['scan.ptr'],
    ['drop'],
    ['const', 1],
    ['ptr.make', 5, lnr],
    ['drop'],
    ['param.get', 0],
    ['const', 2],
    ['ptr.make_sorted', 0, rnd],
    ['local.tee', 1],
    ['const', 4],
    ['mem.write'],
    ['local.get', 1],
    ['const', 4],
    ['mem.compare'],
    ['drop'],
    ['local.get', 1],
    ['mem.delete'],
    ['result.add_count'],
    ['end'],
  ],
});

/** INSERT ... ON CONFLICT-free: a row from parameters, created only if absent, else 23505. */
const insertOrRaise = program({
  paramCount: 2,
  locals: ['ptr', 'row'],
  constants: [name('users'), name('23505'), name('duplicate key value violates unique constraint "users_pkey"')],
  code: [
    ['param.get', 0],
    ['ptr.make', 0, rnd],
    ['local.set', 0],
    ['row.new', 2],
    ['param.get', 0],
    ['row.set', 0],
    ['param.get', 1],
    ['row.set', 1],
    ['local.tee', 1],
    ['drop'],
    ['local.get', 0],
    ['bytes.null'],
    ['local.get', 1],
    ['row.encode'],
    ['mem.cas'],
    ['drop'],
    ['i32.eqz'],
    ['if', emptyBlockTypeCode],
    ['error.raise', 1, 2],
    ['end'],
    ['local.get', 1],
    ['row.emit'],
    ['i32.const', 1],
    ['result.add_count'],
    ['end'],
  ],
  comments: { 14: 'COMPARE&SWAP from no word', 18: 'unique_violation' },
});

/** One value of a group's input: found or created by key, then folded into each aggregate. */
function groupInput(keyConstant: number, valueConstant: number): Step[] {
  return [
    ['local.get', 0],
    ['row.new', 5],
    ['const', keyConstant],
    ['row.set', 0],
    ['rowset.group', 1],
    ['drop'],
    ...(['agg.count', 'agg.sum', 'agg.min', 'agg.max'] as const).flatMap((op, index): Step[] => [['const', valueConstant], [op, index + 1]]),
    ['drop'],
  ];
}

/** Moves every row of rowset local `from` into rowset local `to` (or emits them when `to` is undefined). */
function drain(from: number, to?: number): Step[] {
  const take: Step[] = to === undefined ? [['local.get', from], ['rowset.row'], ['row.emit']] : [['local.get', to], ['local.get', from], ['rowset.row'], ['rowset.add']];
  return [
    ['block', emptyBlockTypeCode],
    ['loop', emptyBlockTypeCode],
    ['local.get', from],
    ['rowset.next'],
    ['i32.eqz'],
    ['br_if', 1],
    ...take,
    ['br', 0],
    ['end'],
    ['end'],
  ];
}

/** SELECT k, count(v), sum(v), min(v), max(v) ... GROUP BY k ORDER BY k DESC LIMIT 1: groups, then a top-1 sorter. */
const groupAndOrder = program({
  locals: ['rowset', 'rowset'],
  constants: [sql('a'), sql('b'), sql(1n), sql(2n), sql(3n)],
  code: [
    ['i64.const', -1n],
    ['rowset.new', 0, 0, 0],
    ['local.set', 0],
    ...groupInput(0, 2),
    ...groupInput(1, 3),
    ...groupInput(0, 4),
    ['i64.const', 1n],
    ['rowset.new', 1, 1, 0],
    ['local.set', 1],
    ...drain(0, 1),
    ...drain(1),
    ['end'],
  ],
});

/** Comments a listing must quote or escape to keep them on one line, exactly. */
const awkwardComments = program({
  constants: [sql(1n)],
  code: [['nop'], ['nop'], ['nop'], ['nop'], ['nop'], ['nop'], ['nop'], ['nop'], ['const', 0], ['const', 0], ['drop'], ['drop'], ['nop'], ['nop'], ['end']],
  comments: {
    0: '',
    1: 'two\nlines',
    2: '  padded  ',
    3: '"starts with a quote',
    4: 'semi; colons ; and "quotes" and \\ backslash',
    5: 'tab\there, nul \u0000, del \u007f, line separator \u2028',
    6: 'ünïcödé 世界 🚀',
    7: 'sql 1',
    8: 'sql 1',
    9: 'ends like its value  ; sql 1',
    12: '; starts with a semicolon',
    13: '\ufeffbom',
  },
});

/**
 * A queue's log and the clock: a body appended to an lnr log and read back
 * (row.decode_all of any width, row.count, row.get_at), and sql.now twice,
 * equal (only compared, so runs at different times agree).
 */
const logsAndClock = program({
  paramCount: 1,
  locals: ['row', 'i32'],
  constants: [name('jobs'), bytes(9)],
  code: [
    ['row.new', 3],
    ['param.get', 0],
    ['row.set', 0],
    ['row.encode'],
    ['lnr.append', 0],
    ['lnr.read', 0],
    ['row.decode_all'],
    ['local.tee', 0],
    ['row.count'],
    ['local.set', 1],
    ['row.new', 3],
    ['local.get', 0],
    ['local.get', 1],
    ['i32.const', 3],
    ['i32.sub'],
    ['row.get_at'],
    ['row.set', 0],
    ['sql.now'],
    ['time.micros'],
    ['i64.const', 1_000_000n],
    ['i64.add'],
    ['time.from_micros'],
    ['sql.now'],
    ['sql.gt'],
    ['row.set', 1],
    ['param.get', 0],
    ['sql.octet_length'],
    ['row.set', 2],
    ['row.emit'],
    ['const', 1],
    ['lnr.append', 0],
    ['lnr.trim', 0],
    ['drop'],
    ['end'],
  ],
  comments: { 4: 'the body, as one record', 15: 'field 0: the parameter' },
});

export const samplePrograms: readonly SampleProgram[] = [
  { name: 'empty', program: empty },
  { name: 'atomic counter', program: atomicCounter },
  { name: 'numeric immediates', program: numericImmediates },
  { name: 'constant pool', program: constantPool },
  { name: 'locals of every type', program: localsOfEveryType },
  { name: 'i32 arithmetic', program: i32Arithmetic },
  { name: 'i64 arithmetic', program: i64Arithmetic },
  { name: 'f64 arithmetic and conversions', program: f64ArithmeticAndConversions },
  { name: 'SQL expressions', program: sqlExpressions },
  { name: 'control flow', program: controlFlow },
  { name: 'memory and scans', program: memoryAndScans },
  { name: 'GROUP BY and ORDER BY', program: groupAndOrder },
  { name: 'insert or raise', program: insertOrRaise },
  { name: 'lnr logs and the clock', program: logsAndClock },
  { name: 'awkward comments', program: awkwardComments },
];

// --- random programs (well-formed, not necessarily well-typed) ---

const u32 = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 0xffff_ffff }));
const text = fc.string({ unit: 'binary', maxLength: 12 });
const bytesValue = fc.uint8Array({ maxLength: 12 });

const sqlValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double(),
  text,
  bytesValue,
  timestamptzValue,
  jsonbValue,
);

const constant: fc.Arbitrary<Constant> = fc.oneof(
  sqlValue.map((value): Constant => ({ kind: 'sql', value })),
  bytesValue.map((value): Constant => ({ kind: 'bytes', value })),
  text.map((value): Constant => ({ kind: 'name', value })),
);

const immediateArbitraries = {
  u32,
  local: u32,
  label: u32,
  constant: u32,
  s32: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
  s64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  f64: fc.double(),
  blockType: fc.constantFrom(emptyBlockTypeCode, ...Object.values(valueTypeCodes)),
  sqlType: fc.constantFrom(...Object.values(sqlTypeCodes)),
} satisfies Record<string, fc.Arbitrary<Immediate>>;

const instruction: fc.Arbitrary<Instruction> = fc
  .constantFrom(...instructions)
  .chain((info) =>
    fc
      .tuple(...info.immediates.map((kind) => immediateArbitraries[kind] as fc.Arbitrary<Immediate>))
      .map((immediates): Instruction => ({ op: info.name as InstructionName, immediates })),
  );

/** Random instruction sequences with valid immediates, closed by `end`, with comments on random addresses. */
export const arbitraryProgram: fc.Arbitrary<Program> = fc
  .record({
    paramCount: u32,
    locals: fc.array(fc.constantFrom(...valueTypes), { maxLength: 6 }),
    constants: fc.array(constant, { maxLength: 6 }),
    body: fc.array(instruction, { maxLength: 24 }),
    comments: fc.array(fc.tuple(fc.nat(), text), { maxLength: 4 }),
  })
  .map(({ paramCount, locals, constants, body, comments }): Program => {
    const code = [...body, { op: 'end', immediates: [] } satisfies Instruction];
    return { paramCount, locals, constants, code, comments: Object.fromEntries(comments.map(([at, comment]) => [at % code.length, comment])) };
  });
