/**
 * Rowsets: the bounded collections of rows a run holds for GROUP BY (groups
 * found by key), ORDER BY (rows sorted on iteration) and LIMIT (top-N), and the
 * agg.* updates of a group's row. Both engines (vm/interpreter.ts and
 * vm/compiled-tier.ts) call the code here, so they fail alike.
 *
 * Every row a rowset holds counts against the run's collectedRowsMax
 * (vm/run-state.ts CollectedRows); a top-N rowset holds at most about 2 * keep
 * rows, sorting and cutting its buffer back to keep whenever it fills.
 */
import { assert } from '../common/sql-error.js';
import { VmFailure } from './failures.js';
import { encodeRow } from './row-codec.js';
import { rowField, type CollectedRows } from './run-state.js';
import { compareSqlValuesForSort, sqlAdd, sqlGreater, sqlLess } from './sql-operations.js';
import type { SqlValue } from './sql-values.js';

/** Rows a top-N buffer may hold beyond 2 * keep before it is cut back, so small keeps do not sort on every add. */
const topBufferSlack = 16;

type Row = SqlValue[];
type RowComparator = (left: Row, right: Row) => number;

/** The immediates of rowset.new: [keyFields, descendingMask, nullsFirstMask] (the prepared program keeps them together). */
export type RowOrder = readonly [keyFields: number, descendingMask: number, nullsFirstMask: number];

export class RowSet {
  private readonly rows: Row[] = [];
  /** rowset.group's groups by the canonical encoding of their key fields (groupKey). */
  private readonly groups = new Map<string, Row>();
  private readonly keyFields: number;
  private readonly compare: RowComparator;
  /** Rows kept in iteration order: Infinity for all. */
  private readonly keep: number;
  /** A top-N buffer is sorted and cut back to keep when it reaches this many rows. */
  private readonly bufferMax: number;
  /** -1 before iteration begins; then the index of the current row (rows.length when done). */
  private position = -1;

  constructor(
    keep: bigint,
    order: RowOrder,
    private readonly collected: CollectedRows,
  ) {
    this.keyFields = order[0];
    this.compare = rowComparator(order);
    this.keep = keep < 0n || keep > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(keep);
    this.bufferMax = 2 * this.keep + topBufferSlack;
  }

  /** rowset.add: holds the row (by reference) unless top-N already rules it out. */
  add(row: Row, pc: number): void {
    this.requireOpen('rowset.add', pc);
    requireFields(row, this.keyFields, pc);
    // In insertion order a row after the first keep can never be kept; with keep 0, no row can.
    if (this.rows.length >= this.keep && (this.keyFields === 0 || this.keep === 0)) return;
    // Groups stay whole while they can still be found; their rowset is cut when iteration begins.
    const cuttable = this.groups.size === 0 && this.rows.length > this.keep;
    if (cuttable && (this.rows.length >= this.bufferMax || this.collected.full)) this.sortAndCut();
    this.hold(row);
    assert(this.groups.size > 0 || this.rows.length <= this.bufferMax, 'a top-N buffer holds at most 2 * keep + slack rows');
  }

  /**
   * rowset.group: the held row whose first `fieldCount` fields are not distinct
   * from the row's, or null after holding the row as a new group.
   */
  group(row: Row, fieldCount: number, pc: number): Row | null {
    this.requireOpen('rowset.group', pc);
    requireFields(row, Math.max(fieldCount, this.keyFields), pc);
    const key = groupKey(row, fieldCount);
    const found = this.groups.get(key);
    if (found !== undefined) return found;
    this.hold(row);
    this.groups.set(key, row);
    return null;
  }

  /** rowset.next: 1 and a current row, or 0 when done. The first call sorts and applies keep. */
  next(): number {
    if (this.position < 0) this.sortAndCut();
    if (this.position < this.rows.length) this.position++;
    return this.position < this.rows.length ? 1 : 0;
  }

