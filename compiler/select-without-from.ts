/**
 * SELECT without FROM (`SELECT 1 + $1, version()`): the first statement
 * template, and the shape every other compiler's result follows
 * (CompiledStatement). It emits
 *
 *     [block; <WHERE>; sql.is_true; i32.eqz; br_if done]    ; only with WHERE
 *     row.new n
 *     <column 1>  row.set 0   ...   <column n>  row.set n-1
 *     row.emit
 *     [end]
 *
 * so it returns one row (none when a WHERE is not true), and touches no memory.
 */
import { SqlError } from '../common/sql-error.js';
import type * as ast from '../parser/ast.js';
import type { Program } from '../vm/program.js';
import type { SqlType } from '../vm/sql-values.js';
import { emptyScope, ExpressionBinder, ParameterTypes, type BoundExpression } from './expressions.js';
import { ProgramBuilder } from './program-builder.js';
import { findAggregate } from './select-grouping.js';
import { ErrorLocator, finalType, notBoolean, typeOids, typeShortNames } from './sql-types.js';

/** One column of a statement's result, as RowDescription describes it. */
export interface CompiledField {
  readonly name: string;
  readonly typeOid: number;
  readonly type: SqlType;
}

/** The result's fields, read once every expression is bound (a later one can type a parameter an earlier one used). */
export function fieldsOf(columns: readonly { readonly name: string; readonly bound: BoundExpression }[]): CompiledField[] {
  return columns.map(({ name, bound }) => {
    const type = finalType(bound.type);
    return { name, type, typeOid: typeOids[type] };
  });
}

/** What every statement compiler returns: the program, its result's shape, its parameters' types and the command tag. */
export interface CompiledStatement {
  readonly program: Program;
  readonly fields: readonly CompiledField[];
  /** Types of $1..$n, in order: declared, inferred from context, else text. */
  readonly parameterTypes: readonly SqlType[];
  readonly commandTag: 'SELECT';
}

export interface CompileOptions {
  /** The whole text given to the parser, so error positions count characters as PostgreSQL does. */
  readonly sourceText?: string;
  /** Parameter types declared by the protocol's Parse (undefined: infer). */
  readonly declaredParameterTypes?: readonly (SqlType | undefined)[];
}

export function compileSelectWithoutFrom(statement: ast.SelectStatement, options: CompileOptions = {}): CompiledStatement {
  if (statement.from !== null) throw new SqlError('XX000', 'compileSelectWithoutFrom was given a SELECT with FROM');
  const errors = new ErrorLocator(options.sourceText);
  const unsupported = unsupportedClause(statement);
  if (unsupported !== undefined) throw errors.at(statement.span.start, '0A000', `${unsupported} is not supported yet`);
  const parameters = new ParameterTypes(options.declaredParameterTypes);
  const binder = new ExpressionBinder(emptyScope(errors), parameters, errors);

  const columns = statement.items.map((item) => {
    if (item.kind === 'AllColumns') throw errors.at(item.location, '42601', 'SELECT * with no tables specified is not valid');
    return { name: item.alias ?? columnName(item.expression), bound: binder.bind(item.expression) };
  });
  const where: BoundExpression | null = statement.where === null ? null : binder.bind(statement.where);
  if (where !== null && where.type !== 'boolean') {
    if (where.type === 'unknown') {
      // PostgreSQL reads WHERE 'true' as a boolean literal; resolve does it here (22P02 on other text).
      return compileWith(columns, where.resolve!('boolean'), parameters);
    }
    throw notBoolean('WHERE', where.type, where.location, errors);
  }
  return compileWith(columns, where, parameters);
}

function compileWith(columns: readonly { name: string; bound: BoundExpression }[], where: BoundExpression | null, parameters: ParameterTypes): CompiledStatement {
  // Types are read only now: a later column can type a parameter an earlier one used ($1, $1 + 1).
  const fields = fieldsOf(columns);
  const parameterTypes = parameters.final();

  const b = new ProgramBuilder(parameterTypes.length);
  const done = where === null ? undefined : b.block();
  if (done !== undefined) {
    b.comment('SELECT without FROM: one row if WHERE is true');
    where!.emit(b);
    b.emit('sql.is_true');
    b.emit('i32.eqz');
    b.brIf(done);
    b.comment('WHERE is not true: no row');
  }
  b.emit('row.new', columns.length);
  if (done === undefined) b.comment('SELECT without FROM: compute each column, emit one row');
  columns.forEach(({ name, bound }, index) => {
    bound.emit(b);
    b.emit('row.set', index);
    b.comment(name);
  });
  b.emit('row.emit');
  if (done !== undefined) b.end(done);
  return { program: b.finish(), fields, parameterTypes, commandTag: 'SELECT' };
}

function unsupportedClause(statement: ast.SelectStatement): string | undefined {
  if (statement.distinct) return 'SELECT DISTINCT without FROM';
  if (statement.groupBy.length > 0 || statement.having !== null) return 'GROUP BY and HAVING without FROM';
  if (statement.orderBy.length > 0) return 'ORDER BY without FROM';
  if (statement.limit !== null || statement.offset !== null) return 'LIMIT and OFFSET without FROM';
  if (findAggregate(statement.items.map((item) => (item.kind === 'AllColumns' ? null : item.expression))) !== undefined) return 'an aggregate without FROM';
  return undefined;
}

/**
 * The name PostgreSQL gives an unaliased column (FigureColname): a column's
 * or function's name; for a cast the operand's name if it is one of those,
 * else the type's (`1::int` → int4, `1::int::boolean` → bool); `case` for
 * CASE; `bool` for TRUE and FALSE (which PostgreSQL parses as casts);
 * `?column?` for everything else.
 */
export function columnName(expression: ast.Expression): string {
  return figureName(expression)?.name ?? '?column?';
}

/** A name with PostgreSQL's strength: 2 (a column or function) beats 1 (a type or CASE) when a cast wraps it. */
function figureName(expression: ast.Expression): { name: string; strength: 1 | 2 } | undefined {
  switch (expression.kind) {
    case 'ColumnReference':
      return { name: expression.column, strength: 2 };
    case 'FunctionCall':
    case 'SqlValueFunction':
      return { name: expression.name, strength: 2 };
    case 'CastExpression': {
      const operand = figureName(expression.operand);
      return operand?.strength === 2 ? operand : { name: expression.type.name, strength: 1 };
    }
    case 'CaseExpression':
      return { name: 'case', strength: 1 };
    case 'BooleanLiteral':
      return { name: typeShortNames.boolean, strength: 1 };
    default:
      return undefined;
  }
}
