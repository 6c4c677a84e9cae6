/**
 * Select lists and RETURNING over one table's row: `*` (or `t.*`) expands to
 * every column in table order; other items are bound in the row's scope.
 */
import type * as ast from '../parser/ast.js';
import type { BoundExpression, ExpressionBinder } from './expressions.js';
import type { ProgramBuilder } from './program-builder.js';
import { columnName } from './select-without-from.js';
import type { ErrorLocator } from './sql-types.js';
import type { TableRowScope } from './table-scope.js';

export interface BoundTarget {
  readonly name: string;
  readonly bound: BoundExpression;
}

export function bindTargets(targets: readonly ast.SelectTarget[], scope: TableRowScope, binder: ExpressionBinder, errors: ErrorLocator): BoundTarget[] {
  return writtenTargets(targets, scope, errors).map(({ name, expression }) => ({ name, bound: binder.bind(expression) }));
}

/** A select-list item as written, for matching GROUP BY and ORDER BY items with it. */
export interface WrittenTarget {
  readonly name: string;
  readonly expression: ast.Expression;
}

/** The select list as written, `*` (or `t.*`, checked against the visible name) expanded to column references. */
export function writtenTargets(targets: readonly ast.SelectTarget[], scope: TableRowScope, errors: ErrorLocator): WrittenTarget[] {
  return targets.flatMap((target): WrittenTarget[] => {
    if (target.kind !== 'AllColumns') return [{ name: target.alias ?? columnName(target.expression), expression: target.expression }];
    if (target.table !== null && target.table !== scope.visibleName) {
      throw errors.at(target.location, '42P01', `missing FROM-clause entry for table "${target.table}"`);
    }
    return scope.table.columns.map((column) => ({
      name: column.name,
      expression: { kind: 'ColumnReference', table: null, column: column.name, location: target.location } satisfies ast.ColumnReference,
    }));
  });
}

/** row.new n, each target into its field, row.emit. */
export function emitProjection(b: ProgramBuilder, targets: readonly BoundTarget[], what: string): void {
  emitResultRow(b, targets, what);
  b.emit('row.emit');
}

/** row.new n and each target into its field, leaving the row on the stack. */
export function emitResultRow(b: ProgramBuilder, targets: readonly BoundTarget[], what: string): void {
  b.emit('row.new', targets.length);
  b.comment(what);
  targets.forEach(({ name, bound }, index) => {
    (bound.type === 'unknown' ? bound.resolve!('text') : bound).emit(b);
    b.emit('row.set', index);
    b.comment(name);
  });
}