  /** rowset.row. */
  current(pc: number): Row {
    const row = this.position >= 0 ? this.rows[this.position] : undefined;
    if (row === undefined) throw new VmFailure('crash', 'rowset has no current row: rowset.next did not return 1', { address: pc });
    return row;
  }

  private hold(row: Row): void {
    this.collected.take();
    this.rows.push(row);
  }

  /** Sorts stably (ties keep insertion order: earlier rows sit earlier in the buffer) and keeps the first keep rows. */
  private sortAndCut(): void {
    if (this.keyFields > 0) this.rows.sort(this.compare);
    const cut = this.rows.length - this.keep;
    if (cut > 0) {
      this.rows.length = this.keep;
      this.collected.release(cut);
    }
    assert(this.rows.length <= this.keep, 'a cut rowset holds at most keep rows');
  }

  private requireOpen(operation: string, pc: number): void {
    if (this.position >= 0) throw new VmFailure('crash', `${operation} after the rowset's iteration began`, { address: pc });
  }
}

/** Key fields compare as sql.lt does (compareSqlValuesForSort); NULLs go first or last whatever the direction, as NULLS FIRST / LAST. */
export function rowComparator([keyFields, descendingMask, nullsFirstMask]: RowOrder): RowComparator {
  return (left, right) => {
    for (let field = 0; field < keyFields; field++) {
      const order = compareKeyField(left[field]!, right[field]!, ((descendingMask >>> field) & 1) === 1, ((nullsFirstMask >>> field) & 1) === 1);
      if (order !== 0) return order;
    }
    return 0;
  };
}

function compareKeyField(left: SqlValue, right: SqlValue, descending: boolean, nullsFirst: boolean): number {
  if (left === null || right === null) {
    if (left === right) return 0;
    return (left === null) === nullsFirst ? -1 : 1;
  }
  const order = compareSqlValuesForSort(left, right);
  return descending ? -order : order;
}

/**
 * Equal keys for values that are not distinct: the row encoding is exact per
 * value, so only the float values that are not distinct yet differ in bits
 * (-0 and 0; NaNs) need one canonical form. A key field holds values of one
 * type, as a GROUP BY column does (an integer and an equal float would be two groups).
 */
function groupKey(row: Row, fieldCount: number): string {
  const key = new Array<SqlValue>(fieldCount);
  for (let field = 0; field < fieldCount; field++) {
    const value = row[field]!;
    key[field] = typeof value === 'number' ? canonicalFloat(value) : value;
  }
  return Buffer.from(encodeRow(key)).toString('latin1');
}

function canonicalFloat(value: number): number {
  if (value === 0) return 0;
  return value !== value ? Number.NaN : value;
}

/** Rows whose key fields the rowset would read: fewer fields is the program's trap, as in row.get. */
function requireFields(row: Row, fieldCount: number, pc: number): void {
  if (fieldCount > 0) rowField(row, fieldCount - 1, pc);
}

// --- aggregates: update field `field` of a group's row in place ---

/** agg.count: counts the non-NULL values. */
export function aggregateCount(row: Row, field: number, value: SqlValue, pc: number): void {
  const count = rowField(row, field, pc);
  if (value !== null) row[field] = sqlAdd(count ?? 0n, 1n);
}

/** agg.sum: adds as sql.add (22003 on int8 overflow), skipping NULLs. */
export function aggregateSum(row: Row, field: number, value: SqlValue, pc: number): void {
  const sum = rowField(row, field, pc);
  if (value !== null) row[field] = sum === null ? value : sqlAdd(sum, value);
}

/** agg.min: the least non-NULL value, by sql.lt. */
export function aggregateMin(row: Row, field: number, value: SqlValue, pc: number): void {
  const least = rowField(row, field, pc);
  if (value !== null && (least === null || sqlLess(value, least) === true)) row[field] = value;
}

/** agg.max: the greatest non-NULL value, by sql.gt. */
export function aggregateMax(row: Row, field: number, value: SqlValue, pc: number): void {
  const greatest = rowField(row, field, pc);
  if (value !== null && (greatest === null || sqlGreater(value, greatest) === true)) row[field] = value;
}
