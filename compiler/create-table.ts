/**
 * CREATE TABLE's AST as the catalog's TableSpec: column types resolved, the
 * primary key found (inline or table-level), DEFAULT kept as its source text
 * (docs/catalog.md: the compiler parses it where it is used).
 *
 * dmachine needs a primary key on every table: the first key column is hashed
 * into the row's pointer and the second, if any, is its sort key (DESIGN §1), so
 * a table without one has nowhere to put its rows (42P16), and a third key
 * column has no place in the pointer (0A000).
 */
import { SqlError } from '../common/sql-error.js';
import type * as ast from '../parser/ast.js';
import { descendantNodes } from '../parser/ast-children.js';
import { parseStatement } from '../parser/parse.js';
import type { ColumnDefinition, TableSpec } from './catalog-definition.js';
import { ErrorLocator, resolveTypeName } from './sql-types.js';

/** Key columns a pointer has room for: the hashed one and the sort key. */
export const primaryKeyColumnsMax = 2;

export function tableSpecOf(statement: ast.CreateTableStatement, sourceText: string): TableSpec {
  const errors = new ErrorLocator(sourceText);
  const name = statement.table.name;
  if (statement.table.schema !== null && statement.table.schema !== 'public') {
    throw errors.at(statement.table.location, '3F000', `schema "${statement.table.schema}" does not exist`);
  }
  const columns: ColumnDefinition[] = statement.columns.map((column) => {
    const type = resolveTypeName(column.type, errors);
    const defaultExpression = column.default === null ? undefined : expressionSourceText(column.default, sourceText);
    return { name: column.name, type, notNull: column.nullability === 'notNull', ...(defaultExpression === undefined ? {} : { defaultExpression }) };
  });

  const keyLists: { columns: string[]; location: number }[] = [
    ...statement.columns.filter((column) => column.primaryKey).map((column) => ({ columns: [column.name], location: column.location })),
    ...statement.constraints.map((constraint) => ({ columns: constraint.columns.map((identifier) => identifier.name), location: constraint.location })),
  ];
  if (keyLists.length > 1) {
    throw errors.at(keyLists[1]!.location, '42P16', `multiple primary keys for table "${name}" are not allowed`);
  }
  const keyList = keyLists[0];
  if (keyList === undefined) {
    throw errors.at(statement.table.location, '42P16', 'tables need a primary key', {
      detail: 'dmachine stores each row at the address of its primary key: the first key column is hashed, the second (optional) is the sort key.',
      hint: `Add PRIMARY KEY to a column, or PRIMARY KEY (hash_column[, sort_column]) to table "${name}".`,
    });
  }
  if (keyList.columns.length > primaryKeyColumnsMax) {
    throw errors.at(keyList.location, '0A000', `a primary key of ${keyList.columns.length} columns is not supported`, {
      detail: 'A primary key has a hashed column and at most one sort-key column.',
    });
  }
  const positions = keyList.columns.map((columnName) => {
    const position = columns.findIndex((column) => column.name === columnName);
    if (position < 0) throw errors.at(keyList.location, '42703', `column "${columnName}" named in key does not exist`);
    return position;
  });
  const [hashColumn, sortColumn] = positions as [number, number | undefined];
  return { name, columns, primaryKey: sortColumn === undefined ? { hashColumn } : { hashColumn, sortColumn } };
}

/**
 * The source text of an expression. The AST keeps only where each node starts
 * (an operator's node starts at the operator, and parentheses leave no node),
 * so this tries starts from the leftmost node back over any `(`, and takes the
 * longest text from there that parses back to the same expression
 * (`5 NOT NULL` → `5`, `'a,b'` stays whole, `(1 + 2) * 3` keeps its parenthesis).
 */
export function expressionSourceText(expression: ast.Expression, sourceText: string): string {
  const wanted = shapeOf(expression);
  const leftmost = Math.min(...[...descendantNodes(expression)].map((node) => ('location' in node ? node.location : Infinity)));
  const starts = [leftmost];
  for (let start = leftmost - 1; start >= 0 && /[\s(]/.test(sourceText[start]!); start--) if (sourceText[start] === '(') starts.unshift(start);
  for (const start of starts) {
    const rest = sourceText.slice(start);
    for (let end = rest.length; end > 0; end--) {
      if (end < rest.length && !/[\s,)]/.test(rest[end]!)) continue;
      const candidate = rest.slice(0, end).trim();
      if (candidate.length === 0) continue;
      const parsed = parseExpressionText(candidate);
      if (parsed !== undefined && shapeOf(parsed) === wanted) return candidate;
    }
  }
  throw new SqlError('XX000', 'could not recover the source text of a DEFAULT expression');
}

/** Parses the text of one expression (a stored DEFAULT); undefined when it is not one. */
export function parseExpressionText(text: string): ast.Expression | undefined {
  let statement: ast.Statement;
  try {
    statement = parseStatement(`SELECT ${text}`);
  } catch {
    return undefined;
  }
  if (statement.kind !== 'SelectStatement' || statement.from !== null || statement.where !== null || statement.items.length !== 1) return undefined;
  const item = statement.items[0]!;
  return item.kind === 'SelectItem' && item.alias === null ? item.expression : undefined;
}

/** The expression without its locations, as text: equal shapes are the same expression. */
function shapeOf(expression: ast.Expression): string {
  return JSON.stringify(expression, (key, value: unknown) => (key === 'location' ? undefined : typeof value === 'bigint' ? `${value}n` : value));
}
