/**
 * SELECT ... FROM t [WHERE ...] [ORDER BY sk] [LIMIT n] [OFFSET m]: four
 * templates, chosen by the WHERE's shape (docs/compiler.md, Templates). `<row>`
 * below is `[<filters>  sql.is_true  i32.eqz  br_if skip]  [OFFSET skip]
 * <projection>  row.emit  [LIMIT count-down]` (compiler/select-limit.ts), over the
 * row decoded into its local by `row.decode n  local.set row`.
 *
 * Point read — `pk = <expr>` (and `sk = <expr>` when the table has a sort key)
 * among the top-level AND conjuncts, the expressions using no column:
 *
 *     block done
 *       <pk> local.tee k0  sql.is_null  br_if done     ; = NULL matches nothing
 *       [<sk> local.tee k1  sql.is_null  br_if done]
 *       local.get k0 [local.get k1]  ptr.make[_sorted] #t rnd   ; account/t/rnd/<pk>
 *       mem.load  local.tee word  bytes.is_null  br_if done     ; LOAD
 *       local.get word  row.decode n  local.set row  <row>       ; skip = done
 *     end
 *
 * Sort-key range — the table has a sort key, `pk = <expr>` is there, and the sort
 * key has a bound (=, <, <=, >, >=, BETWEEN, LIKE 'p%': compiler/select-key-range.ts)
 * or ORDER BY / LIMIT / OFFSET asks for the range; `pk = a AND sk = b` without
 * them stays a point read, `pk = a` alone a resource scan:
 *
 *     block done
 *       [LIMIT / OFFSET into locals; LIMIT 0 br done]
 *       <pk> local.tee k0  sql.is_null  br_if done
 *       [<lower> local.tee lo  sql.is_null  br_if done]  [<upper> ... hi ...]
 *       local.get k0  ptr.make #t rnd                              ; account/t/rnd/<pk>
 *       local.get lo | sql.null   local.get hi | sql.null
 *       <LIMIT + OFFSET when no filter remains, else 0>
 *       mem.scan_range flags  local.set scan                      ; account/t/rnd/<pk> [sk >= lo, sk < hi]
 *       loop next
 *         local.get scan  scan.next  i32.eqz  br_if done
 *         local.get scan  scan.value  row.decode n  local.set row
 *         block skip  <row>  end  br next
 *       end
 *     end
 *
 * IN on the hash key — `pk IN (a, b, ...)` (and `sk = <expr>` with a sort key):
 * the point read once per distinct list element, in list order; a non-literal
 * element is compared with the earlier ones at run time so no row comes twice.
 *
 * Anything else — a resource scan with the whole WHERE as the filter:
 *
 *     i32.const 0  mem.scan_resource #t rnd  local.set scan    ; account/t/rnd/*
 *     block done  loop next
 *       local.get scan  scan.next  i32.eqz  br_if done
 *       local.get scan  scan.value  row.decode n  local.set row
 *       block skip  <row>  end
 *       br next
 *     end end
 *
 * ORDER BY is only the sort key's, only in the range template (the scan's order,
 * reversed for DESC); anything else needs a sorter the VM does not have yet.
 */
import type * as ast from '../parser/ast.js';
import type { TableDefinition } from './catalog-definition.js';
import { ExpressionBinder, ParameterTypes, type BoundExpression } from './expressions.js';
import type { CompiledTableStatement, TableCompileOptions } from './insert.js';
import { ProgramBuilder, type Label } from './program-builder.js';
import { bindTargets, emitProjection, emitResultRow, writtenTargets, type WrittenTarget } from './projection.js';
import { emitNewGroupSet, findAggregate, Grouping } from './select-grouping.js';
import { findSortKeyRange, usesNoColumn, type RangeBound, type SortKeyRange } from './select-key-range.js';
import { RowLimit } from './select-limit.js';
import { outputPosition, Sorter } from './select-order.js';
import { fieldsOf } from './select-without-from.js';
import { ErrorLocator, notBoolean } from './sql-types.js';
import { emitCatalogCheck, emitKeyAddress, keyTextOf, literalKeyText, textualKey, TableRowScope, type BoundKey } from './table-scope.js';

