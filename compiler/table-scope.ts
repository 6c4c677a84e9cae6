/**
 * What the table statements share: the scope that resolves a column to a field
 * of the row being read (a `row` local, decoded from the word), assignment of a
 * value to a column's type, and the textual key of a row for listing comments.
 */
import { SqlError, SqlState } from '../common/sql-error.js';
import type * as ast from '../parser/ast.js';
import { canonicalText, escapeComponent, pointerOf } from '../store/key.js';
import { sqlTypeCodes, type SqlType } from '../vm/sql-values.js';
import type { TableDefinition } from './catalog-definition.js';
import type { QueueDefinition } from './queue-definition.js';
import { encodeRelation, type RelationDefinition } from './relation-definition.js';
import { catalogResource } from './catalog.js';
import type { BoundExpression, ExpressionScope } from './expressions.js';
import type { Label, ProgramBuilder } from './program-builder.js';
import { castExists, isNumeric, typeDisplayName, typeShortNames, type ErrorLocator } from './sql-types.js';

/**
 * The table's columns as fields of the row in local `rowLocal`. A qualified
 * reference must name the table (or its alias): 42P01 otherwise, as PostgreSQL's
 * "missing FROM-clause entry".
 */
export class TableRowScope implements ExpressionScope {
  constructor(
    readonly table: TableDefinition,
    /** The name the statement calls the table by: its alias, else its name. */
    readonly visibleName: string,
    private readonly rowLocal: number,
    private readonly errors: ErrorLocator,
  ) {}

  resolveColumn(reference: ast.ColumnReference): BoundExpression {
    if (reference.table !== null && reference.table !== this.visibleName) {
      throw this.errors.at(reference.location, '42P01', `missing FROM-clause entry for table "${reference.table}"`);
    }
    const index = this.columnIndex(reference.column);
    if (index < 0) {
      const name = reference.table === null ? reference.column : `${reference.table}.${reference.column}`;
      throw this.errors.at(reference.location, '42703', `column ${quoteName(name)} does not exist`);
    }
    return this.field(index, reference.location);
  }

  columnIndex(name: string): number {
    return this.table.columns.findIndex((column) => column.name === name);
  }

  field(index: number, location: number): BoundExpression {
    const column = this.table.columns[index]!;
    const rowLocal = this.rowLocal;
    return {
      type: column.type,
      location,
      emit(b) {
        b.emit('local.get', rowLocal);
        b.emit('row.get', index);
        b.comment(column.name);
      },
    };
  }

  /** True when a column reference names this table's column `index` (unqualified or qualified by the visible name). */
  refersTo(expression: ast.Expression, index: number): boolean {
    return (
      expression.kind === 'ColumnReference' &&
      (expression.table === null || expression.table === this.visibleName) &&
      expression.column === this.table.columns[index]!.name
    );
  }
}

/** As PostgreSQL words it: `column "x" does not exist`, but `column t.x does not exist` unquoted. */
function quoteName(name: string): string {
  return name.includes('.') ? name : `"${name}"`;
}

/**
 * A value assigned to a column (INSERT, UPDATE SET): an unknown takes the column's
 * type; numbers convert among themselves; anything converts to text; other types
 * are 42804 as in PostgreSQL. An int4 column is range-checked (22003) on every
 * write, because int4 and int8 share the VM's bigint.
 */
export function assignToColumn(bound: BoundExpression, column: { name: string; type: SqlType }, errors: ErrorLocator): BoundExpression {
  const target = column.type;
  const value = bound.type === 'unknown' ? bound.resolve!(target) : bound;
  const source = value.type as SqlType;
  const convertible = source === target || (isNumeric(source) && isNumeric(target)) || (target === 'text' && castExists(source, target));
  if (!convertible) {
    throw errors.at(bound.location, '42804', `column "${column.name}" is of type ${typeDisplayName(target)} but expression is of type ${typeDisplayName(source)}`, {
      hint: 'You will need to rewrite or cast the expression.',
    });
  }
  const needsCast = target === 'int4' || (source !== target && !(isNumeric(source) && target === 'int8' && source === 'int4'));
  if (!needsCast) return value;
  return {
    type: target,
    location: value.location,
    emit(b: ProgramBuilder) {
      value.emit(b);
      b.emit('sql.cast', sqlTypeCodes[target]);
      b.comment(`to ${typeShortNames[target]} for column ${column.name}`);
    },
  };
}

/** How a key value appears in a listing's textual key: a literal as its canonical text, `$n`, else `?`. */
export function keyTextOf(expression: ast.Expression | undefined): string {
  if (expression === undefined) return '?';
  switch (expression.kind) {
    case 'IntegerLiteral':
      return escapeComponent(expression.value.toString());
    case 'StringLiteral':
      return escapeComponent(canonicalText(expression.value));
    case 'BooleanLiteral':
      return String(expression.value);
    case 'Parameter':
      return `$${expression.index}`;
    default:
      return '?';
  }
}

