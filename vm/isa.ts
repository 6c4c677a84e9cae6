/**
 * The instruction set: one row per opcode, the single source of truth (DESIGN §4,
 * STYLE 1). The validator, the interpreter, the binary encoder and decoder, the
 * text format and docs/opcodes.md all read this table; a test fails when an
 * opcode lacks any of them.
 *
 * WebAssembly is the reference: a typed operand stack, locals, structured control
 * flow. dmachine adds SQL values (with NULL and three-valued logic), rows, word
 * addresses, and the global-memory instructions that are the only way a program
 * touches data.
 */

/**
 * Operand types. `sql` is any SQL value or NULL; `bytes` is a word value or an lnr record, or null (none);
 * `rowset` is a bounded collection of rows held by one run (vm/rowset.ts).
 */
export const valueTypes = ['i32', 'i64', 'f64', 'sql', 'bytes', 'row', 'ptr', 'scan', 'rowset'] as const;
export type ValueType = (typeof valueTypes)[number];

/** Binary codes of operand types (also block types; 0x40 is the empty block type). */
export const valueTypeCodes: Record<ValueType, number> = {
  i32: 0x7f,
  i64: 0x7e,
  f64: 0x7c,
  sql: 0x70,
  bytes: 0x6f,
  row: 0x6e,
  ptr: 0x6d,
  scan: 0x6c,
  rowset: 0x6b,
};
export const emptyBlockTypeCode = 0x40;

/**
 * Immediate operands, encoded after the opcode byte:
 * - u32: unsigned LEB128 (indexes, depths, counts, flags)
 * - s32 / s64: signed LEB128
 * - f64: 8 bytes little-endian
 * - blockType: one byte, a value type code or 0x40 for none
 * - sqlType: one byte, a SQL type code (vm/sql-values.ts)
 * - constant: u32 index into the constant pool
 */
export type ImmediateKind = 'u32' | 's32' | 's64' | 'f64' | 'blockType' | 'sqlType' | 'constant' | 'local' | 'label';

/**
 * How an instruction changes the operand stack. Most are fixed; the rest are
 * worked out by the validator from immediates, locals, the constant pool or the
 * control stack, and the table names which rule applies.
 */
export type StackEffect =
  | { readonly kind: 'fixed'; readonly pops: readonly ValueType[]; readonly pushes: readonly ValueType[] }
  | { readonly kind: 'control' } // block, loop, if, else, end, br, br_if, return, unreachable
  | { readonly kind: 'local' } // local.get / set / tee: the local's type
  | { readonly kind: 'constant' } // const: the pool entry's type
  | { readonly kind: 'select' } // [t t i32] -> [t] for any t
  | { readonly kind: 'drop' }; // [t] -> [] for any t

export type InstructionFamily = 'control' | 'stack' | 'i32' | 'i64' | 'f64' | 'convert' | 'sql' | 'row' | 'memory' | 'result';

export interface InstructionInfo {
  readonly name: string;
  readonly code: number;
  readonly family: InstructionFamily;
  readonly immediates: readonly ImmediateKind[];
  readonly effect: StackEffect;
  /** One line, shown in listings and docs: what it does to the stack. */
  readonly synopsis: string;
  /** What a reader of docs/opcodes.md needs to know: semantics, traps. */
  readonly doc: string;
}

const fixed = (pops: readonly ValueType[], pushes: readonly ValueType[]): StackEffect => ({ kind: 'fixed', pops, pushes });
const control: StackEffect = { kind: 'control' };

type Row = readonly [
  name: string,
  code: number,
  family: InstructionFamily,
  immediates: readonly ImmediateKind[],
  effect: StackEffect,
  synopsis: string,
  doc: string,
];

const binaryI32 = fixed(['i32', 'i32'], ['i32']);
const binaryI64 = fixed(['i64', 'i64'], ['i64']);
const compareI64 = fixed(['i64', 'i64'], ['i32']);
const binaryF64 = fixed(['f64', 'f64'], ['f64']);
const compareF64 = fixed(['f64', 'f64'], ['i32']);
const binarySql = fixed(['sql', 'sql'], ['sql']);
const unarySql = fixed(['sql'], ['sql']);
const aggregate = fixed(['row', 'sql'], ['row']);

