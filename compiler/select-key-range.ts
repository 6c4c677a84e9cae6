/**
 * The sort-key range of a SELECT whose WHERE fixes the hash key: which top-level
 * conjuncts on the sort column become the bounds of `mem.scan_range`, and which
 * stay filters. A conjunct is consumed only when the range says all it says, so
 * dropping it from the filter never changes the rows.
 *
 *     sk = v                 lower v inclusive, upper v inclusive
 *     sk > v | sk >= v       lower v (exclusive | inclusive)
 *     sk < v | sk <= v       upper v (exclusive | inclusive)
 *     sk BETWEEN a AND b     lower a inclusive, upper b inclusive
 *     sk LIKE 'p%'           lower 'p' inclusive, upper 'p' with its last character incremented, exclusive
 *
 * The first conjunct that sets a bound wins; a later one on the same bound stays a
 * filter (which bound is tighter is only known at run time for parameters).
 */
import type * as ast from '../parser/ast.js';
import { descendantNodes } from '../parser/ast-children.js';
import type { TableDefinition } from './catalog-definition.js';
import type { BoundExpression } from './expressions.js';
import type { ProgramBuilder } from './program-builder.js';
import { keyTextOf, type TableRowScope } from './table-scope.js';

/** One end of the range: how to push its value, and how the listing shows it. */
export interface RangeBound {
  /** Pushes the bound's SQL value; a constant when it is known at compile time. */
  readonly emit: (b: ProgramBuilder) => void;
  /** True when the value cannot be NULL (a constant), so no NULL check is needed. */
  readonly constant: boolean;
  readonly inclusive: boolean;
  readonly text: string;
}

export interface SortKeyRange {
  readonly lower: RangeBound | undefined;
  readonly upper: RangeBound | undefined;
  /** The conjuncts the range expresses entirely: they are not filters any more. */
  readonly consumed: ReadonlySet<ast.Expression>;
}

/** Binds a bound's value expression to the sort key's type; undefined when its type cannot make a sort key. */
export type BindBoundValue = (value: ast.Expression) => BoundExpression | undefined;

export function findSortKeyRange(conjuncts: readonly ast.Expression[], table: TableDefinition, scope: TableRowScope, bindValue: BindBoundValue): SortKeyRange {
  const sortColumn = table.primaryKey.sortColumn!;
  let lower: RangeBound | undefined;
  let upper: RangeBound | undefined;
  const consumed = new Set<ast.Expression>();
  const boundOf = (value: ast.Expression, inclusive: boolean): RangeBound | undefined => {
    const bound = bindValue(value);
    if (bound === undefined) return undefined;
    return { emit: (b) => bound.emit(b), constant: false, inclusive, text: keyTextOf(value) };
  };

  for (const conjunct of conjuncts) {
    if (conjunct.kind === 'BinaryExpression') {
      const operator = comparedOperator(conjunct, sortColumn, scope);
      if (operator === undefined) continue;
      const value = scope.refersTo(conjunct.left, sortColumn) ? conjunct.right : conjunct.left;
      const setsLower = operator === '=' || operator === '>' || operator === '>=';
      const setsUpper = operator === '=' || operator === '<' || operator === '<=';
      if ((setsLower && lower !== undefined) || (setsUpper && upper !== undefined)) continue;
      const bound = boundOf(value, operator === '=' || operator === '>=' || operator === '<=');
      if (bound === undefined) continue;
      if (setsLower) lower = bound;
      if (setsUpper) upper = bound;
      consumed.add(conjunct);
    } else if (conjunct.kind === 'BetweenExpression') {
      if (conjunct.negated || !scope.refersTo(conjunct.operand, sortColumn) || !usesNoColumn(conjunct.low) || !usesNoColumn(conjunct.high)) continue;
      if (lower !== undefined || upper !== undefined) continue;
      const low = boundOf(conjunct.low, true);
      const high = boundOf(conjunct.high, true);
      if (low === undefined || high === undefined) continue;
      lower = low;
      upper = high;
      consumed.add(conjunct);
    } else if (conjunct.kind === 'LikeExpression') {
      if (conjunct.negated || conjunct.caseInsensitive || conjunct.escape !== null || conjunct.pattern.kind !== 'StringLiteral') continue;
      if (!scope.refersTo(conjunct.operand, sortColumn) || table.columns[sortColumn]!.type !== 'text') continue;
      if (lower !== undefined || upper !== undefined) continue;
      const prefix = likePrefix(conjunct.pattern.value);
      if (prefix === undefined || prefix.prefix === '') continue;
      lower = constantBound(prefix.prefix, true);
      const next = prefixUpperBound(prefix.prefix);
      upper = next === undefined ? undefined : constantBound(next, false);
      // 'p%' is exactly the range; 'p%x' or 'p_' still needs LIKE on the rows the range gives.
      if (prefix.onlyPercentAfter) consumed.add(conjunct);
    }
  }
  return { lower, upper, consumed };
}

