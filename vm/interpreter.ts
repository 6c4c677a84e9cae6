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
import { wordBytesMax } from '../common/limits.js';
import { SqlError, SqlState } from '../common/sql-error.js';
import { sortKeyBytes, wordAddress, type KeyValue, type WordAddress } from '../store/key.js';
import type { Memory, ScanCursor, ScanRequest, SortKeyBound } from '../store/memory.js';
import type { Word } from '../store/word.js';
import { VmFailure } from './failures.js';
import { instructionInfo, type ValueType } from './isa.js';
import type { PreparedProgram } from './prepared-program.js';
import { decodeRow, encodeRow } from './row-codec.js';
import * as sql from './sql-operations.js';
import { sqlTypeByCode, type SqlValue } from './sql-values.js';

export interface ExecutionLimits {
  /** Instructions a run may execute. */
  readonly fuel: number;
  /** Operand stack slots (checked against the validated maximum before running). */
  readonly stackHeightMax: number;
  /** Result rows a run may emit. */
  readonly rowsMax: number;
  /** Bytes of result rows (encoded) a run may emit. */
  readonly rowBytesMax: number;
}

export const executionLimitsDefault: ExecutionLimits = {
  fuel: 100_000_000,
  stackHeightMax: 1024,
  rowsMax: 1_000_000,
  rowBytesMax: 256 * 1024 * 1024,
};

/** Words fetched per scan page when the program set no smaller limit. */
export const scanPageWordsDefault = 1000;

export interface ExecutionContext {
  readonly memory: Memory;
  /** The session's account: the first component of every key the program builds. */
  readonly account: string;
  readonly params?: readonly SqlValue[];
  readonly limits?: Partial<ExecutionLimits>;
}

export interface MemoryOperationCounts {
  loads: number;
  writes: number;
  compares: number;
  compareAndSwaps: number;
  /** COMPARE&SWAPs that found another value: each one is a retry in a lock-free loop. */
  compareAndSwapConflicts: number;
  deletes: number;
  scans: number;
  scanPages: number;
}

export interface ExecutionStats {
  /** Executions of each instruction, by address (for EXPLAIN ANALYZE). */
  readonly counts: Uint32Array;
  instructions: number;
  readonly memory: MemoryOperationCounts;
}

export interface ExecutionResult {
  readonly rows: SqlValue[][];
  /** Sum of result.add_count: the n of the command tag. */
  readonly rowCount: number;
  readonly stats: ExecutionStats;
}

/** The state of one mem.scan_* while the program iterates it. */
interface ScanState {
  request: ScanRequest;
  words: readonly Word[];
  index: number;
  next: ScanCursor | undefined;
  /** Words still allowed by the program's limit (Infinity for none). */
  remaining: number;
}

const int64Min = -(2n ** 63n);

export async function execute(prepared: PreparedProgram, context: ExecutionContext): Promise<ExecutionResult> {
  const limits = { ...executionLimitsDefault, ...context.limits };
  checkStartLimits(prepared, context, limits);
  const run = new Run(prepared, context, limits);
  await run.loop();
  return { rows: run.rows, rowCount: run.rowCount, stats: run.stats };
}

function checkStartLimits(prepared: PreparedProgram, context: ExecutionContext, limits: ExecutionLimits): void {
  if (prepared.maxStackHeight > limits.stackHeightMax) {
    throw new VmFailure('exhaustion', `program needs ${prepared.maxStackHeight} stack slots, over the limit of ${limits.stackHeightMax}`);
  }
  const given = context.params?.length ?? 0;
  if (given !== prepared.program.paramCount) {
    const expected = prepared.program.paramCount;
    throw new VmFailure('trap', `program takes ${expected} parameter${expected === 1 ? '' : 's'}, ${given} given`, {
      sqlstate: '08P01', // protocol_violation: what PostgreSQL says for a Bind with the wrong count
    });
  }
}

