/**
 * Helpers for the parser tests: parse and strip positions (checked separately),
 * catch the syntax error, and print an expression fully parenthesized so that
 * precedence tests read like the SQL they check.
 */
import { expect } from 'vitest';
import type { Expression, SelectItem, Statement, TypeName } from '../../parser/ast.js';
import { parseStatement, parseStatements, SqlSyntaxError } from '../../parser/parse.js';

/** A deep copy without `location` and `span`, so expectations show structure only. */
export function withoutPositions<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutPositions) as T;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([key]) => key !== 'location' && key !== 'span');
    return Object.fromEntries(entries.map(([key, field]) => [key, withoutPositions(field)])) as T;
  }
  return value;
}

export function parsed(text: string): Statement {
  return withoutPositions(parseStatement(text));
}

export function parsedAll(text: string): Statement[] {
  return withoutPositions(parseStatements(text));
}

/** The expression of `SELECT <text>`, with positions. */
export function expressionWithPositions(text: string): Expression {
  const statement = parseStatement(`SELECT ${text}`);
  if (statement.kind !== 'SelectStatement') throw new Error('expected a SELECT');
  const [item] = statement.items;
  if (item?.kind !== 'SelectItem') throw new Error('expected one expression');
  return item.expression;
}

export function expression(text: string): Expression {
  return withoutPositions(expressionWithPositions(text));
}

export function selectItems(text: string): readonly SelectItem[] {
  const statement = parsed(text);
  if (statement.kind !== 'SelectStatement') throw new Error('expected a SELECT');
  return statement.items.filter((item): item is SelectItem => item.kind === 'SelectItem');
}

export function syntaxError(text: string): SqlSyntaxError {
  try {
    parseStatements(text);
  } catch (error) {
    expect(error).toBeInstanceOf(SqlSyntaxError);
    return error as SqlSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(text)}`);
}

function typeText(type: TypeName): string {
  const modifiers = type.modifiers.length > 0 ? `(${type.modifiers.join(',')})` : '';
  return `${type.schema === null ? '' : `${type.schema}.`}${type.name}${modifiers}`;
}

/** Fully parenthesized SQL-like text of an expression; a switch with a `never` check, so a new kind must be printed. */
export function render(node: Expression): string {
  switch (node.kind) {
    case 'IntegerLiteral':
    case 'NumericLiteral':
      return node.text;
    case 'StringLiteral':
      return `'${node.value.replaceAll("'", "''")}'`;
    case 'BooleanLiteral':
      return node.value ? 'TRUE' : 'FALSE';
    case 'NullLiteral':
      return 'NULL';
    case 'Parameter':
      return `$${node.index}`;
    case 'ColumnReference':
      return node.table === null ? node.column : `${node.table}.${node.column}`;
    case 'FunctionCall': {
      const name = node.schema === null ? node.name : `${node.schema}.${node.name}`;
      const distinct = node.distinct ? 'DISTINCT ' : '';
      return `${name}(${node.star ? '*' : distinct + node.arguments.map(render).join(', ')})`;
    }
    case 'SqlValueFunction':
      return node.name.toUpperCase();
    case 'UnaryExpression':
      return `(${node.operator}${render(node.operand)})`;
    case 'BinaryExpression':
      return `(${render(node.left)} ${node.operator} ${render(node.right)})`;
    case 'LogicalExpression':
      return `(${node.operands.map(render).join(` ${node.operator.toUpperCase()} `)})`;
    case 'NotExpression':
      return `(NOT ${render(node.operand)})`;
    case 'IsExpression':
      return `(${render(node.operand)} IS ${node.negated ? 'NOT ' : ''}${node.test.toUpperCase()})`;
    case 'DistinctFromExpression':
      return `(${render(node.left)} IS ${node.negated ? 'NOT ' : ''}DISTINCT FROM ${render(node.right)})`;
    case 'BetweenExpression':
      return `(${render(node.operand)} ${node.negated ? 'NOT ' : ''}BETWEEN ${render(node.low)} AND ${render(node.high)})`;
    case 'InListExpression':
      return `(${render(node.operand)} ${node.negated ? 'NOT ' : ''}IN (${node.list.map(render).join(', ')}))`;
    case 'LikeExpression': {
      const escape = node.escape === null ? '' : ` ESCAPE ${render(node.escape)}`;
      return `(${render(node.operand)} ${node.negated ? 'NOT ' : ''}${node.caseInsensitive ? 'ILIKE' : 'LIKE'} ${render(node.pattern)}${escape})`;
    }
    case 'CastExpression':
      return `(${render(node.operand)}::${typeText(node.type)})`;
    case 'CaseExpression': {
      const operand = node.operand === null ? '' : ` ${render(node.operand)}`;
      const whens = node.whens.map((when) => ` WHEN ${render(when.condition)} THEN ${render(when.result)}`).join('');
      const elseResult = node.elseResult === null ? '' : ` ELSE ${render(node.elseResult)}`;
      return `(CASE${operand}${whens}${elseResult} END)`;
    }
    default:
      return node satisfies never;
  }
}

/** `render` of `SELECT <text>`'s expression. */
export function rendered(text: string): string {
  return render(expressionWithPositions(text));
}
