/**
 * ORDER BY over the result rows (docs/compiler.md, "Aggregates, GROUP BY, ORDER
 * BY, LIMIT/OFFSET over results"), when the scan's own order cannot give it: each
 * result row goes into a sorting rowset as its sort keys, then its fields, and is
 * emitted after the last one arrived.
 *
 *     [LIMIT + OFFSET, or -1]  rowset.new k desc nullsFirst  local.set sorter
 *     per result row:  local.get sorter  row.new k+n  <outputs> row.set k.. <keys> row.set 0..  rowset.add
 *     after:  loop  local.get sorter rowset.next  i32.eqz br_if done
 *                   local.get sorter rowset.row  local.set sorted
 *                   [OFFSET skip]  row.new n  (local.get sorted row.get k+i row.set i)...  row.emit
 *                   [LIMIT count-down]
 *
 * With a LIMIT the rowset keeps only the first LIMIT + OFFSET rows (top-N, about
 * twice that many held at most); without one it holds every row, bounded by the
 * run's collectedRowsMax (54000 past it).
 *
 * Each ORDER BY item is resolved as PostgreSQL does: an integer is a position in
 * the select list (42P10 outside it), a bare name an output column's name (42702
 * when two outputs have it), an expression written like a select-list item that
 * item; anything else is evaluated in the query's scope (the row, or the group).
 * Sort keys compare like `<` (text by UTF-8 bytes); ASC puts NULLs last and DESC
 * first unless NULLS FIRST / LAST says otherwise.
 */
import type * as ast from '../parser/ast.js';
import { structuralKey } from '../parser/ast-children.js';
import type { BoundExpression, ExpressionBinder } from './expressions.js';
import type { Label, ProgramBuilder } from './program-builder.js';
import type { BoundTarget, WrittenTarget } from './projection.js';
import type { RowLimit } from './select-limit.js';
import type { ErrorLocator } from './sql-types.js';

/** Sort keys a rowset's masks can describe. */
export const sortKeysMax = 32;

interface SortKey {
  /** The select-list position whose value it is, or undefined when computed by `bound`. */
  readonly output: number | undefined;
  readonly bound: BoundExpression | undefined;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export class Sorter {
  private sorterLocal = -1;

  private constructor(private readonly keys: readonly SortKey[]) {}

  /**
   * Resolves ORDER BY against the select list (`written`, item by item as `targets` holds them) and
   * binds the other items with `binder`. `distinct`: every item must be in the select list (42P10).
   */
  static bind(
    orderBy: readonly ast.OrderByItem[],
    written: readonly WrittenTarget[],
    binder: ExpressionBinder,
    errors: ErrorLocator,
    distinct: boolean,
  ): Sorter {
    if (orderBy.length > sortKeysMax) throw errors.at(orderBy[sortKeysMax]!.expression.location, '54000', `ORDER BY takes at most ${sortKeysMax} items`);
    const keys = orderBy.map((item): SortKey => {
      const descending = item.direction === 'desc';
      const nullsFirst = item.nulls === 'first';
      const output = outputPosition(item.expression, written, errors);
      if (output !== undefined) return { output, bound: undefined, descending, nullsFirst };
      if (distinct) throw errors.at(item.expression.location, '42P10', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list');
      const bound = binder.bind(item.expression);
      return { output: undefined, bound: bound.type === 'unknown' ? bound.resolve!('text') : bound, descending, nullsFirst };
    });
    return new Sorter(keys);
  }

  /** The sorting rowset, keeping LIMIT + OFFSET rows when there is a LIMIT (the limit's locals are set by now). */
  emitStart(b: ProgramBuilder, limit: RowLimit): void {
    this.sorterLocal = b.local('rowset');
    limit.emitKeep(b);
    const descendingMask = this.mask((key) => key.descending);
    const nullsFirstMask = this.mask((key) => key.nullsFirst);
    b.emit('rowset.new', this.keys.length, descendingMask, nullsFirstMask);
    b.comment('ORDER BY: the sorter');
    b.emit('local.set', this.sorterLocal);
  }

  /** One result row into the sorter: its sort keys, then its fields. `output` is the row's local when already built. */
  emitAdd(b: ProgramBuilder, targets: readonly BoundTarget[], output: number | undefined): void {
    const k = this.keys.length;
    const row = b.local('row');
    b.emit('local.get', this.sorterLocal);
    b.emit('row.new', k + targets.length);
    b.comment('sort keys, then the result row');
    targets.forEach(({ name, bound }, index) => {
      if (output === undefined) (bound.type === 'unknown' ? bound.resolve!('text') : bound).emit(b);
      else {
        b.emit('local.get', output);
        b.emit('row.get', index);
      }
      b.emit('row.set', k + index);
      b.comment(name);
    });
    b.emit('local.set', row);
    this.keys.forEach((key, index) => {
      b.emit('local.get', row);
      if (key.output !== undefined) {
        b.emit('local.get', row);
        b.emit('row.get', k + key.output);
      } else key.bound!.emit(b);
      b.emit('row.set', index);
      b.comment(`sort key ${index + 1}`);
      b.emit('drop');
    });
    b.emit('local.get', row);
    b.emit('rowset.add');
  }

  /** After every row was added: the rows in order, with OFFSET and LIMIT (LIMIT reached branches to `finished`). */
  emitOutput(b: ProgramBuilder, width: number, limit: RowLimit, finished: Label | undefined): void {
    const k = this.keys.length;
    const sorted = b.local('row');
    const done = b.block();
    const next = b.loop();
    b.comment('each row in ORDER BY order');
    b.emit('local.get', this.sorterLocal);
    b.emit('rowset.next');
    b.emit('i32.eqz');
    b.brIf(done);
    b.comment('no more rows');
    b.emit('local.get', this.sorterLocal);
    b.emit('rowset.row');
    b.emit('local.set', sorted);
    const skip = b.block();
    limit.emitOffsetSkip(b, skip);
    b.emit('row.new', width);
    b.comment('the result row, without its sort keys');
    for (let index = 0; index < width; index++) {
      b.emit('local.get', sorted);
      b.emit('row.get', k + index);
      b.emit('row.set', index);
    }
    b.emit('row.emit');
    limit.emitCountDown(b, finished);
    b.end(skip);
    b.br(next);
    b.end(next);
    b.end(done);
  }

  private mask(bit: (key: SortKey) => boolean): number {
    return this.keys.reduce((mask, key, index) => (bit(key) ? mask | (1 << index) : mask), 0) >>> 0;
  }
}

/** The select-list position an ORDER BY (or GROUP BY) item names: by number, by output name, or written alike. */
export function outputPosition(expression: ast.Expression, written: readonly WrittenTarget[], errors: ErrorLocator, clause = 'ORDER BY'): number | undefined {
  if (expression.kind === 'IntegerLiteral') {
    const position = expression.value;
    if (position < 1n || position > BigInt(written.length)) throw errors.at(expression.location, '42P10', `${clause} position ${position} is not in select list`);
    return Number(position) - 1;
  }
  if (expression.kind === 'ColumnReference' && expression.table === null && clause === 'ORDER BY') {
    const named = written.flatMap((target, index) => (target.name === expression.column ? [index] : []));
    if (named.length > 1) throw errors.at(expression.location, '42702', `ORDER BY "${expression.column}" is ambiguous`);
    if (named.length === 1) return named[0];
  }
  const key = structuralKey(expression);
  const alike = written.findIndex((target) => structuralKey(target.expression) === key);
  return alike < 0 ? undefined : alike;
}