const rowLocal = 0;

export function compileSelectFrom(statement: ast.SelectStatement, table: TableDefinition, options: TableCompileOptions): CompiledTableStatement {
  const errors = new ErrorLocator(options.sourceText);
  const from = statement.from!;
  const scope = new TableRowScope(table, from.alias ?? table.name, rowLocal, errors);
  const parameters = new ParameterTypes(options.declaredParameterTypes);
  const rowBinder = new ExpressionBinder(scope, parameters, errors, 'in WHERE');

  const conjuncts = statement.where === null ? [] : statement.where.kind === 'LogicalExpression' && statement.where.operator === 'and' ? [...statement.where.operands] : [statement.where];
  const written = writtenTargets(statement.items, scope, errors);
  const grouping = bindGrouping(statement, written, scope, rowBinder, errors);
  const outputBinder = grouping === undefined ? rowBinder : new ExpressionBinder(grouping.scope(), parameters, errors);
  const targets =
    grouping === undefined
      ? bindTargets(statement.items, scope, rowBinder, errors)
      : written.map(({ name, expression }) => ({ name, bound: outputBinder.bind(expression) }));
  const having = statement.having === null ? undefined : booleanCondition(outputBinder.bind(statement.having), 'HAVING', errors);
  const shape = chooseTemplate(statement, conjuncts, table, scope, rowBinder);
  const scanOrder = shape.kind === 'range' && grouping === undefined && !statement.distinct ? sortKeyOrder(statement, table, scope) : undefined;
  const sorter = statement.orderBy.length > 0 && scanOrder === undefined ? Sorter.bind(statement.orderBy, written, outputBinder, errors, statement.distinct) : undefined;
  const limit = RowLimit.bind(statement, rowBinder, errors);
  const filters = shape.filterExpressions.map((expression) => booleanCondition(rowBinder.bind(expression), 'WHERE', errors));

  const fields = fieldsOf(targets);
  const parameterTypes = parameters.final();
  const b = new ProgramBuilder(parameterTypes.length);
  emitCatalogCheck(b, table, options.account);
  b.local('row');
  const resource = b.nameConstant(table.name);
  // A scan whose rows all pass can stop after LIMIT + OFFSET words; with a filter left, or rows collected, it cannot know.
  const direct = grouping === undefined && sorter === undefined && !statement.distinct;
  const limitInScan = direct && filters.length === 0 && shape.kind !== 'point' && shape.kind !== 'in';
  // LIMIT reached (or LIMIT 0) ends the program: the block around everything, needed only with a LIMIT.
  const finished = limit.hasLimit ? b.block() : undefined;
  limit.emitStart(b, finished);
  grouping?.emitStart(b);
  const distinctSet = statement.distinct ? emitNewGroupSet(b, 'DISTINCT: the rows emitted so far') : undefined;
  sorter?.emitStart(b, limit);

  /** A result row (of the table's row, or of a group): DISTINCT, then sorted, or OFFSET / emit / LIMIT. */
  const emitOutput = (skip: Label): void => {
    let built: number | undefined;
    if (distinctSet !== undefined) {
      built = b.local('row');
      const isNew = b.local('i32');
      b.emit('local.get', distinctSet);
      emitResultRow(b, targets, 'SELECT DISTINCT');
      b.emit('rowset.group', targets.length);
      b.emit('local.set', isNew);
      b.emit('local.set', built);
      b.emit('local.get', isNew);
      b.emit('i32.eqz');
      b.brIf(skip);
      b.comment('DISTINCT: this row came already');
    }
    if (sorter !== undefined) return sorter.emitAdd(b, targets, built);
    limit.emitOffsetSkip(b, skip);
    if (built === undefined) emitProjection(b, targets, 'SELECT');
    else {
      b.emit('local.get', built);
      b.emit('row.emit');
    }
    if (!limitInScan) limit.emitCountDown(b, finished);
  };

  /** The table's row is in its local: WHERE, then into its group or out. */
  const emitRow = (skip: Label): void => {
    filters.forEach((filter, index) => {
      filter.emit(b);
      b.emit('sql.is_true');
      b.emit('i32.eqz');
      b.brIf(skip);
      if (index === 0) b.comment('WHERE is not true: skip the row');
    });
    if (grouping === undefined) emitOutput(skip);
    else grouping.emitAccumulate(b);
  };

  switch (shape.kind) {
    case 'point': {
      const word = b.local('bytes');
      const done = b.block();
      b.comment('point read');
      emitKeyAddress(b, shape.keys, table, options.account, done);
      b.emit('mem.load');
      b.comment('LOAD');
      b.emit('local.tee', word);
      b.emit('bytes.is_null');
      b.brIf(done);
      b.comment('no such row');
      b.emit('local.get', word);
      emitDecode(b, table);
      emitRow(done);
      b.end(done);
      break;
    }
    case 'in': {
      const done = b.block();
      b.comment('IN on the hash key');
      emitInList(b, shape, table, options.account, done, emitRow);
      b.end(done);
      break;
    }
    case 'range': {
      const scan = b.local('scan');
      const key = b.local('sql');
      const done = b.block();
      b.comment('sort-key range read');
      shape.hashKey.bound.emit(b);
      b.emit('local.tee', key);
      b.emit('sql.is_null');
      b.brIf(done);
      b.comment('a NULL key equals no row');
      const { lower, upper } = shape.range;
      const boundLocals = [lower, upper].map((bound) => {
        if (bound === undefined || bound.constant) return undefined;
        const local = b.local('sql');
        bound.emit(b);
        b.emit('local.tee', local);
        b.emit('sql.is_null');
        b.brIf(done);
        b.comment('a NULL bound matches no row');
        return local;
      });
      b.emit('local.get', key);
      b.emit('ptr.make', resource, 0);
      const keyText = textualKey(options.account, table.name, shape.hashKey.text, undefined, shape.hashKey.literal);
      b.comment(keyText);
      [lower, upper].forEach((bound, index) => {
        const local = boundLocals[index];
        if (bound === undefined) {
          b.emit('sql.null');
          b.comment(index === 0 ? 'no lower bound' : 'no upper bound');
        } else if (local === undefined) bound.emit(b);
        else b.emit('local.get', local);
      });
      if (limitInScan) limit.emitScanLimit(b);
      else {
        b.emit('i32.const', 0);
        b.comment(limit.hasLimit ? 'no scan limit: LIMIT is counted after the filter' : 'no limit');
      }
      const descending = scanOrder === 'desc';
      const flags = (lower === undefined ? 0 : 1 | (lower.inclusive ? 2 : 0)) | (upper === undefined ? 0 : 4 | (upper.inclusive ? 8 : 0)) | (descending ? 16 : 0);
      b.emit('mem.scan_range', flags);
      b.comment(`SCAN ${keyText} ${rangeText(table.columns[table.primaryKey.sortColumn!]!.name, lower, upper)}${descending ? ' reverse' : ''}`);
      b.emit('local.set', scan);
      emitScanLoop(b, scan, table, done, emitRow, 'each sort key in the range');
      b.end(done);
      break;
    }
    case 'scan': {
      const scan = b.local('scan');
      if (limitInScan) limit.emitScanLimit(b);
      else {
        b.emit('i32.const', 0);
        b.comment('no limit');
      }
      b.emit('mem.scan_resource', resource, 0);
      b.comment(`SCAN ${textualKey(options.account, table.name, '*')}`);
      b.emit('local.set', scan);
      const done = b.block();
      emitScanLoop(b, scan, table, done, emitRow, 'each word of the table');
      b.end(done);
      break;
    }
  }
  grouping?.emitEachGroup(b, (skip) => {
    if (having !== undefined) {
      having.emit(b);
      b.emit('sql.is_true');
      b.emit('i32.eqz');
      b.brIf(skip);
      b.comment('HAVING is not true: skip the group');
    }
    emitOutput(skip);
  });
  sorter?.emitOutput(b, targets.length, limit, finished);
  if (finished !== undefined) b.end(finished);
  return { program: b.finish(), fields, parameterTypes, commandTag: 'SELECT' };
}

