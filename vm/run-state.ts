/**
 * What both execution engines share: the types of a run (context, limits,
 * result, stats), the state of one run (rows, row count, stats, limits), and the
 * helpers behind every instruction that can fail or touches memory. The
 * interpreter (vm/interpreter.ts) and the compiled tier (vm/compiled-tier.ts)
 * call the same code here, so they fail with the same kinds, SQLSTATEs and
 * messages; the differential tests and the spec scripts run on both hold them
 * to it.
 */
import { wordBytesMax } from '../common/limits.js';
import { assert, SqlError, SqlState } from '../common/sql-error.js';
import { KeyTimestamp, sortKeyBytes, wordAddress, type KeyValue, type WordAddress } from '../store/key.js';
import type { LogAddress, Memory, ScanCursor, ScanRequest, SortKeyBound } from '../store/memory.js';
import type { Word } from '../store/word.js';
import { VmFailure } from './failures.js';
import type { ValueType } from './isa.js';
import type { PreparedProgram } from './prepared-program.js';
import { decodeRow, decodeRowAllFields, encodeRow } from './row-codec.js';
import { Jsonb, Timestamptz, type SqlValue } from './sql-values.js';

export interface ExecutionLimits {
  /** Instructions a run may execute. */
  readonly fuel: number;
  /** Operand stack slots (checked against the validated maximum before running). */
  readonly stackHeightMax: number;
  /** Result rows a run may emit. */
  readonly rowsMax: number;
  /** Bytes of result rows (encoded) a run may emit. */
  readonly rowBytesMax: number;
  /** Rows a run's rowsets may hold at once, over all of them (GROUP BY groups, ORDER BY rows). */
  readonly collectedRowsMax: number;
}

export const executionLimitsDefault: ExecutionLimits = {
  fuel: 100_000_000,
  stackHeightMax: 1024,
  rowsMax: 1_000_000,
  rowBytesMax: 256 * 1024 * 1024,
  collectedRowsMax: 100_000,
};

/** Words fetched per scan page when the program set no smaller limit. */
export const scanPageWordsDefault = 1000;

