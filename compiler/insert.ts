/**
 * INSERT INTO t [(columns)] VALUES (...), ... [ON CONFLICT [(key)] DO NOTHING |
 * ON CONFLICT (key) DO UPDATE SET ... [WHERE ...]] [RETURNING ...].
 * Each VALUES row is its own COMPARE&SWAP from absent, so a multi-row INSERT is
 * atomic per row (docs/compiler.md). Per row it emits
 *
 *     row.new n   <value or DEFAULT or NULL> [sql.cast] row.set i ...   local.set row
 *     [local.get row  row.get i  sql.is_null  if  error.raise 23502  end]   ; NOT NULL columns
 *     local.get row  row.get hash [row.get sort]  ptr.make[_sorted] #t rnd  ; account/t/rnd/<key>
 *     bytes.null  local.get row  row.encode  mem.cas        ; COMPARE&SWAP from absent
 *     drop                                                  ; the current word is not needed
 *     i32.eqz  if  error.raise 23505  end                   ; DO NOTHING: if applied ... end
 *     [<RETURNING over the new row>  row.emit]
 *     i32.const 1  result.add_count
 *
 * DO UPDATE replaces the CAS and what follows it with emitUpsert (below).
 */
import type * as ast from '../parser/ast.js';
import type { TableDefinition } from './catalog-definition.js';
import { parseExpressionText } from './create-table.js';
import { emptyScope, ExpressionBinder, ParameterTypes, type BoundExpression, type ExpressionScope } from './expressions.js';
import { ProgramBuilder } from './program-builder.js';
import { emitNewGroupSet } from './select-grouping.js';
import { bindTargets, emitProjection, type BoundTarget } from './projection.js';
import { fieldsOf, type CompiledField } from './select-without-from.js';
import { ErrorLocator, finalType, notBoolean, typeOids } from './sql-types.js';
import { bindAssignments, emitConditionalChange, type Assignments } from './update-delete-loop.js';
import { assignToColumn, keyTextOf, literalKeyText, textualKey, TableRowScope, emitCatalogCheck, unsupported } from './table-scope.js';
import type { Program } from '../vm/program.js';
import type { SqlType } from '../vm/sql-values.js';

export interface CompiledTableStatement {
  readonly program: Program;
  readonly fields: readonly CompiledField[];
  readonly parameterTypes: readonly SqlType[];
  /** The tag's verb; the count comes from the run. */
  readonly commandTag: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ENQUEUE' | 'DEQUEUE' | 'READ' | 'ACK';
}

export interface TableCompileOptions {
  readonly sourceText: string;
  /** The session's account, for the textual keys in listing comments. */
  readonly account: string;
  /** Types of parameters declared by the protocol's Parse or by literal lifting (undefined: infer). */
  readonly declaredParameterTypes?: readonly (SqlType | undefined)[] | undefined;
}

/** Local 0 of every table program: the row being built or read (TableRowScope reads it). */
const rowLocal = 0;
/** Local 1: the existing row ON CONFLICT DO UPDATE reads. */
const existingRowLocal = 1;

