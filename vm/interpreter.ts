/**
 * The interpreter: runs a prepared program against a Memory (DESIGN §4).
 *
 * One loop over the opcodes with a `switch` on literal codes (so V8 builds a jump
 * table; each case names its instruction, and the table in isa.ts is the truth —
 * the tests run every opcode). The operand stack is an array preallocated to the
 * validated maximum height; nothing is allocated per instruction except the values
 * an instruction produces. The loop awaits only at memory instructions.
 *
 * Failures come in named kinds (vm/failures.ts): a trap carries a SQLSTATE, fuel
 * and limits end in exhaustion, a memory that cannot be reached is unavailable,
 * and anything validated code cannot do is a crash.
 */
import type { WordAddress } from '../store/key.js';
import type { Memory } from '../store/memory.js';
import {
  checkStartLimits,
  checkWord,
  currentWord,
  decodeAllFieldsOrTrap,
  decodeRowOrTrap,
  divideInt64,
  memoryFailure,
  remainderInt64,
  rowField,
  rowFieldAt,
  RunState,
  sqlToFloat64,
  sqlToInt64,
  truncateToInt64,
  withAddress,
  zeroOf,
  executionLimitsDefault,
  type ExecutionContext,
  type ExecutionLimits,
  type ExecutionResult,
  type ScanState,
} from './run-state.js';
import { VmFailure } from './failures.js';
import { instructionInfo } from './isa.js';
import type { PreparedProgram } from './prepared-program.js';
import { encodeRow } from './row-codec.js';
import { aggregateCount, aggregateMax, aggregateMin, aggregateSum, RowSet, type RowOrder } from './rowset.js';
import * as sql from './sql-operations.js';
import { sqlTypeByCode, type SqlValue } from './sql-values.js';

export {
  executionLimitsDefault,
  scanPageWordsDefault,
  type ExecutionContext,
  type ExecutionLimits,
  type ExecutionResult,
  type ExecutionStats,
  type MemoryOperationCounts,
} from './run-state.js';

export async function execute(prepared: PreparedProgram, context: ExecutionContext): Promise<ExecutionResult> {
  const limits = { ...executionLimitsDefault, ...context.limits };
  checkStartLimits(prepared, context, limits);
  const run = new Run(prepared, context, limits);
  await run.loop();
  const { rows, rowCount, stats } = run.state;
  return { rows, rowCount, stats };
}

class Run {
  /** Rows, row count, stats and the operations that need the context: shared with the compiled tier. */
  readonly state: RunState;
  private readonly stack: unknown[];
  private readonly locals: unknown[];

  constructor(
    private readonly prepared: PreparedProgram,
    private readonly context: ExecutionContext,
    private readonly limits: ExecutionLimits,
  ) {
    this.stack = new Array<unknown>(prepared.maxStackHeight + 1).fill(null);
    this.locals = prepared.program.locals.map(zeroOf);
    this.state = new RunState(context, limits, prepared.ops.length);
  }

