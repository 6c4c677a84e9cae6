/**
 * Rowsets (vm/rowset.ts) against reference implementations written here
 * independently: sorted iteration with keep is a stable sort and a slice, and
 * grouping is a map from key to the first row seen. Each property runs on the
 * RowSet class and on both engines (interpreter and compiled tier), which must
 * also agree with each other.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Memory } from '../../store/memory.js';
import { compileProgram } from '../../vm/compiled-tier.js';
import { execute } from '../../vm/interpreter.js';
import { prepareProgram } from '../../vm/prepared-program.js';
import type { Instruction, Program } from '../../vm/program.js';
import { RowSet, type RowOrder } from '../../vm/rowset.js';
import { CollectedRows } from '../../vm/run-state.js';
import type { SqlValue } from '../../vm/sql-values.js';
import { emptyBlockType, op, program } from './program-literals.js';

/** Rows of four fields: an int8 key, a text key, an int8 key, and the insertion index (to see stability). */
type TestRow = [bigint | null, string | null, bigint | null, bigint];

const smallInteger = fc.option(fc.bigInt({ min: -3n, max: 3n }), { nil: null, freq: 4 });
const shortText = fc.option(fc.constantFrom('', 'a', 'b', 'B', 'ab', 'é', 'z'), { nil: null, freq: 4 });
const testRows = fc
  .array(fc.tuple(smallInteger, shortText, smallInteger), { maxLength: 60 })
  .map((rows) => rows.map(([first, second, third], index): TestRow => [first, second, third, BigInt(index)]));
const order = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(7), fc.nat(7)) as fc.Arbitrary<RowOrder>;
const keep = fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 70 }));

const utf8 = new TextEncoder();

function compareReference(left: bigint | string, right: bigint | string): number {
  if (typeof left === 'string' && typeof right === 'string') return Buffer.compare(utf8.encode(left), utf8.encode(right));
  return left < right ? -1 : left > right ? 1 : 0;
}

/** ORDER BY key fields with ASC/DESC and NULLS FIRST/LAST, then LIMIT keep: a stable sort and a slice. */
function referenceOrder(rows: readonly TestRow[], [keyFields, descendingMask, nullsFirstMask]: RowOrder, keepRows: number): TestRow[] {
  const sorted = [...rows].sort((left, right) => {
    for (let field = 0; field < keyFields; field++) {
      const a = left[field] as bigint | string | null;
      const b = right[field] as bigint | string | null;
      if (a === b) continue;
      const nullsFirst = ((nullsFirstMask >> field) & 1) === 1;
      if (a === null) return nullsFirst ? -1 : 1;
      if (b === null) return nullsFirst ? 1 : -1;
      const result = compareReference(a, b) * (((descendingMask >> field) & 1) === 1 ? -1 : 1);
      if (result !== 0) return result;
    }
    return 0;
  });
  return keepRows < 0 ? sorted : sorted.slice(0, keepRows);
}

function iterate(rowSet: RowSet): SqlValue[][] {
  const rows: SqlValue[][] = [];
  while (rowSet.next() === 1) rows.push(rowSet.current(0));
  return rows;
}

/** Programs here use no memory instruction. */
const noMemory = undefined as unknown as Memory;

/** Runs on both engines; they must agree, and the rows are returned. */
async function runBoth(code: Program, params: SqlValue[]): Promise<SqlValue[][]> {
  const prepared = prepareProgram(code);
  const interpreted = await execute(prepared, { memory: noMemory, account: 'acme', params });
  const compiled = await compileProgram(prepared).run({ memory: noMemory, account: 'acme', params });
  expect(compiled.rows).toEqual(interpreted.rows);
  return interpreted.rows;
}

/** Code that builds a row from `width` consecutive parameters starting at `first`. */
function rowFromParams(first: number, width: number): Instruction[] {
  return [op('row.new', width), ...Array.from({ length: width }, (_, field) => [op('param.get', first + field), op('row.set', field)]).flat()];
}

/** Emits every row of rowset local `local`. */
function emitAll(local: number): Instruction[] {
  return [
    op('block', emptyBlockType),
    op('loop', emptyBlockType),
    op('local.get', local),
    op('rowset.next'),
    op('i32.eqz'),
    op('br_if', 1),
    op('local.get', local),
    op('rowset.row'),
    op('row.emit'),
    op('br', 0),
    op('end'),
    op('end'),
  ];
}