function booleanCondition(bound: BoundExpression, clause: string, errors: ErrorLocator): BoundExpression {
  if (bound.type === 'unknown') return bound.resolve!('boolean');
  if (bound.type !== 'boolean') throw notBoolean(clause, bound.type, bound.location, errors);
  return bound;
}

/**
 * The Grouping of a query with GROUP BY, HAVING or an aggregate in its select list or ORDER BY;
 * undefined for the others. A GROUP BY item is a select-list position, an input column, else an
 * output column's name, as in PostgreSQL.
 */
function bindGrouping(
  statement: ast.SelectStatement,
  written: readonly WrittenTarget[],
  scope: TableRowScope,
  rowBinder: ExpressionBinder,
  errors: ErrorLocator,
): Grouping | undefined {
  const groupPhase = [...written.map((target) => target.expression), statement.having, ...statement.orderBy.map((item) => item.expression)];
  if (statement.groupBy.length === 0 && statement.having === null && findAggregate(groupPhase) === undefined) return undefined;
  const groupBy = statement.groupBy.map((expression) => {
    if (expression.kind === 'IntegerLiteral') return written[outputPosition(expression, written, errors, 'GROUP BY')!]!.expression;
    if (expression.kind === 'ColumnReference' && expression.table === null && scope.columnIndex(expression.column) < 0) {
      return written.find((target) => target.name === expression.column)?.expression ?? expression;
    }
    return expression;
  });
  return new Grouping(groupBy, groupPhase, rowBinder, errors, scope.visibleName);
}