  async loop(): Promise<void> {
    const { ops, first, second, branchHeight, values } = this.prepared;
    const { stack, locals, state } = this;
    const stats = state.stats;
    const counts = stats.counts;
    const params = this.context.params ?? [];
    const memory = this.context.memory;
    let fuel = this.limits.fuel;
    const signal = state.signal;
    let sp = 0; // the next free slot
    let pc = 0;
    try {
      for (;;) {
        if (--fuel < 0) throw state.outOfFuel(pc);
        if (signal !== undefined && signal.aborted) throw state.canceled(pc);
        counts[pc]!++;
        const op = ops[pc]!;
        switch (op) {
          // --- control ---
          case 0x00: // unreachable
            throw new VmFailure('crash', 'unreachable executed', { address: pc });
          case 0x01: // nop
          case 0x02: // block
          case 0x03: // loop
          case 0x0b: // end (of a block; the final end returns below)
            if (pc === ops.length - 1) return;
            break;
          case 0x04: // if
            if ((stack[--sp] as number) === 0) {
              pc = first[pc]!;
              continue;
            }
            break;
          case 0x05: // else: the then-arm is done
            pc = first[pc]!;
            continue;
          case 0x0c: // br
            sp = branch(stack, sp, branchHeight[pc]!, second[pc]!);
            pc = first[pc]!;
            continue;
          case 0x0d: // br_if
            if ((stack[--sp] as number) !== 0) {
              sp = branch(stack, sp, branchHeight[pc]!, second[pc]!);
              pc = first[pc]!;
              continue;
            }
            break;
          case 0x0f: // return
            return;
          // --- stack and locals ---
          case 0x1a: // drop
            sp--;
            break;
          case 0x1b: // select
            sp -= 2;
            if ((stack[sp + 1] as number) === 0) stack[sp - 1] = stack[sp];
            break;
          case 0x20: // local.get
            stack[sp++] = locals[first[pc]!];
            break;
          case 0x21: // local.set
            locals[first[pc]!] = stack[--sp];
            break;
          case 0x22: // local.tee
            locals[first[pc]!] = stack[sp - 1];
            break;
          // --- constants ---
          case 0x41: // i32.const
            stack[sp++] = first[pc]!;
            break;
          case 0x42: // i64.const
          case 0x44: // f64.const
          case 0x43: // const
            stack[sp++] = values[pc];
            break;
          // --- i32 ---
          case 0x45: // i32.eqz
            stack[sp - 1] = (stack[sp - 1] as number) === 0 ? 1 : 0;
            break;
          case 0x46: // i32.eq
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) === (stack[sp] as number) ? 1 : 0;
            break;
          case 0x47: // i32.ne
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) !== (stack[sp] as number) ? 1 : 0;
            break;
          case 0x48: // i32.lt_s
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) < (stack[sp] as number) ? 1 : 0;
            break;
          case 0x4a: // i32.gt_s
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) > (stack[sp] as number) ? 1 : 0;
            break;
          case 0x4c: // i32.le_s
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) <= (stack[sp] as number) ? 1 : 0;
            break;
          case 0x4e: // i32.ge_s
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) >= (stack[sp] as number) ? 1 : 0;
            break;
          case 0x6a: // i32.add
            sp--;
            stack[sp - 1] = ((stack[sp - 1] as number) + (stack[sp] as number)) | 0;
            break;
          case 0x6b: // i32.sub
            sp--;
            stack[sp - 1] = ((stack[sp - 1] as number) - (stack[sp] as number)) | 0;
            break;
          case 0x6c: // i32.mul
            sp--;
            stack[sp - 1] = Math.imul(stack[sp - 1] as number, stack[sp] as number);
            break;
          case 0x71: // i32.and
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) & (stack[sp] as number);
            break;
          case 0x72: // i32.or
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) | (stack[sp] as number);
            break;
          case 0x73: // i32.xor
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) ^ (stack[sp] as number);
            break;
          // --- i64 ---
          case 0x50: // i64.eqz
            stack[sp - 1] = (stack[sp - 1] as bigint) === 0n ? 1 : 0;
            break;
          case 0x51: // i64.eq
            sp--;
            stack[sp - 1] = (stack[sp - 1] as bigint) === (stack[sp] as bigint) ? 1 : 0;
            break;
          case 0x52: // i64.ne
            sp--;
            stack[sp - 1] = (stack[sp - 1] as bigint) !== (stack[sp] as bigint) ? 1 : 0;
            break;
          case 0x53: // i64.lt_s
            sp--;
            stack[sp - 1] = (stack[sp - 1] as bigint) < (stack[sp] as bigint) ? 1 : 0;
            break;
          case 0x55: // i64.gt_s
            sp--;
            stack[sp - 1] = (stack[sp - 1] as bigint) > (stack[sp] as bigint) ? 1 : 0;
            break;
          case 0x57: // i64.le_s
            sp--;
            stack[sp - 1] = (stack[sp - 1] as bigint) <= (stack[sp] as bigint) ? 1 : 0;
            break;
          case 0x59: // i64.ge_s
            sp--;
            stack[sp - 1] = (stack[sp - 1] as bigint) >= (stack[sp] as bigint) ? 1 : 0;
            break;
          case 0x7c: // i64.add
            sp--;
            stack[sp - 1] = BigInt.asIntN(64, (stack[sp - 1] as bigint) + (stack[sp] as bigint));
            break;
          case 0x7d: // i64.sub
            sp--;
            stack[sp - 1] = BigInt.asIntN(64, (stack[sp - 1] as bigint) - (stack[sp] as bigint));
            break;
          case 0x7e: // i64.mul
            sp--;
            stack[sp - 1] = BigInt.asIntN(64, (stack[sp - 1] as bigint) * (stack[sp] as bigint));
            break;
          case 0x7f: // i64.div_s
            sp--;
            stack[sp - 1] = divideInt64(stack[sp - 1] as bigint, stack[sp] as bigint);
            break;
          case 0x81: // i64.rem_s
            sp--;
            stack[sp - 1] = remainderInt64(stack[sp - 1] as bigint, stack[sp] as bigint);
            break;
          // --- f64 ---
          case 0x61: // f64.eq
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) === (stack[sp] as number) ? 1 : 0;
            break;
          case 0x62: // f64.ne
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) !== (stack[sp] as number) ? 1 : 0;
            break;
          case 0x63: // f64.lt
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) < (stack[sp] as number) ? 1 : 0;
            break;
          case 0x64: // f64.gt
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) > (stack[sp] as number) ? 1 : 0;
            break;
          case 0x65: // f64.le
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) <= (stack[sp] as number) ? 1 : 0;
            break;
          case 0x66: // f64.ge
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) >= (stack[sp] as number) ? 1 : 0;
            break;
          case 0xa0: // f64.add
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) + (stack[sp] as number);
            break;
          case 0xa1: // f64.sub
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) - (stack[sp] as number);
            break;
          case 0xa2: // f64.mul
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) * (stack[sp] as number);
            break;
          case 0xa3: // f64.div
            sp--;
            stack[sp - 1] = (stack[sp - 1] as number) / (stack[sp] as number);
            break;
          // --- conversions ---
          case 0xa7: // i32.wrap_i64
            stack[sp - 1] = Number(BigInt.asIntN(32, stack[sp - 1] as bigint));
            break;
          case 0xac: // i64.extend_i32_s
            stack[sp - 1] = BigInt(stack[sp - 1] as number);
            break;
          case 0xb9: // f64.convert_i64_s
            stack[sp - 1] = Number(stack[sp - 1] as bigint);
            break;
          case 0xb0: // i64.trunc_f64_s
            stack[sp - 1] = truncateToInt64(stack[sp - 1] as number);
            break;
          case 0xb4: // time.micros
            stack[sp - 1] = sql.timestamptzMicros(stack[sp - 1] as SqlValue);
            break;
          case 0xb5: // time.from_micros
            stack[sp - 1] = sql.timestamptzFromMicros(stack[sp - 1] as bigint);
            break;
          // --- SQL values ---
          case 0xd0: // sql.null
            stack[sp++] = null;
            break;
          case 0xd1: // sql.from_i32
            stack[sp - 1] = BigInt(stack[sp - 1] as number);
            break;
          case 0xd2: // sql.from_i64
          case 0xd3: // sql.from_f64
            break; // the representations coincide
          case 0xd4: // sql.from_bool
            stack[sp - 1] = (stack[sp - 1] as number) !== 0;
            break;
          case 0xd5: // sql.to_i64
            stack[sp - 1] = sqlToInt64(stack[sp - 1] as SqlValue);
            break;
          case 0xd6: // sql.to_f64
            stack[sp - 1] = sqlToFloat64(stack[sp - 1] as SqlValue);
            break;
          case 0xd7: // sql.is_null
            stack[sp - 1] = stack[sp - 1] === null ? 1 : 0;
            break;
          case 0xd8: // sql.is_true
            stack[sp - 1] = sql.sqlIsTrue(stack[sp - 1] as SqlValue) ? 1 : 0;
            break;
          case 0xd9: // sql.eq
            sp--;
            stack[sp - 1] = sql.sqlEquals(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xda: // sql.ne
            sp--;
            stack[sp - 1] = sql.sqlNotEquals(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xdb: // sql.lt
            sp--;
            stack[sp - 1] = sql.sqlLess(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xdc: // sql.le
            sp--;
            stack[sp - 1] = sql.sqlLessOrEqual(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xdd: // sql.gt
            sp--;
            stack[sp - 1] = sql.sqlGreater(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xde: // sql.ge
            sp--;
            stack[sp - 1] = sql.sqlGreaterOrEqual(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xdf: // sql.and
            sp--;
            stack[sp - 1] = sql.sqlAnd(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xe0: // sql.or
            sp--;
            stack[sp - 1] = sql.sqlOr(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xe1: // sql.not
            stack[sp - 1] = sql.sqlNot(stack[sp - 1] as SqlValue);
            break;
          case 0xe2: // sql.add
            sp--;
            stack[sp - 1] = sql.sqlAdd(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xe3: // sql.sub
            sp--;
            stack[sp - 1] = sql.sqlSub(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xe4: // sql.mul
            sp--;
            stack[sp - 1] = sql.sqlMul(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xe5: // sql.div
            sp--;
            stack[sp - 1] = sql.sqlDiv(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xe6: // sql.mod
            sp--;
            stack[sp - 1] = sql.sqlMod(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xe7: // sql.neg
            stack[sp - 1] = sql.sqlNeg(stack[sp - 1] as SqlValue);
            break;
          case 0xe8: // sql.concat
            sp--;
            stack[sp - 1] = sql.sqlConcat(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xe9: // sql.like
            sp--;
            stack[sp - 1] = sql.sqlLike(stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xea: // sql.length
            stack[sp - 1] = sql.sqlLength(stack[sp - 1] as SqlValue);
            break;
          case 0xef: // sql.octet_length
            stack[sp - 1] = sql.sqlOctetLength(stack[sp - 1] as SqlValue);
            break;
          case 0xeb: // sql.lower
            stack[sp - 1] = sql.sqlLower(stack[sp - 1] as SqlValue);
            break;
          case 0xec: // sql.upper
            stack[sp - 1] = sql.sqlUpper(stack[sp - 1] as SqlValue);
            break;
          case 0xed: // sql.cast
            stack[sp - 1] = sql.sqlCast(stack[sp - 1] as SqlValue, sqlTypeByCode.get(first[pc]!)!);
            break;
          case 0xee: // sql.now
            stack[sp++] = state.now();
            break;
          // --- rows ---
          case 0xf0: // row.new
            stack[sp++] = new Array<SqlValue>(first[pc]!).fill(null);
            break;
          case 0xf1: // row.get
            stack[sp - 1] = rowField(stack[sp - 1] as SqlValue[], first[pc]!, pc);
            break;
          case 0xf2: // row.set
            sp--;
            rowField(stack[sp - 1] as SqlValue[], first[pc]!, pc);
            (stack[sp - 1] as SqlValue[])[first[pc]!] = stack[sp] as SqlValue;
            break;
          case 0xf3: // row.encode
            stack[sp - 1] = Buffer.from(encodeRow(stack[sp - 1] as SqlValue[]));
            break;
          case 0xf4: // row.decode
            stack[sp - 1] = decodeRowOrTrap(stack[sp - 1] as Uint8Array | null, first[pc]!);
            break;
          case 0xb1: // row.decode_all
            stack[sp - 1] = decodeAllFieldsOrTrap(stack[sp - 1] as Uint8Array | null);
            break;
          case 0xb2: // row.get_at
            sp--;
            stack[sp - 1] = rowFieldAt(stack[sp - 1] as SqlValue[], stack[sp] as number, pc);
            break;
          case 0xb3: // row.count
            stack[sp - 1] = (stack[sp - 1] as SqlValue[]).length;
            break;
          case 0xf5: // row.emit
            state.emit(stack[--sp] as SqlValue[], pc);
            break;
          // --- rowsets and aggregates ---
          case 0xf6: // rowset.new: [keep] -> [rowset]
            stack[sp - 1] = new RowSet(stack[sp - 1] as bigint, values[pc] as RowOrder, state.collectedRows);
            break;
          case 0xf7: // rowset.add
            sp -= 2;
            (stack[sp] as RowSet).add(stack[sp + 1] as SqlValue[], pc);
            break;
          case 0xf8: {
            // rowset.group: [rowset row] -> [group created]
            const row = stack[sp - 1] as SqlValue[];
            const found = (stack[sp - 2] as RowSet).group(row, first[pc]!, pc);
            stack[sp - 2] = found ?? row;
            stack[sp - 1] = found === null ? 1 : 0;
            break;
          }
          case 0xf9: // rowset.next
            stack[sp - 1] = (stack[sp - 1] as RowSet).next();
            break;
          case 0xfa: // rowset.row
            stack[sp - 1] = (stack[sp - 1] as RowSet).current(pc);
            break;
          case 0xfb: // agg.count
            sp--;
            aggregateCount(stack[sp - 1] as SqlValue[], first[pc]!, stack[sp] as SqlValue, pc);
            break;
          case 0xfc: // agg.sum
            sp--;
            aggregateSum(stack[sp - 1] as SqlValue[], first[pc]!, stack[sp] as SqlValue, pc);
            break;
          case 0xfd: // agg.min
            sp--;
            aggregateMin(stack[sp - 1] as SqlValue[], first[pc]!, stack[sp] as SqlValue, pc);
            break;
          case 0xfe: // agg.max
            sp--;
            aggregateMax(stack[sp - 1] as SqlValue[], first[pc]!, stack[sp] as SqlValue, pc);
            break;
          // --- word addresses and global memory ---
          case 0xc0: // bytes.null
            stack[sp++] = null;
            break;
          case 0xc1: // bytes.is_null
            stack[sp - 1] = stack[sp - 1] === null ? 1 : 0;
            break;
          case 0xc2: // ptr.make
            stack[sp - 1] = state.address(values[pc] as string, second[pc]!, stack[sp - 1] as SqlValue, undefined);
            break;
          case 0xc3: // ptr.make_sorted
            sp--;
            stack[sp - 1] = state.address(values[pc] as string, second[pc]!, stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
            break;
          case 0xc4: // mem.load
            stats.memory.loads++;
            stack[sp - 1] = (await memory.load(stack[sp - 1] as WordAddress))?.value ?? null;
            break;
          case 0xc5: {
            // mem.write
            sp -= 2;
            stats.memory.writes++;
            const address = stack[sp] as WordAddress;
            const value = stack[sp + 1] as Uint8Array | null;
            if (value === null) await memory.delete(address);
            else await memory.write(address, checkWord(value));
            break;
          }
          case 0xc6: // mem.compare
            sp--;
            stats.memory.compares++;
            stack[sp - 1] = (await memory.compare(stack[sp - 1] as WordAddress, stack[sp] as Uint8Array | null)) ? 1 : 0;
            break;
          case 0xc7: {
            // mem.cas: [ptr expected new] -> [applied current]
            sp -= 1;
            stats.memory.compareAndSwaps++;
            const next = stack[sp] as Uint8Array | null;
            const result = await memory.cas(
              stack[sp - 2] as WordAddress,
              stack[sp - 1] as Uint8Array | null,
              next === null ? null : checkWord(next),
            );
            if (!result.applied) stats.memory.compareAndSwapConflicts++;
            stack[sp - 2] = result.applied ? 1 : 0;
            stack[sp - 1] = result.applied ? next : result.current;
            break;
          }
          case 0xc8: // mem.delete
            stats.memory.deletes++;
            stack[sp - 1] = (await memory.delete(stack[sp - 1] as WordAddress)) ? 1 : 0;
            break;
          case 0xc9: // mem.scan_range: [ptr lower upper limit] -> [scan]
            sp -= 3;
            stack[sp - 1] = state.sortKeyScan(stack[sp - 1] as WordAddress, stack[sp] as SqlValue, stack[sp + 1] as SqlValue, stack[sp + 2] as number, first[pc]!);
            break;
          case 0xca: // mem.scan_resource: [limit] -> [scan]
            stack[sp - 1] = state.resourceScan(values[pc] as string, second[pc]!, stack[sp - 1] as number);
            break;
          case 0xcb: // scan.next
            stack[sp - 1] = await state.advance(stack[sp - 1] as ScanState);
            break;
          case 0xcc: // scan.value
            stack[sp - 1] = currentWord(stack[sp - 1] as ScanState, pc).value;
            break;
          case 0xcd: // scan.ptr
            stack[sp - 1] = currentWord(stack[sp - 1] as ScanState, pc).address;
            break;
          // --- lnr logs ---
          case 0xce: // lnr.append: [bytes] -> [record]
            stack[sp - 1] = await state.append(values[pc] as string, stack[sp - 1] as Uint8Array | null);
            break;
          case 0xcf: // lnr.read: [record] -> [bytes]
            stack[sp - 1] = await state.readRecord(values[pc] as string, stack[sp - 1] as bigint);
            break;
          case 0xb6: // lnr.trim: [record] -> [segments dropped]
            stack[sp - 1] = await state.trim(values[pc] as string, stack[sp - 1] as bigint);
            break;
          // --- parameters, results, errors ---
          case 0x10: // param.get
            stack[sp++] = params[first[pc]!];
            break;
          case 0x11: // result.add_count
            state.rowCount += stack[--sp] as number;
            break;
          case 0x12: // error.raise
            throw new VmFailure('trap', this.constantName(second[pc]!), {
              sqlstate: values[pc] as string,
              address: pc,
            });
          default:
            throw new VmFailure('crash', `no handler for opcode 0x${op.toString(16)}`, { address: pc });
        }
        pc++;
      }
    } catch (error) {
      // Memory calls are not wrapped one by one (that would allocate per instruction): a failure
      // escaping a memory instruction is classified here.
      throw withAddress(memoryInstructionCodes.has(ops[pc]!) ? memoryFailure(error) : error, pc);
    } finally {
      stats.instructions = this.limits.fuel - Math.max(fuel, 0);
    }
  }

  private constantName(index: number): string {
    return String(this.prepared.program.constants[index]?.value);
  }
}

/** Keeps the top `arity` values, dropping everything above the label's base. */
function branch(stack: unknown[], sp: number, baseHeight: number, arity: number): number {
  if (sp === baseHeight + arity) return sp;
  for (let index = 0; index < arity; index++) stack[baseHeight + index] = stack[sp - arity + index];
  return baseHeight + arity;
}

/** Instructions that call the Memory (a scan is opened lazily: scan.next fetches its pages). The compiled tier's are its `awaiting` rules. */
const memoryInstructionCodes = new Set(
  (['mem.load', 'mem.write', 'mem.compare', 'mem.cas', 'mem.delete', 'scan.next', 'lnr.append', 'lnr.read', 'lnr.trim'] as const).map((name) => instructionInfo(name).code),
);