export interface ExecutionContext {
  readonly memory: Memory;
  /** The session's account: the first component of every key the program builds. */
  readonly account: string;
  readonly params?: readonly SqlValue[];
  readonly limits?: Partial<ExecutionLimits>;
  /**
   * The time, in milliseconds since the Unix epoch (as Date.now, the default):
   * sql.now reads it once per run. Injected so tests and simulations fix the time.
   */
  readonly clock?: () => number;
  /**
   * Aborting it stops the run at the next place fuel is charged (every instruction in the
   * interpreter, every straight-line run in the compiled tier) with SqlError 57014. Its
   * reason's message, when it is an Error, is the error's message (the frontend passes
   * "canceling statement due to statement timeout"); otherwise "... due to user request".
   */
  readonly signal?: AbortSignal | undefined;
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
  /** lnr.append: records appended to logs. */
  appends: number;
  /** lnr.read: records asked for, found or not. */
  recordReads: number;
  /** lnr.trim: retention passes over a log. */
  trims: number;
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
export interface ScanState {
  request: ScanRequest;
  words: readonly Word[];
  index: number;
  next: ScanCursor | undefined;
  /** Words still allowed by the program's limit (Infinity for none). */
  remaining: number;
}

const int64Min = -(2n ** 63n);

/** PostgreSQL's text for a query stopped by a CancelRequest. */
export const canceledByUserMessage = 'canceling statement due to user request';

export function checkStartLimits(prepared: PreparedProgram, context: ExecutionContext, limits: ExecutionLimits): void {
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

/** The value a local of `type` starts from. */
export function zeroOf(type: ValueType): unknown {
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

/** The rows a run's rowsets (vm/rowset.ts) hold, against collectedRowsMax: the memory a GROUP BY or ORDER BY may take. */
export class CollectedRows {
  private heldRows = 0;

  constructor(private readonly max: number) {}

  get held(): number {
    return this.heldRows;
  }

  get full(): boolean {
    return this.heldRows >= this.max;
  }

  take(): void {
    if (this.full) {
      throw new VmFailure('trap', `more than ${this.max} rows held for GROUP BY or ORDER BY (the collectedRowsMax limit)`, {
        sqlstate: SqlState.programLimitExceeded,
      });
    }
    this.heldRows++;
  }

  release(count: number): void {
    this.heldRows -= count;
    assert(this.heldRows >= 0, 'rowsets release only rows they took');
  }
}

/** One run of a program: what it produces, and the operations that need the context or the limits. */
export class RunState {
  readonly rows: SqlValue[][] = [];
  rowCount = 0;
  readonly stats: ExecutionStats;
  /** The context's memory: compiled code calls it directly, as the interpreter does. */
  readonly memory: Memory;
  /** Shared by every rowset of the run. */
  readonly collectedRows: CollectedRows;
  /** The context's abort signal: both engines test `aborted` where they charge fuel. */
  readonly signal: AbortSignal | undefined;
  private rowBytes = 0;
  /** sql.now's instant: read from the clock at the first sql.now, then fixed for the run. */
  private currentTime: Timestamptz | undefined;

  constructor(
    private readonly context: ExecutionContext,
    private readonly limits: ExecutionLimits,
    instructionCount: number,
  ) {
    this.memory = context.memory;
    this.signal = context.signal;
    this.collectedRows = new CollectedRows(limits.collectedRowsMax);
    this.stats = {
      counts: new Uint32Array(instructionCount),
      instructions: 0,
      memory: {
        loads: 0,
        writes: 0,
        compares: 0,
        compareAndSwaps: 0,
        compareAndSwapConflicts: 0,
        deletes: 0,
        scans: 0,
        scanPages: 0,
        appends: 0,
        recordReads: 0,
        trims: 0,
      },
    };
  }

  /** Fuel ran out at `address` (for the compiled tier: the first address of the run it could not pay for). */
  outOfFuel(address: number): VmFailure {
    return new VmFailure('exhaustion', `program ran out of fuel after ${this.limits.fuel} instructions`, { address });
  }

  /** The signal was aborted; the run stops at `address` (for the compiled tier: the first address of the run). */
  canceled(address: number): VmFailure {
    const reason: unknown = this.signal?.reason;
    const message = reason instanceof Error && reason.name !== 'AbortError' ? reason.message : canceledByUserMessage;
    return new VmFailure('trap', message, { sqlstate: '57014', address });
  }

  emit(row: SqlValue[], pc: number): void {
    if (this.rows.length >= this.limits.rowsMax) {
      throw new VmFailure('exhaustion', `program emitted more than ${this.limits.rowsMax} rows`, { address: pc });
    }
    this.rowBytes += encodeRow(row).byteLength;
    if (this.rowBytes > this.limits.rowBytesMax) {
      throw new VmFailure('exhaustion', `program emitted more than ${this.limits.rowBytesMax} bytes of rows`, { address: pc });
    }
    this.rows.push(row.slice());
  }

  address(resource: string, typeCode: number, primaryKey: SqlValue, sortKey: SqlValue | undefined): WordAddress {
    return wordAddress({
      account: this.context.account,
      resource,
      resourceType: typeCode === 0 ? 'rnd' : 'lnr',
      primaryKey: keyValueOf(primaryKey),
      sortKey: sortKey === undefined ? undefined : keyValueOf(sortKey),
    });
  }

  /** sql.now: the run's current time, read from the clock once (PostgreSQL's now() is fixed for a statement). */
  now(): Timestamptz {
    if (this.currentTime === undefined) {
      const milliseconds = (this.context.clock ?? Date.now)();
      const microseconds = Number.isSafeInteger(milliseconds) ? BigInt(milliseconds) * 1000n : undefined;
      if (microseconds === undefined || !Timestamptz.isInRange(microseconds)) {
        throw new VmFailure('crash', `the clock read ${String(milliseconds)}, not a time in milliseconds since 1970`);
      }
      this.currentTime = Timestamptz.fromMicroseconds(microseconds);
    }
    return this.currentTime;
  }

  /** The log `account/resource` (lnr) of the session's account. */
  logAddress(resource: string): LogAddress {
    return { account: this.context.account, resource };
  }

  /** lnr.append: one record, durable once this resolves; its record number. */
  async append(resource: string, payload: Uint8Array | null): Promise<bigint> {
    this.stats.memory.appends++;
    if (payload === null) throw new VmFailure('trap', 'lnr.append of no bytes: null is not a record', { sqlstate: '22004' });
    const record = await this.memory.append(this.logAddress(resource), payload);
    assert(Number.isSafeInteger(record) && record >= 0, `the memory numbers records from 0, not ${record}`);
    return BigInt(record);
  }

  /** lnr.read: the record, or null when the log does not hold it (a number no log can reach included). */
  async readRecord(resource: string, record: bigint): Promise<Uint8Array | null> {
    this.stats.memory.recordReads++;
    if (record < 0n || record > BigInt(Number.MAX_SAFE_INTEGER)) return null;
    return (await this.memory.readRecord(this.logAddress(resource), Number(record))) ?? null;
  }

  /** lnr.trim: whole sealed segments before the record dropped; how many. */
  async trim(resource: string, record: bigint): Promise<bigint> {
    this.stats.memory.trims++;
    if (record <= 0n) return 0n;
    const before = record > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(record);
    return BigInt(await this.memory.dropRecordsBefore(this.logAddress(resource), before));
  }

  sortKeyScan(address: WordAddress, lower: SqlValue, upper: SqlValue, limit: number, flags: number): ScanState {
    this.stats.memory.scans++;
    return sortKeyScan(address, lower, upper, limit, flags);
  }

  resourceScan(resource: string, typeCode: number, limit: number): ScanState {
    this.stats.memory.scans++;
    const request: ScanRequest = {
      kind: 'resource',
      account: this.context.account,
      resource,
      resourceType: typeCode === 0 ? 'rnd' : 'lnr',
      limit: scanPageWordsDefault,
    };
    return newScan(request, limit);
  }

  /** Moves a scan to its next word, fetching a page when the current one is used up; 1 or 0. */
  async advance(scan: ScanState): Promise<number> {
    if (scan.remaining <= 0) return 0;
    scan.index++;
    if (scan.index < scan.words.length) {
      scan.remaining--;
      return 1;
    }
    if (scan.index > 0 && scan.next === undefined) return 0; // the last page was short: done
    const limit = Math.min(scanPageWordsDefault, scan.remaining);
    const request = { ...scan.request, limit, after: scan.next };
    this.stats.memory.scanPages++;
    const page = await this.memory.scan(request);
    scan.words = page.words;
    scan.next = page.next;
    scan.index = 0;
    if (page.words.length === 0) {
      scan.remaining = 0;
      return 0;
    }
    scan.remaining--;
    return 1;
  }
}

export function newScan(request: ScanRequest, limit: number): ScanState {
  // index -1 and no words: the first scan.next fetches the first page.
  return { request, words: [], index: -1, next: undefined, remaining: limit > 0 ? limit : Number.POSITIVE_INFINITY };
}

export function sortKeyScan(address: WordAddress, lower: SqlValue, upper: SqlValue, limit: number, flags: number): ScanState {
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

export function currentWord(scan: ScanState, pc: number): Word {
  const word = scan.words[scan.index];
  if (!word) throw new VmFailure('crash', 'scan has no current word: scan.next did not return 1', { address: pc });
  return word;
}

export function keyValueOf(value: SqlValue): KeyValue {
  if (value === null) throw new VmFailure('trap', 'a key value must not be NULL', { sqlstate: '22004' });
  if (typeof value === 'number') {
    throw new VmFailure('trap', 'double precision values cannot be keys', { sqlstate: '42804' });
  }
  if (value instanceof Timestamptz) return new KeyTimestamp(value.microseconds);
  if (value instanceof Jsonb) throw new VmFailure('trap', 'jsonb values cannot be keys', { sqlstate: '42804' });
  return value;
}

export function checkWord(value: Uint8Array): Uint8Array {
  if (value.byteLength > wordBytesMax) {
    throw new VmFailure('trap', `row of ${value.byteLength} bytes exceeds the word limit of ${wordBytesMax} bytes`, {
      sqlstate: SqlState.programLimitExceeded,
    });
  }
  return value;
}

export function rowField(row: SqlValue[], index: number, pc: number): SqlValue {
  if (index >= row.length) throw new VmFailure('trap', `row has ${row.length} fields, no field ${index}`, { address: pc });
  return row[index]!;
}

/** row.set: sets a field in place, after the same check as row.get. */
export function setRowField(row: SqlValue[], index: number, value: SqlValue, pc: number): void {
  rowField(row, index, pc);
  row[index] = value;
}

export function decodeRowOrTrap(bytes: Uint8Array | null, fieldCount: number): SqlValue[] {
  if (bytes === null) throw new VmFailure('trap', 'row.decode of no word', { sqlstate: '22004' });
  return decodeRow(bytes, fieldCount);
}

/** row.decode_all: a row of any number of fields, which the encoding carries. */
export function decodeAllFieldsOrTrap(bytes: Uint8Array | null): SqlValue[] {
  if (bytes === null) throw new VmFailure('trap', 'row.decode_all of no word', { sqlstate: '22004' });
  return decodeRowAllFields(bytes);
}

/** row.get_at: as row.get, with the index from the stack, which may be negative. */
export function rowFieldAt(row: SqlValue[], index: number, pc: number): SqlValue {
  if (index < 0) throw new VmFailure('trap', `row has ${row.length} fields, no field ${index}`, { address: pc });
  return rowField(row, index, pc);
}

export function divisionByZero(): VmFailure {
  return new VmFailure('trap', 'division by zero', { sqlstate: '22012' });
}

export function divideInt64(dividend: bigint, divisor: bigint): bigint {
  if (divisor === 0n) throw divisionByZero();
  if (dividend === int64Min && divisor === -1n) throw new VmFailure('trap', 'bigint out of range', { sqlstate: '22003' });
  return dividend / divisor;
}

export function remainderInt64(dividend: bigint, divisor: bigint): bigint {
  if (divisor === 0n) throw divisionByZero();
  return dividend % divisor;
}

export function truncateToInt64(value: number): bigint {
  if (Number.isNaN(value) || value >= 2 ** 63 || value < -(2 ** 63)) {
    throw new VmFailure('trap', 'bigint out of range', { sqlstate: '22003' });
  }
  return BigInt(Math.trunc(value));
}

export function sqlToInt64(value: SqlValue): bigint {
  if (value === null) throw new VmFailure('trap', 'null value where an integer is required', { sqlstate: '22004' });
  if (typeof value !== 'bigint') throw new VmFailure('trap', `expected an integer, found ${typeof value}`, { sqlstate: '42804' });
  return value;
}

export function sqlToFloat64(value: SqlValue): number {
  if (value === null) throw new VmFailure('trap', 'null value where a number is required', { sqlstate: '22004' });
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new VmFailure('trap', `expected a number, found ${typeof value}`, { sqlstate: '42804' });
}

export function unreachableExecuted(pc: number): VmFailure {
  return new VmFailure('crash', 'unreachable executed', { address: pc });
}

/** error.raise: SQLSTATE and message are name constants the validator checked. */
export function raisedError(sqlstate: string, message: unknown, pc: number): VmFailure {
  return new VmFailure('trap', String(message), { sqlstate, address: pc });
}

/** Failures of the memory become traps when they carry a user-facing SQLSTATE, else "unavailable". */
export function memoryFailure(error: unknown): unknown {
  if (error instanceof VmFailure) return error;
  if (error instanceof SqlError) {
    const unreachable = error.sqlstate === SqlState.ioError || error.sqlstate === SqlState.objectNotInPrerequisiteState;
    return new VmFailure(unreachable ? 'unavailable' : 'trap', error.message, { sqlstate: error.sqlstate, detail: error.detail });
  }
  return new VmFailure('unavailable', `memory failed: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * What a compiled program throws for an error that escaped the instruction at
 * `pc`: a memory instruction's failure is classified first (memory calls are not
 * wrapped one by one), then the address is stamped, as the interpreter's loop does.
 */
export function failureAt(error: unknown, pc: number, memoryInstructionAt: Uint8Array): VmFailure {
  return withAddress(memoryInstructionAt[pc] === 1 ? memoryFailure(error) : error, pc);
}

/** Stamps the failing address on failures raised by helpers; anything else escaping the program is a crash. */
export function withAddress(error: unknown, pc: number): VmFailure {
  if (error instanceof VmFailure) {
    return error.address !== undefined
      ? error
      : new VmFailure(error.kind, error.message, { sqlstate: error.sqlstate, address: pc, detail: error.detail });
  }
  if (error instanceof SqlError) return new VmFailure('trap', error.message, { sqlstate: error.sqlstate, address: pc, detail: error.detail });
  const message = error instanceof Error ? error.message : String(error);
  return new VmFailure('crash', `internal error at instruction ${pc}: ${message}`, { address: pc });
}
