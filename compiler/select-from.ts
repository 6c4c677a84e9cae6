/**
 * SELECT ... FROM t [WHERE ...]: two templates, chosen by the WHERE's shape.
 *
 * Point read — the WHERE has `pk = <expr>` (and `sk = <expr>` when the table has
 * a sort key) among its top-level AND conjuncts, the expressions using no column:
 *
 *     block done
 *       <pk> local.tee k0  sql.is_null  br_if done     ; = NULL matches nothing
 *       [<sk> local.tee k1  sql.is_null  br_if done]
 *       local.get k0 [local.get k1]  ptr.make[_sorted] #t rnd   ; account/t/rnd/<pk>
 *       mem.load  local.tee word  bytes.is_null  br_if done     ; LOAD
 *       local.get word  row.decode n  local.set row
 *       [<other conjuncts>  sql.is_true  i32.eqz  br_if done]
 *       <projection>  row.emit
 *     end
 *
 * Anything else — a resource scan with the whole WHERE as the filter:
 *
 *     i32.const 0  mem.scan_resource #t rnd  local.set scan    ; account/t/rnd/*
 *     block done  loop next
 *       local.get scan  scan.next  i32.eqz  br_if done
 *       local.get scan  scan.value  row.decode n  local.set row
 *       block skip  [<WHERE>  sql.is_true  i32.eqz  br_if skip]  <projection>  row.emit  end
 *       br next
 *     end end
 */
import type * as ast from '../parser/ast.js';
import { descendantNodes } from '../parser/ast-children.js';
import type { TableDefinition } from './catalog-definition.js';
import { ExpressionBinder, ParameterTypes, type BoundExpression } from './expressions.js';
import type { CompiledTableStatement, TableCompileOptions } from './insert.js';
import { ProgramBuilder } from './program-builder.js';
import { bindTargets, emitProjection } from './projection.js';
import { fieldsOf, type CompiledField } from './select-without-from.js';
import { ErrorLocator, finalType, notBoolean, typeOids } from './sql-types.js';
import { emitKeyAddress, keyTextOf, textualKey, TableRowScope, unsupported, type BoundKey } from './table-scope.js';

const rowLocal = 0;