function constantBound(value: string, inclusive: boolean): RangeBound {
  return {
    emit: (b) => {
      b.emit('const', b.sqlConstant(value));
      b.comment(`'${value}'`);
    },
    constant: true,
    inclusive,
    text: `'${value.replace(/'/g, "''")}'`,
  };
}

type RangeOperator = '=' | '<' | '<=' | '>' | '>=';
const flipped: Readonly<Record<RangeOperator, RangeOperator>> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** The operator as `sk <op> value` when the conjunct compares the sort column with a value using no column. */
function comparedOperator(conjunct: ast.BinaryExpression, sortColumn: number, scope: TableRowScope): RangeOperator | undefined {
  const operator = conjunct.operator as string;
  if (!Object.hasOwn(flipped, operator)) return undefined;
  if (scope.refersTo(conjunct.left, sortColumn) && usesNoColumn(conjunct.right)) return operator as RangeOperator;
  if (scope.refersTo(conjunct.right, sortColumn) && usesNoColumn(conjunct.left)) return flipped[operator as RangeOperator];
  return undefined;
}

export function usesNoColumn(expression: ast.Expression): boolean {
  for (const node of descendantNodes(expression)) if (node.kind === 'ColumnReference') return false;
  return true;
}

/**
 * The literal text a LIKE pattern starts with (backslash escapes resolved, up to
 * the first unescaped % or _), and whether the rest is only `%`. Undefined for a
 * pattern ending in a lone backslash, which LIKE itself refuses.
 */
export function likePrefix(pattern: string): { prefix: string; onlyPercentAfter: boolean } | undefined {
  const characters = [...pattern];
  let prefix = '';
  let index = 0;
  while (index < characters.length) {
    const character = characters[index]!;
    if (character === '%' || character === '_') break;
    if (character === '\\') {
      index++;
      if (index >= characters.length) return undefined;
    }
    prefix += characters[index]!;
    index++;
  }
  const rest = characters.slice(index);
  // Without a wildcard LIKE is equality: the range [p, p] would be exact, but keeping the filter is simpler and as cheap.
  const onlyPercentAfter = rest.length > 0 && rest.every((character) => character === '%');
  return { prefix, onlyPercentAfter };
}

/**
 * The least text greater than every text starting with `prefix`: the prefix with
 * its last code point incremented. UTF-8 bytes order texts as code points do, so
 * this is an exclusive upper bound of the sort keys. U+10FFFF cannot be
 * incremented, so it is dropped and the character before it incremented; the
 * surrogates are skipped (no well-formed text has them). Undefined when every
 * character is U+10FFFF: there is no upper bound.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = [...prefix].map((character) => character.codePointAt(0)!);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!;
    if (last === 0x10ffff) continue;
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    return String.fromCodePoint(...codePoints, next);
  }
  return undefined;
}