type EmitRow = (skip: Label) => void;

function emitDecode(b: ProgramBuilder, table: TableDefinition): void {
  b.emit('row.decode', table.columns.length);
  b.emit('local.set', rowLocal);
}

function emitScanLoop(b: ProgramBuilder, scan: number, table: TableDefinition, done: Label, emitRow: EmitRow, what: string): void {
  const next = b.loop();
  b.comment(what);
  b.emit('local.get', scan);
  b.emit('scan.next');
  b.emit('i32.eqz');
  b.brIf(done);
  b.comment('the scan is done');
  b.emit('local.get', scan);
  b.emit('scan.value');
  emitDecode(b, table);
  const skip = b.block();
  emitRow(skip);
  b.end(skip);
  b.br(next);
  b.end(next);
}

/**
 * One point read per distinct element, in list order. Literal duplicates were
 * removed at compile time; an element that is not a literal is compared with
 * every earlier one at run time, since a row must not come twice.
 */
function emitInList(b: ProgramBuilder, shape: InListTemplate, table: TableDefinition, account: string, done: Label, emitRow: EmitRow): void {
  const resource = b.nameConstant(table.name);
  let sortLocal: number | undefined;
  if (shape.sortKey !== undefined) {
    sortLocal = b.local('sql');
    shape.sortKey.bound.emit(b);
    b.emit('local.tee', sortLocal);
    b.emit('sql.is_null');
    b.brIf(done);
    b.comment('a NULL key equals no row');
  }
  const word = b.local('bytes');
  const earlier: { local: number; literal: string | undefined }[] = [];
  for (const element of shape.elements) {
    const local = b.local('sql');
    const skip = b.block();
    b.comment(`IN element ${element.key.text}`);
    element.key.bound.emit(b);
    b.emit('local.tee', local);
    b.emit('sql.is_null');
    b.brIf(skip);
    b.comment('NULL is in no row');
    for (const previous of earlier) {
      if (previous.literal !== undefined && element.literal !== undefined) continue;
      b.emit('local.get', previous.local);
      b.emit('local.get', local);
      b.emit('sql.eq');
      b.emit('sql.is_true');
      b.brIf(skip);
      b.comment('read already');
    }
    earlier.push({ local, literal: element.literal });
    b.emit('local.get', local);
    if (sortLocal === undefined) b.emit('ptr.make', resource, 0);
    else {
      b.emit('local.get', sortLocal);
      b.emit('ptr.make_sorted', resource, 0);
    }
    b.comment(textualKey(account, table.name, element.key.text, shape.sortKey?.text, element.key.literal));
    b.emit('mem.load');
    b.comment('LOAD');
    b.emit('local.tee', word);
    b.emit('bytes.is_null');
    b.brIf(skip);
    b.comment('no such row');
    b.emit('local.get', word);
    emitDecode(b, table);
    emitRow(skip);
    b.end(skip);
  }
}