export function compileSelectFrom(statement: ast.SelectStatement, table: TableDefinition, options: TableCompileOptions): CompiledTableStatement {
  const errors = new ErrorLocator(options.sourceText);
  const from = statement.from!;
  checkSupported(statement, errors);
  const scope = new TableRowScope(table, from.alias ?? table.name, rowLocal, errors);
  const parameters = new ParameterTypes();
  const binder = new ExpressionBinder(scope, parameters, errors);

  const conjuncts = statement.where === null ? [] : statement.where.kind === 'LogicalExpression' && statement.where.operator === 'and' ? [...statement.where.operands] : [statement.where];
  const keys = findKeyConjuncts(conjuncts, table, scope);
  const targets = bindTargets(statement.items, scope, binder, errors);

  let pointKeys: BoundKey[] | undefined;
  let filterExpressions: readonly ast.Expression[] = statement.where === null ? [] : [statement.where];
  if (keys !== undefined) {
    const bound = keys.map(({ value, column }) => {
      const expression = binder.bind(value);
      const type = table.columns[column]!.type;
      return expression.type === 'unknown' ? expression.resolve!(type) : expression;
    });
    // Only a value of the key's own type makes its pointer (an int4 key takes any integer); else the scan compares.
    const usable = bound.every((expression, index) => {
      const type = table.columns[keys[index]!.column]!.type;
      return expression.type === type || (isIntegerType(type) && isIntegerType(expression.type));
    });
    if (usable) {
      pointKeys = bound.map((expression, index) => ({ bound: expression, text: keyTextOf(keys[index]!.value) }));
      filterExpressions = conjuncts.filter((conjunct) => !keys.some((key) => key.conjunct === conjunct));
    }
  }
  const filters = filterExpressions.map((expression) => {
    const bound = binder.bind(expression);
    if (bound.type === 'unknown') return bound.resolve!('boolean');
    if (bound.type !== 'boolean') throw notBoolean('WHERE', bound.type, bound.location, errors);
    return bound;
  });

  const fields = fieldsOf(targets);
  const parameterTypes = parameters.final();
  const b = new ProgramBuilder(parameterTypes.length);
  b.local('row');
  const resource = b.nameConstant(table.name);
  const emitFilter = (skip: ReturnType<ProgramBuilder['block']>): void => {
    filters.forEach((filter, index) => {
      filter.emit(b);
      b.emit('sql.is_true');
      b.emit('i32.eqz');
      b.brIf(skip);
      if (index === 0) b.comment('WHERE is not true: skip the row');
    });
  };

  if (pointKeys !== undefined) {
    const word = b.local('bytes');
    const done = b.block();
    b.comment('point read');
    emitKeyAddress(b, pointKeys, table, options.account, done);
    b.emit('mem.load');
    b.comment('LOAD');
    b.emit('local.tee', word);
    b.emit('bytes.is_null');
    b.brIf(done);
    b.comment('no such row');
    b.emit('local.get', word);
    b.emit('row.decode', table.columns.length);
    b.emit('local.set', rowLocal);
    emitFilter(done);
    emitProjection(b, targets, 'SELECT');
    b.end(done);
  } else {
    const scan = b.local('scan');
    b.emit('i32.const', 0);
    b.comment('no limit');
    b.emit('mem.scan_resource', resource, 0);
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
    b.emit('scan.value');
    b.emit('row.decode', table.columns.length);
    b.emit('local.set', rowLocal);
    const skip = b.block();
    emitFilter(skip);
    emitProjection(b, targets, 'SELECT');
    b.end(skip);
    b.br(next);
    b.end(next);
    b.end(done);
  }
  return { program: b.finish(), fields, parameterTypes, commandTag: 'SELECT' };
}

export const isIntegerType = (type: string): boolean => type === 'int4' || type === 'int8';

export interface KeyConjunct {
  readonly conjunct: ast.Expression;
  readonly column: number;
  readonly value: ast.Expression;
}

/** The `key = value` conjuncts for every key column (hash, then sort), or undefined if one is missing. */
export function findKeyConjuncts(conjuncts: readonly ast.Expression[], table: TableDefinition, scope: TableRowScope): KeyConjunct[] | undefined {
  const { hashColumn, sortColumn } = table.primaryKey;
  const keyColumns = sortColumn === undefined ? [hashColumn] : [hashColumn, sortColumn];
  const found: KeyConjunct[] = [];
  for (const column of keyColumns) {
    const match = conjuncts
      .map((conjunct): KeyConjunct | undefined => {
        if (conjunct.kind !== 'BinaryExpression' || conjunct.operator !== '=') return undefined;
        if (scope.refersTo(conjunct.left, column) && usesNoColumn(conjunct.right)) return { conjunct, column, value: conjunct.right };
        if (scope.refersTo(conjunct.right, column) && usesNoColumn(conjunct.left)) return { conjunct, column, value: conjunct.left };
        return undefined;
      })
      .find((candidate) => candidate !== undefined);
    if (match === undefined) return undefined;
    found.push(match);
  }
  return found;
}

function usesNoColumn(expression: ast.Expression): boolean {
  for (const node of descendantNodes(expression)) if (node.kind === 'ColumnReference') return false;
  return true;
}

function checkSupported(statement: ast.SelectStatement, errors: ErrorLocator): void {
  const at = statement.span.start;
  if (statement.distinct) throw unsupported(errors, at, 'SELECT DISTINCT');
  if (statement.groupBy.length > 0 || statement.having !== null) throw unsupported(errors, at, 'GROUP BY and HAVING');
  if (statement.orderBy.length > 0) throw unsupported(errors, at, 'ORDER BY');
  if (statement.limit !== null || statement.offset !== null) throw unsupported(errors, at, 'LIMIT and OFFSET');
}