export function compileInsert(statement: ast.InsertStatement, table: TableDefinition, options: TableCompileOptions): CompiledTableStatement {
  const errors = new ErrorLocator(options.sourceText);
  const onConflict = statement.onConflict;
  const parameters = new ParameterTypes(options.declaredParameterTypes);
  const valuesBinder = new ExpressionBinder(emptyScope(errors), parameters, errors);
  const scope = new TableRowScope(table, table.name, rowLocal, errors);

  // Without a column list, VALUES fill the table's columns in order and the rest take their defaults.
  const widest = Math.max(...statement.rows.map((items) => items.length));
  if (statement.columns === null && widest > table.columns.length) {
    const item = statement.rows.find((items) => items.length === widest)![table.columns.length]!;
    throw errors.at(item.location, '42601', 'INSERT has more expressions than target columns');
  }
  const targetColumns =
    statement.columns === null
      ? table.columns.slice(0, widest).map((_column, index) => index)
      : statement.columns.map((identifier) => {
          const index = scope.columnIndex(identifier.name);
          if (index < 0) throw errors.at(identifier.location, '42703', `column "${identifier.name}" of relation "${table.name}" does not exist`);
          return index;
        });
  const seen = new Set<number>();
  statement.columns?.forEach((identifier, position) => {
    const index = targetColumns[position]!;
    if (seen.has(index)) throw errors.at(identifier.location, '42701', `column "${identifier.name}" specified more than once`);
    seen.add(index);
  });

  const defaults = table.columns.map((column) => (column.defaultExpression === undefined ? undefined : parseExpressionText(column.defaultExpression)));
  const rows = statement.rows.map((items) => {
    if (items.length > targetColumns.length) throw errors.at(locationOf(items[targetColumns.length]!), '42601', 'INSERT has more expressions than target columns');
    if (items.length < targetColumns.length) throw errors.at(locationOf(items.at(-1) ?? statement.table), '42601', 'INSERT has more target columns than expressions');
    const written = new Map<number, ast.ValueItem>(items.map((item, position) => [targetColumns[position]!, item]));
    return table.columns.map((column, index) => {
      const item = written.get(index);
      const expression = item === undefined || item.kind === 'DefaultValue' ? defaults[index] : item;
      // A stored DEFAULT is bound against its own text, so its errors do not point into this statement.
      const binder = expression === defaults[index] && expression !== undefined ? new ExpressionBinder(emptyScope(new ErrorLocator(column.defaultExpression)), parameters, new ErrorLocator(column.defaultExpression)) : valuesBinder;
      const bound: BoundExpression | undefined = expression === undefined ? undefined : assignToColumn(binder.bind(expression), column, errors);
      return { bound, keyText: keyTextOf(expression), literal: literalKeyText(expression, column.type) };
    });
  });

  const doUpdate = onConflict !== null && onConflict.action.kind === 'ConflictDoUpdate' ? bindDoUpdate(onConflict, onConflict.action, table, parameters, errors) : undefined;
  const returning = statement.returning === null ? null : bindTargets(statement.returning, scope, new ExpressionBinder(scope, parameters, errors), errors);
  const fields = fieldsOf((returning ?? []));
  const parameterTypes = parameters.final();

  const b = new ProgramBuilder(parameterTypes.length);
  emitCatalogCheck(b, table, options.account);
  b.local('row');
  if (doUpdate !== undefined) b.local('row');
  const resource = b.nameConstant(table.name);
  const { hashColumn, sortColumn } = table.primaryKey;
  const upsertLocals = doUpdate === undefined ? undefined : { pointer: b.local('ptr'), old: b.local('bytes'), newRow: b.local('row') };
  const keysSeen = doUpdate !== undefined && rows.length > 1 ? emitNewGroupSet(b, 'the keys this INSERT touched') : undefined;
  rows.forEach((values, rowIndex) => {
    b.emit('row.new', table.columns.length);
    b.comment(`INSERT row ${rowIndex + 1}`);
    values.forEach(({ bound }, index) => {
      if (bound === undefined) return; // no value and no DEFAULT: the field stays NULL
      bound.emit(b);
      b.emit('row.set', index);
      b.comment(table.columns[index]!.name);
    });
    b.emit('local.set', rowLocal);
    table.columns.forEach((column, index) => {
      if (!column.notNull) return;
      b.emit('local.get', rowLocal);
      b.emit('row.get', index);
      b.emit('sql.is_null');
      const isNull = b.ifThen();
      b.comment(`${column.name} is NOT NULL`);
      b.emit('error.raise', b.nameConstant('23502'), b.nameConstant(`null value in column "${column.name}" of relation "${table.name}" violates not-null constraint`));
      b.end(isNull);
    });
    b.emit('local.get', rowLocal);
    b.emit('row.get', hashColumn);
    if (sortColumn !== undefined) {
      b.emit('local.get', rowLocal);
      b.emit('row.get', sortColumn);
    }
    b.emit(sortColumn === undefined ? 'ptr.make' : 'ptr.make_sorted', resource, 0);
    b.comment(textualKey(options.account, table.name, values[hashColumn]!.keyText, sortColumn === undefined ? undefined : values[sortColumn]!.keyText, values[hashColumn]!.literal));
    if (doUpdate !== undefined) {
      if (keysSeen !== undefined) emitOnceEachKey(b, table, keysSeen);
      emitUpsert(b, table, doUpdate, upsertLocals!, returning);
      return;
    }
    b.emit('bytes.null');
    b.comment('expected: no word');
    b.emit('local.get', rowLocal);
    b.emit('row.encode');
    b.emit('mem.cas');
    b.comment('COMPARE&SWAP from absent');
    b.emit('drop');
    b.comment('the current word is not needed');
    if (onConflict !== null) {
      const applied = b.ifThen();
      b.comment('ON CONFLICT DO NOTHING: only an inserted row counts');
      emitInserted(b, returning);
      b.end(applied);
    } else {
      b.emit('i32.eqz');
      const conflict = b.ifThen();
      b.comment('the key is taken');
      b.emit('error.raise', b.nameConstant('23505'), b.nameConstant(`duplicate key value violates unique constraint "${table.name}_pkey"`));
      b.end(conflict);
      emitInserted(b, returning);
    }
  });
  return { program: b.finish(), fields, parameterTypes, commandTag: 'INSERT' };
}