function rangeText(column: string, lower: RangeBound | undefined, upper: RangeBound | undefined): string {
  const parts: string[] = [];
  if (lower !== undefined) parts.push(`${column} ${lower.inclusive ? '>=' : '>'} ${lower.text}`);
  if (upper !== undefined) parts.push(`${column} ${upper.inclusive ? '<=' : '<'} ${upper.text}`);
  return `[${parts.length === 0 ? `every ${column}` : parts.join(', ')}]`;
}

interface PointTemplate {
  readonly kind: 'point';
  readonly keys: BoundKey[];
  readonly filterExpressions: readonly ast.Expression[];
}
interface RangeTemplate {
  readonly kind: 'range';
  readonly hashKey: BoundKey;
  readonly range: SortKeyRange;
  readonly filterExpressions: readonly ast.Expression[];
}
interface InListTemplate {
  readonly kind: 'in';
  /** The distinct elements; `literal` is the canonical value of a literal one (for compile-time duplicates). */
  readonly elements: readonly { key: BoundKey; literal: string | undefined }[];
  readonly sortKey: BoundKey | undefined;
  readonly filterExpressions: readonly ast.Expression[];
}
interface ScanTemplate {
  readonly kind: 'scan';
  readonly filterExpressions: readonly ast.Expression[];
}
type SelectTemplate = PointTemplate | RangeTemplate | InListTemplate | ScanTemplate;