/**
 * `account/table/rnd/primaryKey[/sortKey]` as a listing comment shows it, followed by the
 * pointer's first 8 bytes when the hash key is a literal (`hashLiteral`, its canonical text),
 * so a reader can find the word (`dmachine key` prints the whole pointer).
 */
export function textualKey(account: string, table: string, primaryKey: string, sortKey?: string, hashLiteral?: string): string {
  const parts = [escapeComponent(account), escapeComponent(table), 'rnd', primaryKey];
  if (sortKey !== undefined) parts.push(sortKey);
  const text = parts.join('/');
  if (hashLiteral === undefined) return text;
  try {
    const pointer = pointerOf({ account, resource: table, resourceType: 'rnd', primaryKey: hashLiteral });
    return `${text}  ptr ${pointer.subarray(0, 8).toString('hex')}…`;
  } catch {
    return text; // not a valid key (the run will say why)
  }
}

/** The canonical text of a key column's value written as a literal of the column's type; undefined otherwise. */
export function literalKeyText(expression: ast.Expression | undefined, type: SqlType): string | undefined {
  if (expression?.kind === 'IntegerLiteral' && (type === 'int4' || type === 'int8')) return expression.value.toString();
  if (expression?.kind === 'StringLiteral' && type === 'text') return canonicalText(expression.value);
  return undefined;
}

/** A key column's value in a statement: how to compute it, and how listings show it. */
export interface BoundKey {
  readonly bound: BoundExpression;
  readonly text: string;
  /** The canonical text when written as a literal (for the pointer in listings). */
  readonly literal?: string | undefined;
}

/**
 * Pushes the address of the row with these key values ([hash] or [hash, sort]);
 * a NULL key equals no row, so it branches to `noRow` instead.
 */
export function emitKeyAddress(b: ProgramBuilder, keys: readonly BoundKey[], table: TableDefinition, account: string, noRow: Label): void {
  const keyLocals = keys.map(() => b.local('sql'));
  keys.forEach(({ bound }, index) => {
    bound.emit(b);
    b.emit('local.tee', keyLocals[index]!);
    b.emit('sql.is_null');
    b.brIf(noRow);
    b.comment('a NULL key equals no row');
  });
  keyLocals.forEach((local) => b.emit('local.get', local));
  b.emit(keys.length === 1 ? 'ptr.make' : 'ptr.make_sorted', b.nameConstant(table.name), 0);
  b.comment(textualKey(account, table.name, keys[0]!.text, keys[1]?.text, keys[0]!.literal));
}

/**
 * The catalog check every table statement's program starts with (docs/compiler.md, "Catalog
 * checks in programs"): one COMPARE of the table's catalog word with the definition the
 * program was compiled against. A cached program thus notices DDL run by any gateway; the
 * session answers 55R01 by recompiling and running again.
 *
 *     const 't'  ptr.make dm_catalog rnd  const <definition bytes>  mem.compare  i32.eqz
 *     if  error.raise 55R01 "..."  end
 */
export function emitCatalogCheck(b: ProgramBuilder, relation: RelationDefinition, account: string): void {
  b.emit('const', b.sqlConstant(relation.name));
  b.emit('ptr.make', b.nameConstant(catalogResource), 0);
  b.comment(`${escapeComponent(account)}/${catalogResource}/rnd/${escapeComponent(relation.name)}`);
  b.emit('const', b.bytesConstant(encodeRelation(relation)));
  b.emit('mem.compare');
  b.comment(`COMPARE: is the ${relation.kind} still as compiled?`);
  b.emit('i32.eqz');
  const changed = b.ifThen();
  b.emit('error.raise', b.nameConstant(SqlState.catalogChanged), b.nameConstant(`${relation.kind} "${relation.name}" changed since this statement was compiled`));
  b.end(changed);
}

/** The table or 42P01 `relation "t" does not exist` at the name; a queue there is 42809. */
export function requireTable(relation: RelationDefinition | undefined, name: ast.TableName, errors: ErrorLocator): TableDefinition {
  if (relation === undefined) throw errors.at(name.location, '42P01', `relation "${name.name}" does not exist`);
  if (relation.kind !== 'table') throw errors.at(name.location, '42809', `"${name.name}" is a queue, not a table`, { hint: 'Queues take ENQUEUE, DEQUEUE, READ and ACK, and SELECT to peek.' });
  return relation;
}

/** The queue or 42P01 at the name; a table there is 42809. */
export function requireQueue(relation: RelationDefinition | undefined, name: ast.TableName, errors: ErrorLocator): QueueDefinition {
  if (relation === undefined) throw errors.at(name.location, '42P01', `queue "${name.name}" does not exist`);
  if (relation.kind !== 'queue') throw errors.at(name.location, '42809', `"${name.name}" is a table, not a queue`);
  return relation;
}

export function unsupported(errors: ErrorLocator, location: number, what: string): SqlError {
  return errors.at(location, '0A000', `${what} is not supported yet`);
}