describe('rowset iteration: a stable sort, then keep', () => {
  it('equals the reference, holding at most 2 * keep + 16 rows while adding', () => {
    fc.assert(
      fc.property(testRows, order, keep, (rows, rowOrder, keepRows) => {
        const collected = new CollectedRows(Number.POSITIVE_INFINITY);
        const rowSet = new RowSet(BigInt(keepRows), rowOrder, collected);
        for (const row of rows) {
          rowSet.add(row, 0);
          if (keepRows >= 0) expect(collected.held).toBeLessThanOrEqual(2 * keepRows + 16);
        }
        expect(iterate(rowSet)).toEqual(referenceOrder(rows, rowOrder, keepRows));
        expect(collected.held).toBe(keepRows < 0 ? rows.length : Math.min(keepRows, rows.length));
      }),
      { numRuns: 500 },
    );
  });

  it('is the same in both engines', async () => {
    await fc.assert(
      fc.asyncProperty(testRows, order, keep, async (rows, [keyFields, descendingMask, nullsFirstMask], keepRows) => {
        const code = program(
          [
            op('i64.const', BigInt(keepRows)),
            op('rowset.new', keyFields, descendingMask, nullsFirstMask),
            op('local.set', 0),
            ...rows.flatMap((_, index) => [op('local.get', 0), ...rowFromParams(4 * index, 4), op('rowset.add')]),
            ...emitAll(0),
          ],
          { locals: ['rowset'], paramCount: 4 * rows.length },
        );
        const emitted = await runBoth(code, rows.flat());
        expect(emitted).toEqual(referenceOrder(rows, [keyFields, descendingMask, nullsFirstMask], keepRows));
      }),
      { numRuns: 60 },
    );
  });
});

describe('rowset.group and agg.*: GROUP BY', () => {
  /** A key of floats where -0 and 0 are one group, and NaN another; and an int8 value, sometimes NULL. */
  const groupInputs = fc.array(
    fc.tuple(fc.constantFrom<number | null>(0, -0, Number.NaN, 1.5, null), shortText, fc.option(fc.bigInt({ min: -100n, max: 100n }), { nil: null })),
    { maxLength: 40 },
  );

  /** SELECT k1, k2, count(v), sum(v), min(v), max(v) GROUP BY k1, k2, in first-seen order. */
  function referenceGroups(inputs: readonly (readonly [number | null, string | null, bigint | null])[]): SqlValue[][] {
    const groups = new Map<string, SqlValue[]>();
    for (const [float, text, value] of inputs) {
      const key = JSON.stringify([float === null ? null : Number.isNaN(float) ? 'NaN' : float === 0 ? 0 : float, text]);
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = [float, text, null, null, null, null]));
      if (value === null) continue;
      group[2] = ((group[2] as bigint | null) ?? 0n) + 1n;
      group[3] = ((group[3] as bigint | null) ?? 0n) + value;
      if (group[4] === null || value < (group[4] as bigint)) group[4] = value;
      if (group[5] === null || value > (group[5] as bigint)) group[5] = value;
    }
    return [...groups.values()];
  }

  it('equals the reference in both engines', async () => {
    await fc.assert(
      fc.asyncProperty(groupInputs, async (inputs) => {
        const perInput = (index: number): Instruction[] => [
          op('local.get', 0),
          op('row.new', 6),
          op('param.get', 3 * index),
          op('row.set', 0),
          op('param.get', 3 * index + 1),
          op('row.set', 1),
          op('rowset.group', 2),
          op('drop'),
          ...(['agg.count', 'agg.sum', 'agg.min', 'agg.max'] as const).flatMap((name, field) => [op('param.get', 3 * index + 2), op(name, 2 + field)]),
          op('drop'),
        ];
        const code = program(
          [op('i64.const', -1n), op('rowset.new', 0, 0, 0), op('local.set', 0), ...inputs.flatMap((_, index) => perInput(index)), ...emitAll(0)],
          { locals: ['rowset'], paramCount: 3 * inputs.length },
        );
        expect(await runBoth(code, inputs.flat())).toEqual(referenceGroups(inputs));
      }),
      { numRuns: 60 },
    );
  });
});
