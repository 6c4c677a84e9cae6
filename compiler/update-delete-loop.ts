/**
 * The conditional-update loop shared by UPDATE / DELETE (by key and by scan) and
 * INSERT ... ON CONFLICT DO UPDATE (vm/programs/conditional-update.dmasm): given
 * the word's address and the value last seen there, check the WHERE against that
 * value, compute the new row (or null for DELETE), COMPARE&SWAP against exactly
 * that value, and on a lost race start over from the current value the CAS
 * returned. No LOAD inside the loop: the CAS hands back what it found.
 *
 *     loop retry
 *       local.get old  bytes.is_null  br_if noRow                      ; no row (any more)
 *       local.get old  row.decode n  local.set row
 *       [<conjuncts>  sql.is_true  i32.eqz  br_if notQualified]
 *       local.get ptr  local.get old
 *       UPDATE: row.new n  <SET value or old field> row.set i ...  local.tee new  [NOT NULL checks]  row.encode
 *       DELETE: bytes.null
 *       mem.cas  local.set old  i32.eqz  br_if retry                  ; changed under us: again
 *       <afterApplied>
 *     end
 *
 * Each word is changed atomically on its own (one COMPARE&SWAP); a statement over
 * several words is atomic per row, not as a whole.
 */
import type * as ast from '../parser/ast.js';
import type { TableDefinition } from './catalog-definition.js';
import { parseExpressionText } from './create-table.js';
import { emptyScope, ExpressionBinder, type BoundExpression, type ParameterTypes } from './expressions.js';
import type { Label, ProgramBuilder } from './program-builder.js';
import { ErrorLocator } from './sql-types.js';
import { assignToColumn, unsupported, type TableRowScope } from './table-scope.js';

/** Column index → its new value; null is DEFAULT without a default (NULL). */
export type Assignments = Map<number, BoundExpression | null>;

/** Binds SET col = value, ... against `binder` (42703, 42601 twice, 0A000 for a key column). */
export function bindAssignments(
  assignments: readonly ast.Assignment[],
  table: TableDefinition,
  scope: TableRowScope,
  binder: ExpressionBinder,
  parameters: ParameterTypes,
  errors: ErrorLocator,
): Assignments {
  const assigned: Assignments = new Map();
  const { hashColumn, sortColumn } = table.primaryKey;
  for (const assignment of assignments) {
    const name = assignment.column.name;
    const index = scope.columnIndex(name);
    if (index < 0) throw errors.at(assignment.column.location, '42703', `column "${name}" of relation "${table.name}" does not exist`);
    if (assigned.has(index)) throw errors.at(assignment.column.location, '42601', `multiple assignments to same column "${name}"`);
    if (index === hashColumn || index === sortColumn) throw unsupported(errors, assignment.column.location, 'updating a primary-key column');
    const column = table.columns[index]!;
    if (assignment.value.kind === 'DefaultValue') {
      const text = column.defaultExpression;
      const expression = text === undefined ? undefined : parseExpressionText(text);
      const defaultErrors = new ErrorLocator(text);
      assigned.set(index, expression === undefined ? null : assignToColumn(new ExpressionBinder(emptyScope(defaultErrors), parameters, defaultErrors).bind(expression), column, errors));
    } else {
      assigned.set(index, assignToColumn(binder.bind(assignment.value), column, errors));
    }
  }
  return assigned;
}

export interface ConditionalChange {
  readonly table: TableDefinition;
  /** The local the checked row is decoded into (the scope of filters and assignments). */
  readonly rowLocal: number;
  readonly pointer: number;
  /** Holds the value last seen at the pointer; the loop updates it. */
  readonly old: number;
  /** Receives the new row (UPDATE). */
  readonly newRow: number;
  readonly filters: readonly BoundExpression[];
  /** null: DELETE. */
  readonly assigned: Assignments | null;
  /** Where to go when the word is absent (or was deleted under us). */
  readonly noRow: Label;
  /** Where to go when the WHERE is not true for the current value. */
  readonly notQualified: Label;
  /** Emitted once the COMPARE&SWAP applied (RETURNING, counting). */
  readonly afterApplied: () => void;
}

export function emitConditionalChange(b: ProgramBuilder, change: ConditionalChange): void {
  const { table, rowLocal, pointer, old, newRow, filters, assigned } = change;
  const retry = b.loop();
  b.comment('until the COMPARE&SWAP applies or the row no longer qualifies');
  b.emit('local.get', old);
  b.emit('bytes.is_null');
  b.brIf(change.noRow);
  b.comment('no such row');
  b.emit('local.get', old);
  b.emit('row.decode', table.columns.length);
  b.emit('local.set', rowLocal);
  filters.forEach((filter, index) => {
    filter.emit(b);
    b.emit('sql.is_true');
    b.emit('i32.eqz');
    b.brIf(change.notQualified);
    if (index === 0) b.comment('WHERE is not true: nothing to change');
  });
  b.emit('local.get', pointer);
  b.emit('local.get', old);
  b.comment('expected: the word that was checked');
  if (assigned !== null) {
    b.emit('row.new', table.columns.length);
    b.comment('the new row');
    table.columns.forEach((column, index) => {
      const value = assigned.get(index);
      if (value === undefined) {
        b.emit('local.get', rowLocal);
        b.emit('row.get', index);
      } else if (value === null) b.emit('sql.null');
      else value.emit(b);
      b.emit('row.set', index);
      b.comment(value === undefined ? `${column.name} unchanged` : `${column.name} :=`);
    });
    b.emit('local.tee', newRow);
    table.columns.forEach((column, index) => {
      if (!column.notNull || !assigned.has(index)) return;
      b.emit('local.get', newRow);
      b.emit('row.get', index);
      b.emit('sql.is_null');
      const isNull = b.ifThen();
      b.comment(`${column.name} is NOT NULL`);
      b.emit('error.raise', b.nameConstant('23502'), b.nameConstant(`null value in column "${column.name}" of relation "${table.name}" violates not-null constraint`));
      b.end(isNull);
    });
    b.emit('row.encode');
  } else {
    b.emit('bytes.null');
    b.comment('delete');
  }
  b.emit('mem.cas');
  b.comment('COMPARE&SWAP [applied current]');
  b.emit('local.set', old);
  b.emit('i32.eqz');
  b.brIf(retry);
  b.comment('the word changed under us: check it again');
  change.afterApplied();
  b.end(retry);
}