/** The template the WHERE's shape allows (the module comment); binds the key values it uses. */
function chooseTemplate(statement: ast.SelectStatement, conjuncts: readonly ast.Expression[], table: TableDefinition, scope: TableRowScope, binder: ExpressionBinder): SelectTemplate {
  const { hashColumn, sortColumn } = table.primaryKey;
  const whole: ScanTemplate = { kind: 'scan', filterExpressions: statement.where === null ? [] : [statement.where] };
  const others = (...used: ast.Expression[]): ast.Expression[] => conjuncts.filter((conjunct) => !used.includes(conjunct));
  // Only a value of the key's own type makes its pointer (an int4 key takes any integer); else the scan compares.
  const bindKey = (column: number, value: ast.Expression): BoundKey | undefined => {
    const expression = binder.bind(value);
    const type = table.columns[column]!.type;
    const typed = expression.type === 'unknown' ? expression.resolve!(type) : expression;
    const usable = typed.type === type || (isIntegerType(type) && isIntegerType(typed.type));
    return usable ? { bound: typed, text: keyTextOf(value), literal: literalKeyText(value, type) } : undefined;
  };
  const hashMatch = equalityOn(conjuncts, hashColumn, scope);
  const sortMatch = sortColumn === undefined ? undefined : equalityOn(conjuncts, sortColumn, scope);

  if (hashMatch !== undefined) {
    const hashKey = bindKey(hashColumn, hashMatch.value);
    if (hashKey === undefined) return whole;
    if (sortColumn === undefined) return { kind: 'point', keys: [hashKey], filterExpressions: others(hashMatch.conjunct) };
    if (sortMatch !== undefined) {
      const sortKey = bindKey(sortColumn, sortMatch.value);
      if (sortKey !== undefined) return { kind: 'point', keys: [hashKey, sortKey], filterExpressions: others(hashMatch.conjunct, sortMatch.conjunct) };
    }
    const rest = others(hashMatch.conjunct);
    const range = findSortKeyRange(rest, table, scope, (value) => bindKey(sortColumn, value)?.bound);
    // Without bounds the range is every sort key of this hash key: still only this key's words.
    return { kind: 'range', hashKey, range, filterExpressions: rest.filter((conjunct) => !range.consumed.has(conjunct)) };
  }

  const inList = conjuncts.find(
    (conjunct): conjunct is ast.InListExpression =>
      conjunct.kind === 'InListExpression' && !conjunct.negated && scope.refersTo(conjunct.operand, hashColumn) && conjunct.list.every(usesNoColumn),
  );
  if (inList === undefined || (sortColumn !== undefined && sortMatch === undefined)) return whole;
  const sortKey = sortColumn === undefined ? undefined : bindKey(sortColumn, sortMatch!.value);
  if (sortColumn !== undefined && sortKey === undefined) return whole;
  const elements: { key: BoundKey; literal: string | undefined }[] = [];
  const seen = new Set<string>();
  for (const element of inList.list) {
    if (element.kind === 'NullLiteral') continue;
    const key = bindKey(hashColumn, element);
    if (key === undefined) return whole;
    const literal = canonicalLiteral(element, table.columns[hashColumn]!.type);
    if (literal !== undefined) {
      if (seen.has(literal)) continue;
      seen.add(literal);
    }
    elements.push({ key, literal });
  }
  return { kind: 'in', elements, sortKey, filterExpressions: others(inList, ...(sortMatch === undefined ? [] : [sortMatch.conjunct])) };
}

/** A literal's value as the key column sees it, to find duplicates; undefined when not a literal (or not obvious). */
function canonicalLiteral(expression: ast.Expression, type: string): string | undefined {
  if (expression.kind === 'IntegerLiteral') return isIntegerType(type) ? expression.value.toString() : undefined;
  if (expression.kind !== 'StringLiteral') return undefined;
  if (type === 'text') return expression.value;
  if (isIntegerType(type) && /^\s*[+-]?\d+\s*$/.test(expression.value)) return BigInt(expression.value.trim()).toString();
  return undefined;
}

/** The first `column = value` conjunct whose value uses no column. */
function equalityOn(conjuncts: readonly ast.Expression[], column: number, scope: TableRowScope): KeyConjunct | undefined {
  for (const conjunct of conjuncts) {
    if (conjunct.kind !== 'BinaryExpression' || conjunct.operator !== '=') continue;
    if (scope.refersTo(conjunct.left, column) && usesNoColumn(conjunct.right)) return { conjunct, column, value: conjunct.right };
    if (scope.refersTo(conjunct.right, column) && usesNoColumn(conjunct.left)) return { conjunct, column, value: conjunct.left };
  }
  return undefined;
}

/**
 * The scan order that gives the ORDER BY of a range read: ORDER BY the sort key alone, ascending
 * or descending (key columns hold no NULLs, so NULLS FIRST / LAST does not matter); 'none' without
 * ORDER BY; undefined when the scan's order is not the ORDER BY (a sorter does it).
 */
function sortKeyOrder(statement: ast.SelectStatement, table: TableDefinition, scope: TableRowScope): 'asc' | 'desc' | 'none' | undefined {
  if (statement.orderBy.length === 0) return 'none';
  const [item, ...rest] = statement.orderBy;
  if (rest.length > 0 || !scope.refersTo(item!.expression, table.primaryKey.sortColumn!)) return undefined;
  return item!.direction;
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