/**
 * A row whose key an earlier row of this DO UPDATE already touched is 21000, as in PostgreSQL: the
 * second change of one row within a statement would depend on the order of VALUES.
 */
function emitOnceEachKey(b: ProgramBuilder, table: TableDefinition, keysSeen: number): void {
  const keyColumns = [table.primaryKey.hashColumn, ...(table.primaryKey.sortColumn === undefined ? [] : [table.primaryKey.sortColumn])];
  b.emit('local.get', keysSeen);
  b.emit('row.new', keyColumns.length);
  keyColumns.forEach((column, index) => {
    b.emit('local.get', rowLocal);
    b.emit('row.get', column);
    b.emit('row.set', index);
  });
  b.emit('rowset.group', keyColumns.length);
  b.comment('1 when no earlier row had this key');
  b.emit('i32.eqz');
  const again = b.ifThen();
  b.emit('error.raise', b.nameConstant('21000'), b.nameConstant('ON CONFLICT DO UPDATE command cannot affect row a second time'));
  b.end(again);
  b.emit('drop');
}

interface DoUpdate {
  readonly assigned: Assignments;
  readonly filters: readonly BoundExpression[];
}

/**
 * ON CONFLICT (key columns) DO UPDATE SET ... [WHERE ...]: the SET values and the
 * WHERE see the existing row by the table's name and the proposed row as
 * `excluded`; an unqualified column would be either, so it is 42702 as in
 * PostgreSQL. The conflict target must be the primary key's columns (42P10).
 */
