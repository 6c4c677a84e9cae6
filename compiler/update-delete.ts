/**
 * UPDATE and DELETE: the lock-free conditional-update loop of
 * vm/programs/conditional-update.dmasm (compiler/update-delete-loop.ts). The WHERE
 * is checked against the word that was read, and the COMPARE&SWAP replaces exactly
 * that word; if another statement changed it in between, the loop checks the
 * current word again.
 *
 * By the full primary key:
 *
 *     block done
 *       <keys> (NULL: done)  ptr.make[_sorted] #t rnd  local.set ptr   ; account/t/rnd/<key>
 *       local.get ptr  mem.load  local.set old                         ; LOAD
 *       <loop: no row / WHERE not true → done>
 *     end
 *
 * By any other WHERE — a resource scan running the loop on each word, starting
 * from the scanned value (no LOAD), with the whole WHERE re-checked against the
 * current value after a lost race, so a row that stopped qualifying is skipped:
 *
 *     i32.const 0  mem.scan_resource #t rnd  local.set scan          ; account/t/rnd/*
 *     block done  loop next
 *       local.get scan  scan.next  i32.eqz  br_if done
 *       local.get scan  scan.ptr  local.set ptr
 *       local.get scan  scan.value  local.set old
 *       block skip  <loop: no row / WHERE not true → skip>  end
 *       br next
 *     end end
 *
 * where <loop> applies the change and then
 *
 *     [UPDATE: local.get new  local.set row]  [<RETURNING>  row.emit]
 *     i32.const 1  result.add_count
 *
 * Atomicity is per row: each word changes by its own COMPARE&SWAP, so a concurrent
 * statement may see some rows of a scan UPDATE changed and others not yet, and
 * a row inserted behind the scan's position is not visited. No change is lost.
 */
import type * as ast from '../parser/ast.js';
import type { TableDefinition } from './catalog-definition.js';
import { ExpressionBinder, ParameterTypes } from './expressions.js';
import type { CompiledTableStatement, TableCompileOptions } from './insert.js';
import { ProgramBuilder } from './program-builder.js';
import { bindTargets, emitProjection } from './projection.js';
import { fieldsOf } from './select-without-from.js';
import { bindAssignments, emitConditionalChange } from './update-delete-loop.js';
import { findKeyConjuncts, isIntegerType } from './select-from.js';
import { ErrorLocator, notBoolean } from './sql-types.js';
import { emitKeyAddress, keyTextOf, literalKeyText, TableRowScope, textualKey, emitCatalogCheck, type BoundKey } from './table-scope.js';

const rowLocal = 0;

export function compileUpdateOrDelete(statement: ast.UpdateStatement | ast.DeleteStatement, table: TableDefinition, options: TableCompileOptions): CompiledTableStatement {
  const errors = new ErrorLocator(options.sourceText);
  const verb = statement.kind === 'UpdateStatement' ? 'UPDATE' : 'DELETE';
  const scope = new TableRowScope(table, statement.table.alias ?? table.name, rowLocal, errors);
  const parameters = new ParameterTypes(options.declaredParameterTypes);
  const binder = new ExpressionBinder(scope, parameters, errors);

  const where = statement.where;
  const conjuncts = where === null ? [] : where.kind === 'LogicalExpression' && where.operator === 'and' ? [...where.operands] : [where];
  const keys = findKeyConjuncts(conjuncts, table, scope);
  const keyValues = keys?.map(({ value, column }) => {
    const bound = binder.bind(value);
    const type = table.columns[column]!.type;
    const typed = bound.type === 'unknown' ? bound.resolve!(type) : bound;
    return typed.type === type || (isIntegerType(type) && isIntegerType(typed.type)) ? { bound: typed, text: keyTextOf(value), literal: literalKeyText(value, type) } : undefined;
  });
  // Only key values of the key's own type make its pointer; anything else scans and compares.
  const byKey = keyValues !== undefined && keyValues.every((key) => key !== undefined) ? (keyValues as BoundKey[]) : undefined;
  const filters = conjuncts
    .filter((conjunct) => byKey === undefined || !keys!.some((key) => key.conjunct === conjunct))
    .map((expression) => {
      const bound = binder.bind(expression);
      if (bound.type === 'unknown') return bound.resolve!('boolean');
      if (bound.type !== 'boolean') throw notBoolean('WHERE', bound.type, bound.location, errors);
      return bound;
    });

  const assigned = statement.kind === 'UpdateStatement' ? bindAssignments(statement.assignments, table, scope, binder, parameters, errors) : null;
  const returning = statement.returning === null ? null : bindTargets(statement.returning, scope, binder, errors);
  const fields = fieldsOf((returning ?? []));
  const parameterTypes = parameters.final();

  const b = new ProgramBuilder(parameterTypes.length);
  emitCatalogCheck(b, table, options.account);
  b.local('row');
  const pointer = b.local('ptr');
  const old = b.local('bytes');
  const newRow = b.local('row');
  const afterApplied = (): void => {
    if (assigned !== null && returning !== null) {
      b.emit('local.get', newRow);
      b.emit('local.set', rowLocal);
      b.comment('RETURNING sees the new row');
    }
    if (returning !== null) emitProjection(b, returning, 'RETURNING');
    b.emit('i32.const', 1);
    b.emit('result.add_count');
  };
  const change = { table, rowLocal, pointer, old, newRow, filters, assigned, afterApplied };
  if (byKey !== undefined) {
    const done = b.block();
    b.comment(`${verb} by key`);
    emitKeyAddress(b, byKey, table, options.account, done);
    b.emit('local.set', pointer);
    b.emit('local.get', pointer);
    b.emit('mem.load');
    b.comment('LOAD');
    b.emit('local.set', old);
    emitConditionalChange(b, { ...change, noRow: done, notQualified: done });
    b.end(done);
  } else {
    const scan = b.local('scan');
    b.emit('i32.const', 0);
    b.comment(`${verb} by scan: no limit`);
    b.emit('mem.scan_resource', b.nameConstant(table.name), 0);
    b.comment(`SCAN ${textualKey(options.account, table.name, '*')}`);
    b.emit('local.set', scan);
    const done = b.block();
    const next = b.loop();
    b.comment('each word of the table');
    b.emit('local.get', scan);
    b.emit('scan.next');
    b.emit('i32.eqz');
    b.brIf(done);
    b.comment('the scan is done');
    b.emit('local.get', scan);
    b.emit('scan.ptr');
    b.emit('local.set', pointer);
    b.emit('local.get', scan);
    b.emit('scan.value');
    b.emit('local.set', old);
    b.comment('the scanned value: the loop starts from it, no LOAD');
    const skip = b.block();
    emitConditionalChange(b, { ...change, noRow: skip, notQualified: skip });
    b.end(skip);
    b.br(next);
    b.end(next);
    b.end(done);
  }
  return { program: b.finish(), fields, parameterTypes, commandTag: verb };
}