function zeroOf(type: ValueType): unknown {
  switch (type) {
    case 'i32':
    case 'f64':
      return 0;
    case 'i64':
      return 0n;
    default:
      return null;
  }
}

class Run {
  readonly rows: SqlValue[][] = [];
  rowCount = 0;
  readonly stats: ExecutionStats;
  private rowBytes = 0;
  private readonly stack: unknown[];
  private readonly locals: unknown[];

  constructor(
    private readonly prepared: PreparedProgram,
    private readonly context: ExecutionContext,
    private readonly limits: ExecutionLimits,
  ) {
    this.stack = new Array<unknown>(prepared.maxStackHeight + 1).fill(null);
    this.locals = prepared.program.locals.map(zeroOf);
    this.stats = {
      counts: new Uint32Array(prepared.ops.length),
      instructions: 0,
      memory: { loads: 0, writes: 0, compares: 0, compareAndSwaps: 0, compareAndSwapConflicts: 0, deletes: 0, scans: 0, scanPages: 0 },
    };
  }

  async loop(): Promise<void> {
    const { ops, first, second, branchHeight, values } = this.prepared;
    const { stack, locals, stats } = this;
    const counts = stats.counts;
    const params = this.context.params ?? [];
    const memory = this.context.memory;
    let fuel = this.limits.fuel;
    let sp = 0; // the next free slot
    let pc = 0;
    try {
      for (;;) {
        if (--fuel < 0) throw this.exhausted(pc);
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
            if ((stack[sp] as bigint) === 0n) throw divisionByZero();
            stack[sp - 1] = (stack[sp - 1] as bigint) % (stack[sp] as bigint);
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
          case 0xeb: // sql.lower
            stack[sp - 1] = sql.sqlLower(stack[sp - 1] as SqlValue);
            break;
          case 0xec: // sql.upper
            stack[sp - 1] = sql.sqlUpper(stack[sp - 1] as SqlValue);
            break;
          case 0xed: // sql.cast
            stack[sp - 1] = sql.sqlCast(stack[sp - 1] as SqlValue, sqlTypeByCode.get(first[pc]!)!);
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
          case 0xf5: // row.emit
            this.emit(stack[--sp] as SqlValue[], pc);
            break;
          // --- word addresses and global memory ---
          case 0xc0: // bytes.null
            stack[sp++] = null;
            break;
          case 0xc1: // bytes.is_null
            stack[sp - 1] = stack[sp - 1] === null ? 1 : 0;
            break;
          case 0xc2: // ptr.make
            stack[sp - 1] = this.address(values[pc] as string, second[pc]!, stack[sp - 1] as SqlValue, undefined);
            break;
          case 0xc3: // ptr.make_sorted
            sp--;
            stack[sp - 1] = this.address(values[pc] as string, second[pc]!, stack[sp - 1] as SqlValue, stack[sp] as SqlValue);
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
            stats.memory.scans++;
            stack[sp - 1] = sortKeyScan(stack[sp - 1] as WordAddress, stack[sp] as SqlValue, stack[sp + 1] as SqlValue, stack[sp + 2] as number, first[pc]!);
            break;
          case 0xca: // mem.scan_resource: [limit] -> [scan]
            stats.memory.scans++;
            stack[sp - 1] = this.resourceScan(values[pc] as string, second[pc]!, stack[sp - 1] as number);
            break;
          case 0xcb: // scan.next
            stack[sp - 1] = (await this.advance(stack[sp - 1] as ScanState, pc)) ? 1 : 0;
            break;
          case 0xcc: // scan.value
            stack[sp - 1] = currentWord(stack[sp - 1] as ScanState, pc).value;
            break;
          case 0xcd: // scan.ptr
            stack[sp - 1] = currentWord(stack[sp - 1] as ScanState, pc).address;
            break;
          // --- parameters, results, errors ---
          case 0x10: // param.get
            stack[sp++] = params[first[pc]!];
            break;
          case 0x11: // result.add_count
            this.rowCount += stack[--sp] as number;
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

  private exhausted(pc: number): VmFailure {
    return new VmFailure('exhaustion', `program ran out of fuel after ${this.limits.fuel} instructions`, { address: pc });
  }

  private constantName(index: number): string {
    return String(this.prepared.program.constants[index]?.value);
  }

  private emit(row: SqlValue[], pc: number): void {
    if (this.rows.length >= this.limits.rowsMax) {
      throw new VmFailure('exhaustion', `program emitted more than ${this.limits.rowsMax} rows`, { address: pc });
    }
    this.rowBytes += encodeRow(row).byteLength;
    if (this.rowBytes > this.limits.rowBytesMax) {
      throw new VmFailure('exhaustion', `program emitted more than ${this.limits.rowBytesMax} bytes of rows`, { address: pc });
    }
    this.rows.push(row.slice());
  }

  private address(resource: string, typeCode: number, primaryKey: SqlValue, sortKey: SqlValue | undefined): WordAddress {
    return wordAddress({
      account: this.context.account,
      resource,
      resourceType: typeCode === 0 ? 'rnd' : 'lnr',
      primaryKey: keyValueOf(primaryKey),
      sortKey: sortKey === undefined ? undefined : keyValueOf(sortKey),
    });
  }

  private resourceScan(resource: string, typeCode: number, limit: number): ScanState {
    const request: ScanRequest = {
      kind: 'resource',
      account: this.context.account,
      resource,
      resourceType: typeCode === 0 ? 'rnd' : 'lnr',
      limit: scanPageWordsDefault,
    };
    return newScan(request, limit);
  }

  /** Moves a scan to its next word, fetching a page when the current one is used up. */
  private async advance(scan: ScanState, pc: number): Promise<boolean> {
    if (scan.remaining <= 0) return false;
    scan.index++;
    if (scan.index < scan.words.length) {
      scan.remaining--;
      return true;
    }
    if (scan.index > 0 && scan.next === undefined) return false; // the last page was short: done
    const limit = Math.min(scanPageWordsDefault, scan.remaining);
    const request = { ...scan.request, limit, after: scan.next };
    this.stats.memory.scanPages++;
    const page = await this.context.memory.scan(request);
    scan.words = page.words;
    scan.next = page.next;
    scan.index = 0;
    if (page.words.length === 0) {
      scan.remaining = 0;
      return false;
    }
    scan.remaining--;
    return true;
  }

}

/** Keeps the top `arity` values, dropping everything above the label's base. */
function branch(stack: unknown[], sp: number, baseHeight: number, arity: number): number {
  if (sp === baseHeight + arity) return sp;
  for (let index = 0; index < arity; index++) stack[baseHeight + index] = stack[sp - arity + index];
  return baseHeight + arity;
}

function newScan(request: ScanRequest, limit: number): ScanState {
  // index -1 and no words: the first scan.next fetches the first page.
  return { request, words: [], index: -1, next: undefined, remaining: limit > 0 ? limit : Number.POSITIVE_INFINITY };
}

function sortKeyScan(address: WordAddress, lower: SqlValue, upper: SqlValue, limit: number, flags: number): ScanState {
  const bound = (value: SqlValue, inclusive: boolean): SortKeyBound => ({ bytes: sortKeyBytes(keyValueOf(value)), inclusive });
  const request: ScanRequest = {
    kind: 'sortKeyRange',
    address,
    lower: flags & 1 ? bound(lower, (flags & 2) !== 0) : undefined,
    upper: flags & 4 ? bound(upper, (flags & 8) !== 0) : undefined,
    reverse: (flags & 16) !== 0,
    limit: scanPageWordsDefault,
  };
  return newScan(request, limit);
}

function currentWord(scan: ScanState, pc: number): Word {
  const word = scan.words[scan.index];
  if (!word) throw new VmFailure('crash', 'scan has no current word: scan.next did not return 1', { address: pc });
  return word;
}

function keyValueOf(value: SqlValue): KeyValue {
  if (value === null) throw new VmFailure('trap', 'a key value must not be NULL', { sqlstate: '22004' });
  if (typeof value === 'number') {
    throw new VmFailure('trap', 'double precision values cannot be keys', { sqlstate: '42804' });
  }
  return value;
}

function checkWord(value: Uint8Array): Uint8Array {
  if (value.byteLength > wordBytesMax) {
    throw new VmFailure('trap', `row of ${value.byteLength} bytes exceeds the word limit of ${wordBytesMax} bytes`, {
      sqlstate: SqlState.programLimitExceeded,
    });
  }
  return value;
}

function rowField(row: SqlValue[], index: number, pc: number): SqlValue {
  if (index >= row.length) throw new VmFailure('trap', `row has ${row.length} fields, no field ${index}`, { address: pc });
  return row[index]!;
}

function decodeRowOrTrap(bytes: Uint8Array | null, fieldCount: number): SqlValue[] {
  if (bytes === null) throw new VmFailure('trap', 'row.decode of no word', { sqlstate: '22004' });
  return decodeRow(bytes, fieldCount);
}

function divisionByZero(): VmFailure {
  return new VmFailure('trap', 'division by zero', { sqlstate: '22012' });
}

function divideInt64(dividend: bigint, divisor: bigint): bigint {
  if (divisor === 0n) throw divisionByZero();
  if (dividend === int64Min && divisor === -1n) throw new VmFailure('trap', 'bigint out of range', { sqlstate: '22003' });
  return dividend / divisor;
}

function truncateToInt64(value: number): bigint {
  if (Number.isNaN(value) || value >= 2 ** 63 || value < -(2 ** 63)) {
    throw new VmFailure('trap', 'bigint out of range', { sqlstate: '22003' });
  }
  return BigInt(Math.trunc(value));
}

function sqlToInt64(value: SqlValue): bigint {
  if (value === null) throw new VmFailure('trap', 'null value where an integer is required', { sqlstate: '22004' });
  if (typeof value !== 'bigint') throw new VmFailure('trap', `expected an integer, found ${typeof value}`, { sqlstate: '42804' });
  return value;
}

function sqlToFloat64(value: SqlValue): number {
  if (value === null) throw new VmFailure('trap', 'null value where a number is required', { sqlstate: '22004' });
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new VmFailure('trap', `expected a number, found ${typeof value}`, { sqlstate: '42804' });
}

/** Instructions that call the Memory (a scan is opened lazily: scan.next fetches its pages). */
const memoryInstructionCodes = new Set(
  (['mem.load', 'mem.write', 'mem.compare', 'mem.cas', 'mem.delete', 'scan.next'] as const).map((name) => instructionInfo(name).code),
);

/** Failures of the memory become traps when they carry a user-facing SQLSTATE, else "unavailable". */
function memoryFailure(error: unknown): unknown {
  if (error instanceof VmFailure) return error;
  if (error instanceof SqlError) {
    const unreachable = error.sqlstate === SqlState.ioError || error.sqlstate === SqlState.objectNotInPrerequisiteState;
    return new VmFailure(unreachable ? 'unavailable' : 'trap', error.message, { sqlstate: error.sqlstate, detail: error.detail });
  }
  return new VmFailure('unavailable', `memory failed: ${error instanceof Error ? error.message : String(error)}`);
}

/** Stamps the failing address on failures raised by helpers; anything else escaping the loop is a crash. */
function withAddress(error: unknown, pc: number): VmFailure {
  if (error instanceof VmFailure) {
    return error.address !== undefined
      ? error
      : new VmFailure(error.kind, error.message, { sqlstate: error.sqlstate, address: pc, detail: error.detail });
  }
  if (error instanceof SqlError) return new VmFailure('trap', error.message, { sqlstate: error.sqlstate, address: pc, detail: error.detail });
  const message = error instanceof Error ? error.message : String(error);
  return new VmFailure('crash', `internal error at instruction ${pc}: ${message}`, { address: pc });
}

