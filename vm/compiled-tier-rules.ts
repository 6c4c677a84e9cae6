/**
 * The compiled tier's instruction table: for each instruction with a fixed stack
 * effect, the JavaScript it becomes (vm/compiled-tier.ts generates the rest:
 * control flow, locals, constants, select and drop), and the helpers that code
 * may call. Each rule gets its operands and results as slot variable names, in
 * the order of the instruction table (vm/isa.ts), and says whether it can fail
 * (the generator sets `pc` first) and whether it awaits the memory.
 *
 * A rule splices in only slot names, helper names, `kN` constant names and
 * integers from the prepared program's typed arrays: never program content.
 * Module load asserts that every instruction of the table is compiled exactly
 * one way, by a rule here or structurally by the generator.
 */
import { assert } from '../common/sql-error.js';
import * as runtime from './run-state.js';
import { instructions, type InstructionName } from './isa.js';
import { encodeRow } from './row-codec.js';
import * as rowSets from './rowset.js';
import * as sql from './sql-operations.js';
import { sqlTypeByCode } from './sql-values.js';

/** What each generated line of an instruction can use. */
export interface Site {
  readonly address: number;
  /** The prepared first and second immediates, as source text of integers. */
  readonly first: string;
  readonly second: string;
  /** The name of a constant holding the prepared value of the instruction (i64/f64 immediate, pool entry, resource name). */
  value(): string;
  /** The name of a constant holding `value`. */
  constant(value: unknown): string;
  /** The name of a constant holding the value of pool entry `index`. */
  poolEntry(index: number): string;
}

export type Emitter = (operands: readonly string[], results: readonly string[], site: Site) => string;

export interface FixedRule {
  readonly emit: Emitter;
  /** Can throw: `pc` is set before it. */
  readonly fails?: boolean;
  /** Awaits the memory: the function must be async, and a failure is the memory's (failureAt). */
  readonly awaits?: boolean;
}

const pure = (emit: Emitter): FixedRule => ({ emit });
const failing = (emit: Emitter): FixedRule => ({ emit, fails: true });
const awaiting = (emit: Emitter): FixedRule => ({ emit, fails: true, awaits: true });

const i32Binary = (operator: string) => pure(([a, b], [r]) => `${r} = (${a} ${operator} ${b}) | 0;`);
const bitwise = (operator: string) => pure(([a, b], [r]) => `${r} = ${a} ${operator} ${b};`);
const comparison = (operator: string) => pure(([a, b], [r]) => `${r} = ${a} ${operator} ${b} ? 1 : 0;`);
const i64Binary = (operator: string) => pure(([a, b], [r]) => `${r} = BigInt.asIntN(64, ${a} ${operator} ${b});`);
const f64Binary = (operator: string) => pure(([a, b], [r]) => `${r} = ${a} ${operator} ${b};`);
const call = (helper: keyof typeof generatedCodeHelpers) => failing((operands, [r]) => `${r} = ${helper}(${operands.join(', ')});`);
const move = pure(([a], [r]) => `${r} = ${a};`);
/** agg.*: updates a field of the row in place and keeps the row, as row.set. */
const aggregate = (helper: keyof typeof generatedCodeHelpers) =>
  failing(([row, value], [r], site) => `${helper}(${row}, ${site.first}, ${value}, ${site.address});${r === row ? '' : ` ${r} = ${row};`}`);

/**
 * The instructions with a fixed stack effect, each as the JavaScript it becomes:
 * operands and results are the slot variables, in the table's order.
 */