// prettier-ignore
const rows = [
  // --- control (WebAssembly semantics) ---
  ['unreachable', 0x00, 'control', [], control, 'trap', 'Stops the program with a crash: reaching it is a bug in the program.'],
  ['nop', 0x01, 'control', [], fixed([], []), '[] -> []', 'Does nothing.'],
  ['block', 0x02, 'control', ['blockType'], control, 'begin block', 'Begins a block; a branch to it jumps to its end.'],
  ['loop', 0x03, 'control', ['blockType'], control, 'begin loop', 'Begins a loop; a branch to it jumps back to its start.'],
  ['if', 0x04, 'control', ['blockType'], control, '[i32] -> begin if', 'Pops a condition; runs the then-arm when it is non-zero, else the else-arm if any.'],
  ['else', 0x05, 'control', [], control, 'else', 'Ends the then-arm of an if and begins its else-arm.'],
  ['end', 0x0b, 'control', [], control, 'end', 'Ends a block, loop, if or the program.'],
  ['br', 0x0c, 'control', ['label'], control, 'branch', 'Branches to the label at the given depth (0 = innermost).'],
  ['br_if', 0x0d, 'control', ['label'], control, '[i32] -> branch if', 'Pops a condition; branches to the label when it is non-zero.'],
  ['return', 0x0f, 'control', [], control, 'return', 'Ends the program successfully.'],
  // --- stack and locals ---
  ['drop', 0x1a, 'stack', [], { kind: 'drop' }, '[t] -> []', 'Discards the top operand.'],
  ['select', 0x1b, 'stack', [], { kind: 'select' }, '[t t i32] -> [t]', 'Pops a condition and two operands of one type; keeps the first when the condition is non-zero, else the second.'],
  ['local.get', 0x20, 'stack', ['local'], { kind: 'local' }, '[] -> [t]', 'Pushes the value of a local.'],
  ['local.set', 0x21, 'stack', ['local'], { kind: 'local' }, '[t] -> []', 'Pops a value into a local.'],
  ['local.tee', 0x22, 'stack', ['local'], { kind: 'local' }, '[t] -> [t]', 'Stores the top operand in a local and keeps it.'],
  // --- constants ---
  ['i32.const', 0x41, 'i32', ['s32'], fixed([], ['i32']), '[] -> [i32]', 'Pushes a 32-bit integer.'],
  ['i64.const', 0x42, 'i64', ['s64'], fixed([], ['i64']), '[] -> [i64]', 'Pushes a 64-bit integer.'],
  ['f64.const', 0x44, 'f64', ['f64'], fixed([], ['f64']), '[] -> [f64]', 'Pushes a 64-bit float.'],
  ['const', 0x43, 'stack', ['constant'], { kind: 'constant' }, '[] -> [sql|bytes]', 'Pushes a SQL value or a byte string from the constant pool.'],
  // --- i32 ---
  ['i32.eqz', 0x45, 'i32', [], fixed(['i32'], ['i32']), '[i32] -> [i32]', '1 if the operand is zero, else 0.'],
  ['i32.eq', 0x46, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Equality, 1 or 0.'],
  ['i32.ne', 0x47, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Inequality, 1 or 0.'],
  ['i32.lt_s', 0x48, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Signed less-than, 1 or 0.'],
  ['i32.gt_s', 0x4a, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Signed greater-than, 1 or 0.'],
  ['i32.le_s', 0x4c, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Signed less-or-equal, 1 or 0.'],
  ['i32.ge_s', 0x4e, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Signed greater-or-equal, 1 or 0.'],
  ['i32.add', 0x6a, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Addition modulo 2^32.'],
  ['i32.sub', 0x6b, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Subtraction modulo 2^32.'],
  ['i32.mul', 0x6c, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Multiplication modulo 2^32.'],
  ['i32.and', 0x71, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Bitwise and.'],
  ['i32.or', 0x72, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Bitwise or.'],
  ['i32.xor', 0x73, 'i32', [], binaryI32, '[i32 i32] -> [i32]', 'Bitwise exclusive or.'],
  // --- i64 ---
  ['i64.eqz', 0x50, 'i64', [], fixed(['i64'], ['i32']), '[i64] -> [i32]', '1 if the operand is zero, else 0.'],
  ['i64.eq', 0x51, 'i64', [], compareI64, '[i64 i64] -> [i32]', 'Equality, 1 or 0.'],
  ['i64.ne', 0x52, 'i64', [], compareI64, '[i64 i64] -> [i32]', 'Inequality, 1 or 0.'],
  ['i64.lt_s', 0x53, 'i64', [], compareI64, '[i64 i64] -> [i32]', 'Signed less-than, 1 or 0.'],
  ['i64.gt_s', 0x55, 'i64', [], compareI64, '[i64 i64] -> [i32]', 'Signed greater-than, 1 or 0.'],
  ['i64.le_s', 0x57, 'i64', [], compareI64, '[i64 i64] -> [i32]', 'Signed less-or-equal, 1 or 0.'],
  ['i64.ge_s', 0x59, 'i64', [], compareI64, '[i64 i64] -> [i32]', 'Signed greater-or-equal, 1 or 0.'],
  ['i64.add', 0x7c, 'i64', [], binaryI64, '[i64 i64] -> [i64]', 'Addition modulo 2^64.'],
  ['i64.sub', 0x7d, 'i64', [], binaryI64, '[i64 i64] -> [i64]', 'Subtraction modulo 2^64.'],
  ['i64.mul', 0x7e, 'i64', [], binaryI64, '[i64 i64] -> [i64]', 'Multiplication modulo 2^64.'],
  ['i64.div_s', 0x7f, 'i64', [], binaryI64, '[i64 i64] -> [i64]', 'Signed division truncating toward zero; traps 22012 on division by zero, 22003 on -2^63 / -1.'],
  ['i64.rem_s', 0x81, 'i64', [], binaryI64, '[i64 i64] -> [i64]', 'Signed remainder (sign of the dividend); traps 22012 on division by zero.'],
  // --- f64 ---
  ['f64.eq', 0x61, 'f64', [], compareF64, '[f64 f64] -> [i32]', 'Equality, 1 or 0 (NaN is unequal to everything).'],
  ['f64.ne', 0x62, 'f64', [], compareF64, '[f64 f64] -> [i32]', 'Inequality, 1 or 0.'],
  ['f64.lt', 0x63, 'f64', [], compareF64, '[f64 f64] -> [i32]', 'Less-than, 1 or 0.'],
  ['f64.gt', 0x64, 'f64', [], compareF64, '[f64 f64] -> [i32]', 'Greater-than, 1 or 0.'],
  ['f64.le', 0x65, 'f64', [], compareF64, '[f64 f64] -> [i32]', 'Less-or-equal, 1 or 0.'],
  ['f64.ge', 0x66, 'f64', [], compareF64, '[f64 f64] -> [i32]', 'Greater-or-equal, 1 or 0.'],
  ['f64.add', 0xa0, 'f64', [], binaryF64, '[f64 f64] -> [f64]', 'IEEE 754 addition.'],
  ['f64.sub', 0xa1, 'f64', [], binaryF64, '[f64 f64] -> [f64]', 'IEEE 754 subtraction.'],
  ['f64.mul', 0xa2, 'f64', [], binaryF64, '[f64 f64] -> [f64]', 'IEEE 754 multiplication.'],
  ['f64.div', 0xa3, 'f64', [], binaryF64, '[f64 f64] -> [f64]', 'IEEE 754 division.'],
  // --- conversions ---
  ['i32.wrap_i64', 0xa7, 'convert', [], fixed(['i64'], ['i32']), '[i64] -> [i32]', 'The low 32 bits, as a signed integer.'],
  ['i64.extend_i32_s', 0xac, 'convert', [], fixed(['i32'], ['i64']), '[i32] -> [i64]', 'Sign extension.'],
  ['f64.convert_i64_s', 0xb9, 'convert', [], fixed(['i64'], ['f64']), '[i64] -> [f64]', 'Nearest float.'],
  ['time.micros', 0xb4, 'convert', [], fixed(['sql'], ['i64']), '[sql] -> [i64]', 'A timestamptz as microseconds since 1970-01-01 UTC; traps 22004 on NULL, 42804 on another type, 22008 on an infinity.'],
  ['time.from_micros', 0xb5, 'convert', [], fixed(['i64'], ['sql']), '[i64] -> [sql]', 'Microseconds since 1970-01-01 UTC as a timestamptz; traps 22008 outside the timestamptz range.'],
  ['i64.trunc_f64_s', 0xb0, 'convert', [], fixed(['f64'], ['i64']), '[f64] -> [i64]', 'Truncates toward zero; traps 22003 when NaN or out of range.'],
  // --- SQL values: NULL propagates, logic is three-valued ---
  ['sql.null', 0xd0, 'sql', [], fixed([], ['sql']), '[] -> [sql]', 'Pushes NULL.'],
  ['sql.from_i32', 0xd1, 'sql', [], fixed(['i32'], ['sql']), '[i32] -> [sql]', 'The integer as a SQL integer.'],
  ['sql.from_i64', 0xd2, 'sql', [], fixed(['i64'], ['sql']), '[i64] -> [sql]', 'The integer as a SQL bigint.'],
  ['sql.from_f64', 0xd3, 'sql', [], fixed(['f64'], ['sql']), '[f64] -> [sql]', 'The float as a SQL double precision.'],
  ['sql.from_bool', 0xd4, 'sql', [], fixed(['i32'], ['sql']), '[i32] -> [sql]', 'Non-zero as true, zero as false.'],
  ['sql.to_i64', 0xd5, 'sql', [], fixed(['sql'], ['i64']), '[sql] -> [i64]', 'A SQL integer as i64; traps 22004 on NULL, 42804 on another type.'],
  ['sql.to_f64', 0xd6, 'sql', [], fixed(['sql'], ['f64']), '[sql] -> [f64]', 'A SQL number as f64; traps 22004 on NULL, 42804 on another type.'],
  ['sql.is_null', 0xd7, 'sql', [], fixed(['sql'], ['i32']), '[sql] -> [i32]', '1 if the value is NULL.'],
  ['sql.is_true', 0xd8, 'sql', [], fixed(['sql'], ['i32']), '[sql] -> [i32]', '1 if the value is true; 0 for false and NULL (how WHERE treats unknown). Traps 42804 on a non-boolean.'],
  ['sql.eq', 0xd9, 'sql', [], binarySql, '[sql sql] -> [sql]', 'SQL =: a boolean, or NULL when either side is NULL. Integers and floats compare numerically; other mixed types trap 42804.'],
  ['sql.ne', 0xda, 'sql', [], binarySql, '[sql sql] -> [sql]', 'SQL <>.'],
  ['sql.lt', 0xdb, 'sql', [], binarySql, '[sql sql] -> [sql]', 'SQL <. Text compares by UTF-8 bytes.'],
  ['sql.le', 0xdc, 'sql', [], binarySql, '[sql sql] -> [sql]', 'SQL <=.'],
  ['sql.gt', 0xdd, 'sql', [], binarySql, '[sql sql] -> [sql]', 'SQL >.'],
  ['sql.ge', 0xde, 'sql', [], binarySql, '[sql sql] -> [sql]', 'SQL >=.'],
  ['sql.and', 0xdf, 'sql', [], binarySql, '[sql sql] -> [sql]', 'Three-valued AND: false wins over NULL.'],
  ['sql.or', 0xe0, 'sql', [], binarySql, '[sql sql] -> [sql]', 'Three-valued OR: true wins over NULL.'],
  ['sql.not', 0xe1, 'sql', [], unarySql, '[sql] -> [sql]', 'Three-valued NOT: NULL stays NULL.'],
  ['sql.add', 0xe2, 'sql', [], binarySql, '[sql sql] -> [sql]', 'Addition; integers are exact and trap 22003 on bigint overflow; NULL propagates.'],
  ['sql.sub', 0xe3, 'sql', [], binarySql, '[sql sql] -> [sql]', 'Subtraction, as sql.add.'],
  ['sql.mul', 0xe4, 'sql', [], binarySql, '[sql sql] -> [sql]', 'Multiplication, as sql.add.'],
  ['sql.div', 0xe5, 'sql', [], binarySql, '[sql sql] -> [sql]', 'Division; integers truncate toward zero; traps 22012 on division by zero.'],
  ['sql.mod', 0xe6, 'sql', [], binarySql, '[sql sql] -> [sql]', 'Remainder of integers; traps 22012 on division by zero.'],
  ['sql.neg', 0xe7, 'sql', [], unarySql, '[sql] -> [sql]', 'Negation; traps 22003 on -(-2^63).'],
  ['sql.concat', 0xe8, 'sql', [], binarySql, '[sql sql] -> [sql]', 'Text concatenation (||) of the operands as text, or of two byteas; NULL propagates.'],
  ['sql.like', 0xe9, 'sql', [], binarySql, '[sql sql] -> [sql]', 'text LIKE pattern, with % and _ and backslash escapes.'],
  ['sql.length', 0xea, 'sql', [], unarySql, '[sql] -> [sql]', 'Characters of a text, or bytes of a bytea.'],
  ['sql.lower', 0xeb, 'sql', [], unarySql, '[sql] -> [sql]', 'Text in lower case.'],
  ['sql.upper', 0xec, 'sql', [], unarySql, '[sql] -> [sql]', 'Text in upper case.'],
  ['sql.cast', 0xed, 'sql', ['sqlType'], unarySql, '[sql] -> [sql]', 'Converts to a SQL type as PostgreSQL does; traps 22P02 on invalid text, 22003 out of range.'],
  ['sql.octet_length', 0xef, 'sql', [], unarySql, '[sql] -> [sql]', 'Bytes of a text in UTF-8, or of a bytea (PostgreSQL\'s octet_length); NULL propagates.'],
  ['sql.now', 0xee, 'sql', [], fixed([], ['sql']), '[] -> [sql]', 'The run\'s current time as a timestamptz (microseconds), from the context\'s clock: read once, at the first sql.now of the run, so every sql.now of one run pushes the same instant (as PostgreSQL\'s now() is fixed for a statement).'],
  // --- rows ---
  ['row.new', 0xf0, 'row', ['u32'], fixed([], ['row']), '[] -> [row]', 'A new row of n fields, all NULL.'],
  ['row.get', 0xf1, 'row', ['u32'], fixed(['row'], ['sql']), '[row] -> [sql]', 'Field i of a row; traps XX000 if the row has no field i.'],
  ['row.set', 0xf2, 'row', ['u32'], fixed(['row', 'sql'], ['row']), '[row sql] -> [row]', 'Sets field i of the row (in place) and keeps the row.'],
  ['row.encode', 0xf3, 'row', [], fixed(['row'], ['bytes']), '[row] -> [bytes]', 'The row as word bytes.'],
  ['row.decode', 0xf4, 'row', ['u32'], fixed(['bytes'], ['row']), '[bytes] -> [row]', 'Word bytes as a row of n fields; traps XX001 if they are not a row of n fields.'],
  ['row.decode_all', 0xb1, 'row', [], fixed(['bytes'], ['row']), '[bytes] -> [row]', 'Word bytes as a row of however many fields they encode; traps XX001 if they are not a row, 22004 on null.'],
  ['row.get_at', 0xb2, 'row', [], fixed(['row', 'i32'], ['sql']), '[row i32] -> [sql]', 'Field i of a row, i from the stack; traps XX000 if i is negative or the row has no field i.'],
  ['row.count', 0xb3, 'row', [], fixed(['row'], ['i32']), '[row] -> [i32]', 'The number of fields of a row.'],
  ['row.emit', 0xf5, 'result', [], fixed(['row'], []), '[row] -> []', 'Emits the row as a result row; counts against the row limit.'],
  // --- rowsets: GROUP BY groups, ORDER BY sorters, aggregates (vm/rowset.ts) ---
  ['rowset.new', 0xf6, 'row', ['u32', 'u32', 'u32'], fixed(['i64'], ['rowset']), '[keep] -> [rowset]', 'A new rowset. Immediates keyFields, descendingMask, nullsFirstMask: iteration orders rows by their first keyFields fields (0: insertion order; at most 32), bit i of the masks making key field i descending and its NULLs first (else last). Only the first keep rows in iteration order are kept (top-N, holding about 2 * keep rows at most); keep < 0 keeps all. Rows held by all rowsets of a run count against collectedRowsMax: over it traps 54000.'],
  ['rowset.add', 0xf7, 'row', [], fixed(['rowset', 'row'], []), '[rowset row] -> []', 'Adds the row (by reference). Traps XX000 if the row has fewer than keyFields fields; crashes once iteration has begun.'],
  ['rowset.group', 0xf8, 'row', ['u32'], fixed(['rowset', 'row'], ['row', 'i32']), '[rowset row] -> [row i32]', 'Finds the group whose first n fields are not distinct from the row\'s (NULL with NULL, -0 with 0, NaN with NaN; one type per field): pushes it and 0; else holds the row (by reference) as a new group and pushes it and 1. Crashes once iteration has begun.'],
  ['rowset.next', 0xf9, 'row', [], fixed(['rowset'], ['i32']), '[rowset] -> [i32]', 'Advances to the next row: 1, or 0 when done. The first call sorts stably by the key fields (ties keep insertion order) and applies keep.'],
  ['rowset.row', 0xfa, 'row', [], fixed(['rowset'], ['row']), '[rowset] -> [row]', 'The current row; crashes unless rowset.next returned 1.'],
  ['agg.count', 0xfb, 'row', ['u32'], aggregate, '[row sql] -> [row]', 'COUNT: unless the value is NULL, adds 1 to field i (NULL counts as 0). Keeps the row, changed in place; traps XX000 if the row has no field i.'],
  ['agg.sum', 0xfc, 'row', ['u32'], aggregate, '[row sql] -> [row]', 'SUM: unless the value is NULL, field i becomes the value (field NULL) or field + value as sql.add (22003 on bigint overflow). Keeps the row.'],
  ['agg.min', 0xfd, 'row', ['u32'], aggregate, '[row sql] -> [row]', 'MIN: unless the value is NULL, field i becomes it when the field is NULL or the value is less, as sql.lt. Keeps the row.'],
  ['agg.max', 0xfe, 'row', ['u32'], aggregate, '[row sql] -> [row]', 'MAX: as agg.min with sql.gt.'],
  // --- word addresses and global memory ---
  ['bytes.null', 0xc0, 'memory', [], fixed([], ['bytes']), '[] -> [bytes]', 'Pushes "no word" (for COMPARE&SWAP from absent, or to delete).'],
  ['bytes.is_null', 0xc1, 'memory', [], fixed(['bytes'], ['i32']), '[bytes] -> [i32]', '1 if there is no word.'],
  ['ptr.make', 0xc2, 'memory', ['constant', 'u32'], fixed(['sql'], ['ptr']), '[sql] -> [ptr]', 'The address account/resource/type/primaryKey: the resource name is a constant, the type 0 = rnd, 1 = lnr, the account the session\'s. Traps 22004 on a NULL key.'],
  ['ptr.make_sorted', 0xc3, 'memory', ['constant', 'u32'], fixed(['sql', 'sql'], ['ptr']), '[sql sql] -> [ptr]', 'As ptr.make with a sort key: [primaryKey sortKey] -> ptr.'],
  ['mem.load', 0xc4, 'memory', [], fixed(['ptr'], ['bytes']), '[ptr] -> [bytes]', 'LOAD: the word at ptr, or null when there is none.'],
  ['mem.write', 0xc5, 'memory', [], fixed(['ptr', 'bytes'], []), '[ptr bytes] -> []', 'WRITE: sets the word (null deletes it). Traps 54000 over 4096 bytes.'],
  ['mem.compare', 0xc6, 'memory', [], fixed(['ptr', 'bytes'], ['i32']), '[ptr bytes] -> [i32]', 'COMPARE: 1 if the word equals the value (null: if there is no word).'],
  ['mem.cas', 0xc7, 'memory', [], fixed(['ptr', 'bytes', 'bytes'], ['i32', 'bytes']), '[ptr expected new] -> [i32 bytes]', 'COMPARE&SWAP: if the word equals expected it becomes new; pushes 1 and new, or 0 and the current value.'],
  ['mem.delete', 0xc8, 'memory', [], fixed(['ptr'], ['i32']), '[ptr] -> [i32]', 'DELETE: removes the word; 1 if there was one.'],
  ['mem.scan_range', 0xc9, 'memory', ['u32'], fixed(['ptr', 'sql', 'sql', 'i32'], ['scan']), '[ptr lower upper limit] -> [scan]', 'SCAN of the sort keys under ptr. Flags: 1 lower bound, 2 lower inclusive, 4 upper bound, 8 upper inclusive, 16 reverse; an unused bound operand is ignored. limit <= 0 means no limit.'],
  ['mem.scan_resource', 0xca, 'memory', ['constant', 'u32'], fixed(['i32'], ['scan']), '[limit] -> [scan]', 'SCAN of every word of a resource (a table scan), ordered by pointer. limit <= 0 means no limit.'],
  ['scan.next', 0xcb, 'memory', [], fixed(['scan'], ['i32']), '[scan] -> [i32]', 'Advances to the next word; 0 when the scan is done. Fetches pages from memory as needed.'],
  ['scan.value', 0xcc, 'memory', [], fixed(['scan'], ['bytes']), '[scan] -> [bytes]', 'The value of the current word.'],
  ['scan.ptr', 0xcd, 'memory', [], fixed(['scan'], ['ptr']), '[scan] -> [ptr]', 'The address of the current word.'],
  ['lnr.append', 0xce, 'memory', ['constant'], fixed(['bytes'], ['i64']), '[bytes] -> [i64]', 'APPEND: adds the bytes as one record to the log account/resource (the resource name a constant, the account the session\'s), durable when the instruction completes; pushes its record number (unique in the log: 0, 1, 2, ... on one node; increasing per gateway on a cluster). Traps 22004 on null; the memory\'s limit on a record (a segment) applies, not the 4096-byte word limit.'],
  ['lnr.trim', 0xb6, 'memory', ['constant'], fixed(['i64'], ['i64']), '[i64] -> [i64]', 'RETENTION: drops the sealed segments of the log account/resource whose records all precede record i (never the active segment, never part of one); pushes how many segments went. Records dropped read as null afterwards.'],
  ['lnr.read', 0xcf, 'memory', ['constant'], fixed(['i64'], ['bytes']), '[i64] -> [bytes]', 'READ RECORD: record i of the log account/resource, or null when it is not stored (never appended, or dropped by retention). Records may be larger than a word.'],
  // --- parameters, results, errors ---
  ['param.get', 0x10, 'result', ['u32'], fixed([], ['sql']), '[] -> [sql]', 'Statement parameter $(i+1).'],
  ['result.add_count', 0x11, 'result', [], fixed(['i32'], []), '[i32] -> []', 'Adds to the command\'s row count (the n of INSERT 0 n, UPDATE n, ...).'],
  ['error.raise', 0x12, 'result', ['constant', 'constant'], control, 'trap', 'Stops the program with a SQL error: SQLSTATE and message are constants.'],
] as const satisfies readonly Row[];

export type InstructionName = (typeof rows)[number][0];

export const instructions: readonly InstructionInfo[] = rows.map(([name, code, family, immediates, effect, synopsis, doc]) =>
  Object.freeze({ name, code, family, immediates: Object.freeze(immediates), effect, synopsis, doc }),
);

export const instructionByName: ReadonlyMap<string, InstructionInfo> = new Map(instructions.map((info) => [info.name, info]));
export const instructionByCode: ReadonlyMap<number, InstructionInfo> = new Map(instructions.map((info) => [info.code, info]));

/** Opcodes the interpreter dispatches on, by name. */
export const Op = Object.fromEntries(instructions.map((info) => [info.name, info.code])) as Record<InstructionName, number>;

/** Opcode info by name, for code that names an instruction it knows exists. */
export function instructionInfo(name: InstructionName): InstructionInfo {
  return instructionByName.get(name)!;
}
