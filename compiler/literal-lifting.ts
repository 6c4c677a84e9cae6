/**
 * Literals lifted into parameters for the statement cache (docs/compiler.md,
 * "Statement cache"): `SELECT v FROM t WHERE id = 7` and `... WHERE id = 8` become
 * the one statement `... WHERE id = $1` run with 7 and with 8, so they share one
 * compiled program. The key of that program is the lifted statement with every
 * source position left out, plus the lifted parameters' types.
 *
 * A literal is lifted only where a parameter means exactly what it does:
 *
 * - integer literals (declared int4 or int8, as the literal's own type) and
 *   decimal ones (float8) anywhere in an expression;
 * - string literals, undeclared, so the context types them as it types the
 *   literal (`id = '5'` on an int column is still an int4);
 *
 * and never where the compiler reads the literal itself:
 *
 * - ORDER BY and GROUP BY (`ORDER BY 2` is an ordinal), LIMIT and OFFSET (a
 *   literal limit is pushed into the scan);
 * - a LIKE pattern (`LIKE 'p%'` becomes a sort-key range);
 * - the operand of a cast (`'abc'::int` fails while compiling, at the literal);
 * - NULL, TRUE, FALSE and literals out of range (their errors belong to compiling);
 * - anywhere in a SELECT with GROUP BY, HAVING or DISTINCT, whose expressions are
 *   matched with each other as written (`SELECT a + 1 ... GROUP BY a + 1`).
 *
 * A string literal whose text does not convert to the type its context chose
 * then fails when the parameters are bound, with the same SQLSTATE and message
 * and the literal's position (see `bindLiftedValue`).
 */
import { SqlError } from '../common/sql-error.js';
import type * as ast from '../parser/ast.js';
import { descendantNodes, structuralKey } from '../parser/ast-children.js';
import { sqlCast } from '../vm/sql-operations.js';
import type { SqlType, SqlValue } from '../vm/sql-values.js';
import { ErrorLocator, int4Max, int4Min, int8Max, int8Min } from './sql-types.js';

/** A literal turned into parameter `$index`: its value, declared type (undefined: the context decides) and place. */
export interface LiftedLiteral {
  readonly value: SqlValue;
  readonly type: SqlType | undefined;
  readonly location: number;
}

export interface LiftedStatement {
  /** The statement with the liftable literals replaced by parameters numbered after the user's. */
  readonly statement: ast.Statement;
  /** The lifted literals, in parameter order: `$(userParameterCount + 1)` first. */
  readonly literals: readonly LiftedLiteral[];
  /** The highest `$n` the user wrote or declared (the lifted parameters follow it). */
  readonly userParameterCount: number;
  /** Equal for statements that differ only in lifted literals (and where they are). */
  readonly key: string;
}

/** Statement kinds that compile to a program: the ones whose literals are worth lifting. */
export const compiledKinds: ReadonlySet<ast.StatementKind> = new Set([
  'SelectStatement',
  'InsertStatement',
  'UpdateStatement',
  'DeleteStatement',
  'EnqueueStatement',
  'DequeueStatement',
  'ReadStatement',
  'AckStatement',
]);

/** Keys of nodes whose literals stay as written (module comment). */
const keptChildren: Readonly<Partial<Record<ast.NodeKind, readonly string[]>>> = {
  SelectStatement: ['orderBy', 'groupBy', 'limit', 'offset'],
  LikeExpression: ['pattern', 'escape'],
  CastExpression: ['operand'],
};

export function liftLiterals(statement: ast.Statement, declared: readonly (SqlType | undefined)[] = []): LiftedStatement {
  const userParameterCount = Math.max(highestParameter(statement), declared.length);
  if (!compiledKinds.has(statement.kind) || matchesExpressions(statement)) return { statement, literals: [], userParameterCount, key: keyOf(statement, [], declared) };
  const literals: LiftedLiteral[] = [];
  const lift = (literal: LiftedLiteral): ast.Parameter => {
    literals.push(literal);
    return { kind: 'Parameter', index: userParameterCount + literals.length, location: literal.location };
  };
  const lifted = rewrite(statement, lift) as ast.Statement;
  return { statement: lifted, literals, userParameterCount, key: keyOf(lifted, literals, declared) };
}

/** The literal's value as its parameter's type; a conversion error points at the literal, as it would have while compiling. */
export function bindLiftedValue(literal: LiftedLiteral, type: SqlType, sourceText: string): SqlValue {
  try {
    return sqlCast(literal.value, type);
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    throw new ErrorLocator(sourceText).wrap(literal.location, error);
  }
}

function matchesExpressions(statement: ast.Statement): boolean {
  return statement.kind === 'SelectStatement' && (statement.groupBy.length > 0 || statement.having !== null || statement.distinct);
}

function highestParameter(statement: ast.Statement): number {
  let highest = 0;
  for (const node of descendantNodes(statement)) if (node.kind === 'Parameter') highest = Math.max(highest, node.index);
  return highest;
}

/** A copy of `node` with liftable literals replaced by `lift`; subtrees that keep their literals are shared. */
function rewrite(node: unknown, lift: (literal: LiftedLiteral) => ast.Parameter): unknown {
  if (Array.isArray(node)) return node.map((child) => rewrite(child, lift));
  if (node === null || typeof node !== 'object' || !('kind' in node)) return node;
  const literal = liftable(node as ast.AstNode);
  if (literal !== undefined) return lift(literal);
  const kept = keptChildren[(node as ast.AstNode).kind] ?? [];
  const copy: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(node)) copy[name] = kept.includes(name) ? child : rewrite(child, lift);
  return copy;
}

function liftable(node: ast.AstNode): LiftedLiteral | undefined {
  switch (node.kind) {
    case 'IntegerLiteral': {
      const { value, location } = node;
      if (value >= int4Min && value <= int4Max) return { value, type: 'int4', location };
      if (value >= int8Min && value <= int8Max) return { value, type: 'int8', location };
      return undefined;
    }
    case 'NumericLiteral': {
      const value = Number(node.text);
      return Number.isFinite(value) ? { value, type: 'float8', location: node.location } : undefined;
    }
    case 'StringLiteral':
      return { value: node.value, type: undefined, location: node.location };
    default:
      return undefined;
  }
}

/** The lifted statement without positions (which differ between texts), and the declared and lifted parameters' types. */
function keyOf(statement: ast.Statement, literals: readonly LiftedLiteral[], declared: readonly (SqlType | undefined)[]): string {
  const types = [...declared, ...literals.map((literal) => literal.type)].map((type) => type ?? 'unknown');
  return `${types.join(',')}|${structuralKey(statement)}`;
}