export const fixedRules: Partial<Record<InstructionName, FixedRule>> = {
  nop: pure(() => ''),
  'i32.const': pure((_, [r], site) => `${r} = ${site.first};`),
  'i64.const': pure((_, [r], site) => `${r} = ${site.value()};`),
  'f64.const': pure((_, [r], site) => `${r} = ${site.value()};`),
  // --- i32 ---
  'i32.eqz': pure(([a], [r]) => `${r} = ${a} === 0 ? 1 : 0;`),
  'i32.eq': comparison('==='),
  'i32.ne': comparison('!=='),
  'i32.lt_s': comparison('<'),
  'i32.gt_s': comparison('>'),
  'i32.le_s': comparison('<='),
  'i32.ge_s': comparison('>='),
  'i32.add': i32Binary('+'),
  'i32.sub': i32Binary('-'),
  'i32.mul': pure(([a, b], [r]) => `${r} = Math.imul(${a}, ${b});`),
  'i32.and': bitwise('&'),
  'i32.or': bitwise('|'),
  'i32.xor': bitwise('^'),
  // --- i64 ---
  'i64.eqz': pure(([a], [r]) => `${r} = ${a} === 0n ? 1 : 0;`),
  'i64.eq': comparison('==='),
  'i64.ne': comparison('!=='),
  'i64.lt_s': comparison('<'),
  'i64.gt_s': comparison('>'),
  'i64.le_s': comparison('<='),
  'i64.ge_s': comparison('>='),
  'i64.add': i64Binary('+'),
  'i64.sub': i64Binary('-'),
  'i64.mul': i64Binary('*'),
  'i64.div_s': call('divideInt64'),
  'i64.rem_s': call('remainderInt64'),
  // --- f64 ---
  'f64.eq': comparison('==='),
  'f64.ne': comparison('!=='),
  'f64.lt': comparison('<'),
  'f64.gt': comparison('>'),
  'f64.le': comparison('<='),
  'f64.ge': comparison('>='),
  'f64.add': f64Binary('+'),
  'f64.sub': f64Binary('-'),
  'f64.mul': f64Binary('*'),
  'f64.div': f64Binary('/'),
  // --- conversions ---
  'i32.wrap_i64': pure(([a], [r]) => `${r} = Number(BigInt.asIntN(32, ${a}));`),
  'i64.extend_i32_s': pure(([a], [r]) => `${r} = BigInt(${a});`),
  'f64.convert_i64_s': pure(([a], [r]) => `${r} = Number(${a});`),
  'i64.trunc_f64_s': call('truncateToInt64'),
  'time.micros': call('timestamptzMicros'),
  'time.from_micros': call('timestamptzFromMicros'),
  // --- SQL values ---
  'sql.null': pure((_, [r]) => `${r} = null;`),
  'sql.from_i32': pure(([a], [r]) => `${r} = BigInt(${a});`),
  'sql.from_i64': move, // the representations coincide
  'sql.from_f64': move,
  'sql.from_bool': pure(([a], [r]) => `${r} = ${a} !== 0;`),
  'sql.to_i64': call('sqlToInt64'),
  'sql.to_f64': call('sqlToFloat64'),
  'sql.is_null': pure(([a], [r]) => `${r} = ${a} === null ? 1 : 0;`),
  'sql.is_true': failing(([a], [r]) => `${r} = sqlIsTrue(${a}) ? 1 : 0;`),
  'sql.eq': call('sqlEquals'),
  'sql.ne': call('sqlNotEquals'),
  'sql.lt': call('sqlLess'),
  'sql.le': call('sqlLessOrEqual'),
  'sql.gt': call('sqlGreater'),
  'sql.ge': call('sqlGreaterOrEqual'),
  'sql.and': call('sqlAnd'),
  'sql.or': call('sqlOr'),
  'sql.not': call('sqlNot'),
  'sql.add': call('sqlAdd'),
  'sql.sub': call('sqlSub'),
  'sql.mul': call('sqlMul'),
  'sql.div': call('sqlDiv'),
  'sql.mod': call('sqlMod'),
  'sql.neg': call('sqlNeg'),
  'sql.concat': call('sqlConcat'),
  'sql.like': call('sqlLike'),
  'sql.length': call('sqlLength'),
  'sql.lower': call('sqlLower'),
  'sql.octet_length': call('sqlOctetLength'),
  'sql.upper': call('sqlUpper'),
  'sql.cast': failing(([a], [r], site) => `${r} = sqlCast(${a}, ${site.constant(sqlTypeByCode.get(Number(site.first)))});`),
  'sql.now': failing((_, [r]) => `${r} = rt.now();`), // the clock may fail: a crash at this address
  // --- rows ---
  'row.new': pure((_, [r], site) => `${r} = new Array(${site.first}).fill(null);`),
  'row.get': failing(([row], [r], site) => `${r} = rowField(${row}, ${site.first}, ${site.address});`),
  'row.set': failing(([row, value], [r], site) => `setRowField(${row}, ${site.first}, ${value}, ${site.address});${r === row ? '' : ` ${r} = ${row};`}`),
  'row.encode': failing(([row], [r]) => `${r} = Buffer.from(encodeRow(${row}));`),
  'row.decode': failing(([bytes], [r], site) => `${r} = decodeRowOrTrap(${bytes}, ${site.first});`),
  'row.decode_all': call('decodeAllFieldsOrTrap'),
  'row.get_at': failing(([row, index], [r], site) => `${r} = rowFieldAt(${row}, ${index}, ${site.address});`),
  'row.count': pure(([row], [r]) => `${r} = ${row}.length;`),
  'row.emit': failing(([row], _, site) => `rt.emit(${row}, ${site.address});`),
  // --- rowsets and aggregates ---
  'rowset.new': failing(([keep], [r], site) => `${r} = new RowSet(${keep}, ${site.value()}, rt.collectedRows);`),
  'rowset.add': failing(([rowSet, row], _, site) => `${rowSet}.add(${row}, ${site.address});`),
  'rowset.group': failing(
    ([rowSet, row], [group, created], site) =>
      `{ const found = ${rowSet}.group(${row}, ${site.first}, ${site.address}); ${created} = found === null ? 1 : 0; ${group} = found ?? ${row}; }`,
  ),
  'rowset.next': failing(([rowSet], [r]) => `${r} = ${rowSet}.next();`),
  'rowset.row': failing(([rowSet], [r], site) => `${r} = ${rowSet}.current(${site.address});`),
  'agg.count': aggregate('aggregateCount'),
  'agg.sum': aggregate('aggregateSum'),
  'agg.min': aggregate('aggregateMin'),
  'agg.max': aggregate('aggregateMax'),
  // --- word addresses and global memory ---
  'bytes.null': pure((_, [r]) => `${r} = null;`),
  'bytes.is_null': pure(([a], [r]) => `${r} = ${a} === null ? 1 : 0;`),
  'ptr.make': failing(([key], [r], site) => `${r} = rt.address(${site.value()}, ${site.second}, ${key}, undefined);`),
  'ptr.make_sorted': failing(([key, sortKey], [r], site) => `${r} = rt.address(${site.value()}, ${site.second}, ${key}, ${sortKey});`),
  // The memory instructions call the Memory (M) directly and count in the stats (S); the
  // function's catch classifies their failures (failureAt).
  'mem.load': awaiting(([ptr], [r]) => `S.loads++; ${r} = (await M.load(${ptr}))?.value ?? null;`),
  'mem.write': awaiting(
    ([ptr, value]) => `S.writes++; if (${value} === null) await M.delete(${ptr}); else await M.write(${ptr}, checkWord(${value}));`,
  ),
  'mem.compare': awaiting(([ptr, value], [r]) => `S.compares++; ${r} = (await M.compare(${ptr}, ${value})) ? 1 : 0;`),
  'mem.cas': awaiting(
    ([ptr, expected, next], [applied, current]) =>
      `S.compareAndSwaps++; { const result = await M.cas(${ptr}, ${expected}, ${next} === null ? null : checkWord(${next})); ` +
      `if (!result.applied) S.compareAndSwapConflicts++; ${applied} = result.applied ? 1 : 0; ${current} = result.applied ? ${next} : result.current; }`,
  ),
  'mem.delete': awaiting(([ptr], [r]) => `S.deletes++; ${r} = (await M.delete(${ptr})) ? 1 : 0;`),
  'mem.scan_range': failing(([ptr, lower, upper, limit], [r], site) => `${r} = rt.sortKeyScan(${ptr}, ${lower}, ${upper}, ${limit}, ${site.first});`),
  'mem.scan_resource': failing(([limit], [r], site) => `${r} = rt.resourceScan(${site.value()}, ${site.second}, ${limit});`),
  'scan.next': awaiting(([scan], [r]) => `${r} = await rt.advance(${scan});`),
  'scan.value': failing(([scan], [r], site) => `${r} = currentWord(${scan}, ${site.address}).value;`),
  'scan.ptr': failing(([scan], [r], site) => `${r} = currentWord(${scan}, ${site.address}).address;`),
  // lnr logs: the run state counts, checks the operand and awaits the Memory, as the interpreter does.
  'lnr.append': awaiting(([payload], [r], site) => `${r} = await rt.append(${site.value()}, ${payload});`),
  'lnr.read': awaiting(([record], [r], site) => `${r} = await rt.readRecord(${site.value()}, ${record});`),
  'lnr.trim': awaiting(([record], [r], site) => `${r} = await rt.trim(${site.value()}, ${record});`),
  // --- parameters, results ---
  'param.get': pure((_, [r], site) => `${r} = P[${site.first}];`),
  'result.add_count': pure(([count]) => `rt.rowCount += ${count};`),
};

