/**
 * UPDATE and DELETE of the row named by its full primary key: the lock-free
 * conditional-update loop of vm/programs/conditional-update.dmasm. The WHERE is
 * checked against the word that was loaded, and the COMPARE&SWAP replaces exactly
 * that word; if another statement changed it in between, the loop checks the
 * current word again.
 *
 *     block done
 *       <keys> (NULL: done)  ptr.make[_sorted] #t rnd  local.set ptr   ; account/t/rnd/<key>
 *       local.get ptr  mem.load  local.set old                         ; LOAD
 *       loop retry
 *         local.get old  bytes.is_null  br_if done                     ; no row
 *         local.get old  row.decode n  local.set row
 *         [<other conjuncts>  sql.is_true  i32.eqz  br_if done]
 *         UPDATE: row.new n  <SET value or old field> row.set i ...  local.set new  [NOT NULL checks]
 *                 local.get ptr  local.get old  local.get new  row.encode  mem.cas
 *         DELETE: local.get ptr  local.get old  bytes.null  mem.cas
 *         local.set old  i32.eqz  br_if retry                          ; changed under us: again
 *         [UPDATE: local.get new  local.set row]  [<RETURNING>  row.emit]
 *         i32.const 1  result.add_count
 *       end
 *     end
 *
 * Anything but the full key in WHERE (a scan running this loop per word) is not
 * built yet: 0A000.
 */
import type * as ast from '../parser/ast.js';
import type { TableDefinition } from './catalog-definition.js';
import { parseExpressionText } from './create-table.js';
import { emptyScope, ExpressionBinder, ParameterTypes, type BoundExpression } from './expressions.js';
import type { CompiledTableStatement, TableCompileOptions } from './insert.js';
import { ProgramBuilder } from './program-builder.js';
import { bindTargets, emitProjection } from './projection.js';
import { fieldsOf, type CompiledField } from './select-without-from.js';
import { findKeyConjuncts, isIntegerType } from './select-from.js';
import { ErrorLocator, finalType, notBoolean, typeOids } from './sql-types.js';
import { assignToColumn, emitKeyAddress, keyTextOf, TableRowScope, unsupported } from './table-scope.js';

const rowLocal = 0;

export function compileUpdateOrDelete(statement: ast.UpdateStatement | ast.DeleteStatement, table: TableDefinition, options: TableCompileOptions): CompiledTableStatement {
  const errors = new ErrorLocator(options.sourceText);
  const verb = statement.kind === 'UpdateStatement' ? 'UPDATE' : 'DELETE';
  const scope = new TableRowScope(table, statement.table.alias ?? table.name, rowLocal, errors);
  const parameters = new ParameterTypes();
  const binder = new ExpressionBinder(scope, parameters, errors);

  const where = statement.where;
  const conjuncts = where === null ? [] : where.kind === 'LogicalExpression' && where.operator === 'and' ? [...where.operands] : [where];
  const keys = findKeyConjuncts(conjuncts, table, scope);
  const notByKey = unsupported(errors, statement.span.start, `${verb} without the whole primary key as = conditions in WHERE`);
  if (keys === undefined) throw notByKey;
  const keyValues = keys.map(({ value, column }) => {
    const bound = binder.bind(value);
    const type = table.columns[column]!.type;
    const typed = bound.type === 'unknown' ? bound.resolve!(type) : bound;
    if (!(typed.type === type || (isIntegerType(type) && isIntegerType(typed.type)))) throw notByKey;
    return { bound: typed, text: keyTextOf(value) };
  });
  const filters = conjuncts
    .filter((conjunct) => !keys.some((key) => key.conjunct === conjunct))
    .map((expression) => {
      const bound = binder.bind(expression);
      if (bound.type === 'unknown') return bound.resolve!('boolean');
      if (bound.type !== 'boolean') throw notBoolean('WHERE', bound.type, bound.location, errors);
      return bound;
    });

  const assigned = new Map<number, BoundExpression | null>();
  if (statement.kind === 'UpdateStatement') {
    const { hashColumn, sortColumn } = table.primaryKey;
    for (const assignment of statement.assignments) {
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
  }
  const returning = statement.returning === null ? null : bindTargets(statement.returning, scope, binder, errors);
  const fields = fieldsOf((returning ?? []));
  const parameterTypes = parameters.final();

  const b = new ProgramBuilder(parameterTypes.length);
  b.local('row');
  const pointer = b.local('ptr');
  const old = b.local('bytes');
  const newRow = b.local('row');
  const done = b.block();
  b.comment(`${verb} by key`);
  emitKeyAddress(b, keyValues, table, options.account, done);
  b.emit('local.set', pointer);
  b.emit('local.get', pointer);
  b.emit('mem.load');
  b.comment('LOAD');
  b.emit('local.set', old);
  const retry = b.loop();
  b.comment('until the COMPARE&SWAP applies or the row no longer qualifies');
  b.emit('local.get', old);
  b.emit('bytes.is_null');
  b.brIf(done);
  b.comment('no such row');
  b.emit('local.get', old);
  b.emit('row.decode', table.columns.length);
  b.emit('local.set', rowLocal);
  filters.forEach((filter, index) => {
    filter.emit(b);
    b.emit('sql.is_true');
    b.emit('i32.eqz');
    b.brIf(done);
    if (index === 0) b.comment('WHERE is not true: nothing to change');
  });
  b.emit('local.get', pointer);
  b.emit('local.get', old);
  b.comment('expected: the word that was checked');
  if (statement.kind === 'UpdateStatement') {
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
  if (statement.kind === 'UpdateStatement' && returning !== null) {
    b.emit('local.get', newRow);
    b.emit('local.set', rowLocal);
    b.comment('RETURNING sees the new row');
  }
  if (returning !== null) emitProjection(b, returning, 'RETURNING');
  b.emit('i32.const', 1);
  b.emit('result.add_count');
  b.end(retry);
  b.end(done);
  return { program: b.finish(), fields, parameterTypes, commandTag: verb };
}