function bindDoUpdate(clause: ast.OnConflictClause, action: ast.ConflictDoUpdate, table: TableDefinition, parameters: ParameterTypes, errors: ErrorLocator): DoUpdate {
  if (clause.target === null) throw errors.at(clause.location, '42601', 'ON CONFLICT DO UPDATE requires inference specification or constraint name');
  const { hashColumn, sortColumn } = table.primaryKey;
  const keyNames = new Set([hashColumn, ...(sortColumn === undefined ? [] : [sortColumn])].map((index) => table.columns[index]!.name));
  const targetNames = new Set(clause.target.map((identifier) => identifier.name));
  for (const identifier of clause.target) {
    if (!table.columns.some((column) => column.name === identifier.name)) throw errors.at(identifier.location, '42703', `column "${identifier.name}" does not exist`);
  }
  if (targetNames.size !== keyNames.size || [...keyNames].some((name) => !targetNames.has(name))) {
    throw errors.at(clause.location, '42P10', 'there is no unique or exclusion constraint matching the ON CONFLICT specification');
  }
  const existing = new TableRowScope(table, table.name, existingRowLocal, errors);
  const excluded = new TableRowScope(table, 'excluded', rowLocal, errors);
  const scope: ExpressionScope = {
    resolveColumn(reference) {
      if (reference.table === 'excluded') return excluded.resolveColumn(reference);
      if (reference.table === null && existing.columnIndex(reference.column) >= 0) {
        throw errors.at(reference.location, '42702', `column reference "${reference.column}" is ambiguous`);
      }
      return existing.resolveColumn(reference);
    },
  };
  const binder = new ExpressionBinder(scope, parameters, errors);
  const assigned = bindAssignments(action.assignments, table, existing, binder, parameters, errors);
  const where = action.where;
  const filters =
    where === null
      ? []
      : [where].map((expression) => {
          const bound = binder.bind(expression);
          if (bound.type === 'unknown') return bound.resolve!('boolean');
          if (bound.type !== 'boolean') throw notBoolean('WHERE', bound.type, bound.location, errors);
          return bound;
        });
  return { assigned, filters };
}

/**
 * With the row's address on the stack: COMPARE&SWAP from absent; if a row is
 * there, the conditional-update loop on it (compiler/update-delete-loop.ts), and
 * if that row disappears before the update applies, the insert is tried again.
 * Both an inserted and an updated row count, as in PostgreSQL.
 *
 *     local.set ptr
 *     loop attempt
 *       local.get ptr  bytes.null  local.get row  row.encode  mem.cas  local.set old
 *       if                                  ; inserted
 *         [<RETURNING>]  i32.const 1  result.add_count
 *       else block skip
 *         <loop over old, existing row in its local; no row → attempt; WHERE not true → skip>
 *           [local.get new  local.set row  <RETURNING>]  i32.const 1  result.add_count
 *       end end
 *     end
 */
function emitUpsert(
  b: ProgramBuilder,
  table: TableDefinition,
  doUpdate: DoUpdate,
  locals: { pointer: number; old: number; newRow: number },
  returning: readonly BoundTarget[] | null,
): void {
  b.emit('local.set', locals.pointer);
  const attempt = b.loop();
  b.comment('until inserted, updated or the existing row does not qualify');
  b.emit('local.get', locals.pointer);
  b.emit('bytes.null');
  b.comment('expected: no word');
  b.emit('local.get', rowLocal);
  b.emit('row.encode');
  b.emit('mem.cas');
  b.comment('COMPARE&SWAP from absent');
  b.emit('local.set', locals.old);
  b.comment('the existing row, when not applied');
  const applied = b.ifThen();
  b.comment('inserted');
  emitInserted(b, returning);
  b.otherwise(applied);
  const skip = b.block();
  b.comment('ON CONFLICT DO UPDATE on the existing row');
  emitConditionalChange(b, {
    table,
    rowLocal: existingRowLocal,
    pointer: locals.pointer,
    old: locals.old,
    newRow: locals.newRow,
    filters: doUpdate.filters,
    assigned: doUpdate.assigned,
    noRow: attempt,
    notQualified: skip,
    afterApplied: () => {
      if (returning !== null) {
        b.emit('local.get', locals.newRow);
        b.emit('local.set', rowLocal);
        b.comment('RETURNING sees the updated row');
      }
      emitInserted(b, returning);
    },
  });
  b.end(skip);
  b.end(applied);
  b.end(attempt);
}

function emitInserted(b: ProgramBuilder, returning: readonly BoundTarget[] | null): void {
  if (returning !== null) emitProjection(b, returning, 'RETURNING');
  b.emit('i32.const', 1);
  b.emit('result.add_count');
}

function locationOf(node: ast.ValueItem | ast.TableName): number {
  return node.location;
}