/** The instructions the generator handles by name: control flow and the stack rules the table does not fix. */
export const structuralInstructions = [
  'unreachable', 'block', 'loop', 'if', 'else', 'end', 'br', 'br_if', 'return', 'error.raise',
  'local.get', 'local.set', 'local.tee', 'const', 'select', 'drop',
] as const satisfies readonly InstructionName[];
export type StructuralInstructionName = (typeof structuralInstructions)[number];

/** What generated code can name: the run-time helpers and the SQL operations, bound once per compiled program. */
export const generatedCodeHelpers = {
  Buffer,
  encodeRow,
  divideInt64: runtime.divideInt64,
  remainderInt64: runtime.remainderInt64,
  truncateToInt64: runtime.truncateToInt64,
  sqlToInt64: runtime.sqlToInt64,
  sqlToFloat64: runtime.sqlToFloat64,
  rowField: runtime.rowField,
  setRowField: runtime.setRowField,
  decodeRowOrTrap: runtime.decodeRowOrTrap,
  decodeAllFieldsOrTrap: runtime.decodeAllFieldsOrTrap,
  rowFieldAt: runtime.rowFieldAt,
  currentWord: runtime.currentWord,
  checkWord: runtime.checkWord,
  unreachableExecuted: runtime.unreachableExecuted,
  raisedError: runtime.raisedError,
  withAddress: runtime.withAddress,
  RowSet: rowSets.RowSet,
  aggregateCount: rowSets.aggregateCount,
  aggregateSum: rowSets.aggregateSum,
  aggregateMin: rowSets.aggregateMin,
  aggregateMax: rowSets.aggregateMax,
  failureAt: runtime.failureAt,
  sqlIsTrue: sql.sqlIsTrue,
  sqlEquals: sql.sqlEquals,
  sqlNotEquals: sql.sqlNotEquals,
  sqlLess: sql.sqlLess,
  sqlLessOrEqual: sql.sqlLessOrEqual,
  sqlGreater: sql.sqlGreater,
  sqlGreaterOrEqual: sql.sqlGreaterOrEqual,
  sqlAnd: sql.sqlAnd,
  sqlOr: sql.sqlOr,
  sqlNot: sql.sqlNot,
  sqlAdd: sql.sqlAdd,
  sqlSub: sql.sqlSub,
  sqlMul: sql.sqlMul,
  sqlDiv: sql.sqlDiv,
  sqlMod: sql.sqlMod,
  sqlNeg: sql.sqlNeg,
  sqlConcat: sql.sqlConcat,
  sqlLike: sql.sqlLike,
  sqlLength: sql.sqlLength,
  sqlLower: sql.sqlLower,
  sqlOctetLength: sql.sqlOctetLength,
  timestamptzMicros: sql.timestamptzMicros,
  timestamptzFromMicros: sql.timestamptzFromMicros,
  sqlUpper: sql.sqlUpper,
  sqlCast: sql.sqlCast,
};

/** Every instruction in the table has exactly one way to be compiled: a fixed rule or a structural case. */
function assertRulesCoverTable(): void {
  for (const info of instructions) {
    const fixed = info.effect.kind === 'fixed';
    const structural = (structuralInstructions as readonly string[]).includes(info.name);
    assert(fixed !== structural, `${info.name} is compiled either by a fixed rule or structurally`);
    assert(!fixed || fixedRules[info.name as InstructionName] !== undefined, `the compiled tier has a rule for ${info.name}`);
  }
}

assertRulesCoverTable();
