/**
 * Aggregates and GROUP BY (docs/compiler.md, "Aggregates, GROUP BY, ORDER BY,
 * LIMIT/OFFSET over results"). Every group is one row held by the run, laid out
 * as its GROUP BY values, then one accumulator field per aggregate (avg has two):
 *
 *     [g1 .. gk | count | sum | min | max | avg sum, avg count ...]
 *
 * Without GROUP BY there is one group, made before the rows are read, so an
 * empty table still gives one row (`count(*)` 0, `sum` NULL):
 *
 *     row.new w  [i64.const 0  sql.from_i64  row.set <count field>]...  local.set group
 *     per row:   local.get group  <arg> agg.count f  <arg> agg.sum f ...  drop
 *     after:     local.get group  → HAVING, projection
 *
 * With GROUP BY the groups live in a rowset (a hash table bounded by the run's
 * collectedRowsMax, 54000 past it):
 *
 *     i64.const -1  rowset.new 0 0 0  local.set groups
 *     per row:   row.new w  <g1> row.set 0 ... [counts 0]  local.get groups  rowset.group k
 *                drop  local.set group  → accumulate as above
 *     after:     loop  local.get groups rowset.next  i32.eqz br_if done
 *                      local.get groups rowset.row  local.set group  → HAVING, projection
 *
 * After the rows are read, expressions are bound in the group's scope: a GROUP BY
 * expression (matched as written) reads its field, an aggregate call its
 * accumulator, and any other column is 42803, as in PostgreSQL.
 *
 * Result types, as PostgreSQL's where dmachine has the type: count → bigint;
 * sum(int) → bigint, exact, 22003 past the int8 range (PostgreSQL's sum(bigint) is
 * numeric and does not overflow); sum(float8) → float8; avg → float8 (computed in
 * float8; PostgreSQL's avg of integers is numeric); min/max → the argument's type.
 */
import type * as ast from '../parser/ast.js';
import { descendantNodes, structuralKey } from '../parser/ast-children.js';
import { sqlTypeCodes, type SqlType } from '../vm/sql-values.js';
import type { BoundExpression, ExpressionBinder, ExpressionScope } from './expressions.js';
import type { Label, ProgramBuilder } from './program-builder.js';
import { finalType, functionDoesNotExist, isNumeric, typeDisplayName, type CompilerType, type ErrorLocator } from './sql-types.js';

export const aggregateNames: ReadonlySet<string> = new Set(['count', 'sum', 'min', 'max', 'avg']);

export function isAggregateCall(expression: ast.AstNode): expression is ast.FunctionCall {
  return expression.kind === 'FunctionCall' && (expression.schema === null || expression.schema === 'pg_catalog') && aggregateNames.has(expression.name);
}

/** The first aggregate call in the expressions, for "not allowed here" errors and to tell a grouped query. */
export function findAggregate(expressions: readonly (ast.AstNode | null)[]): ast.FunctionCall | undefined {
  for (const expression of expressions) {
    if (expression === null) continue;
    for (const node of descendantNodes(expression)) if (isAggregateCall(node)) return node;
  }
  return undefined;
}

/** A new grouping rowset (insertion order, every row kept) in a new local: GROUP BY, DISTINCT, keys seen. */
export function emitNewGroupSet(b: ProgramBuilder, comment: string): number {
  const local = b.local('rowset');
  b.emit('i64.const', -1n);
  b.emit('rowset.new', 0, 0, 0);
  b.comment(comment);
  b.emit('local.set', local);
  return local;
}

interface Aggregate {
  readonly call: ast.FunctionCall;
  /** The argument bound in the row's scope; undefined for count(*). */
  readonly argument: BoundExpression | undefined;
  /** Its first accumulator field in the group row. */
  readonly field: number;
  readonly type: SqlType;
}

interface GroupKey {
  readonly key: string;
  readonly bound: BoundExpression;
}

export class Grouping {
  private readonly keys: GroupKey[];
  private readonly aggregates = new Map<string, Aggregate>();
  private width: number;
  private groupsLocal = -1;
  private groupLocal = -1;

  /**
   * Binds the GROUP BY expressions and every aggregate call in `groupPhase` (select list,
   * HAVING, ORDER BY) with `rowBinder`, which reads the row being scanned.
   */
  constructor(
    groupBy: readonly ast.Expression[],
    groupPhase: readonly (ast.AstNode | null)[],
    rowBinder: ExpressionBinder,
    private readonly errors: ErrorLocator,
    /** The name the query calls its table by, for 42803's `t.column`. */
    private readonly tableName: string,
  ) {
    this.keys = groupBy.map((expression) => {
      const nested = findAggregate([expression]);
      if (nested !== undefined) throw errors.at(nested.location, '42803', 'aggregate functions are not allowed in GROUP BY');
      const bound = rowBinder.bind(expression);
      return { key: structuralKey(expression), bound: bound.type === 'unknown' ? bound.resolve!('text') : bound };
    });
    this.width = this.keys.length;
    for (const expression of groupPhase) {
      if (expression === null) continue;
      for (const node of descendantNodes(expression)) if (isAggregateCall(node)) this.addAggregate(node, rowBinder);
    }
  }

  get hasGroupBy(): boolean {
    return this.keys.length > 0;
  }

  /** The scope of the group phase: GROUP BY values and aggregates of the group in its local. */
  scope(): ExpressionScope {
    return {
      resolveExpression: (expression) => this.resolveExpression(expression),
      resolveColumn: (reference) => {
        throw this.errors.at(
          reference.location,
          '42803',
          `column "${reference.table ?? this.tableName}.${reference.column}" must appear in the GROUP BY clause or be used in an aggregate function`,
        );
      },
    };
  }

  /** Before the rows are read: the groups' rowset, or the one group of a query without GROUP BY. */
  emitStart(b: ProgramBuilder): void {
    this.groupLocal = b.local('row');
    if (this.hasGroupBy) {
      this.groupsLocal = emitNewGroupSet(b, 'GROUP BY: the groups, in order of first appearance');
      return;
    }
    this.emitNewGroup(b);
    b.emit('local.set', this.groupLocal);
    b.comment('the one group: aggregates without GROUP BY');
  }

  /** For each row that passed WHERE (in the row's local): find or make its group, then step every aggregate. */
  emitAccumulate(b: ProgramBuilder): void {
    if (this.hasGroupBy) {
      b.emit('local.get', this.groupsLocal);
      this.emitNewGroup(b);
      this.keys.forEach((key, index) => {
        key.bound.emit(b);
        b.emit('row.set', index);
      });
      b.emit('rowset.group', this.keys.length);
      b.comment('the group of these GROUP BY values (1: new)');
      b.emit('drop');
      b.emit('local.set', this.groupLocal);
    }
    if (this.aggregates.size === 0) return;
    b.emit('local.get', this.groupLocal);
    for (const aggregate of this.aggregates.values()) this.emitStep(b, aggregate);
    b.emit('drop');
  }

  /** After the rows are read: `body` once per group (with the group in its local), `skip` ending one group's turn. */
  emitEachGroup(b: ProgramBuilder, body: (skip: Label) => void): void {
    if (!this.hasGroupBy) {
      const skip = b.block();
      b.comment('the one group');
      body(skip);
      b.end(skip);
      return;
    }
    const done = b.block();
    const next = b.loop();
    b.comment('each group');
    b.emit('local.get', this.groupsLocal);
    b.emit('rowset.next');
    b.emit('i32.eqz');
    b.brIf(done);
    b.comment('no more groups');
    b.emit('local.get', this.groupsLocal);
    b.emit('rowset.row');
    b.emit('local.set', this.groupLocal);
    const skip = b.block();
    body(skip);
    b.end(skip);
    b.br(next);
    b.end(next);
    b.end(done);
  }

  private addAggregate(call: ast.FunctionCall, rowBinder: ExpressionBinder): void {
    const key = structuralKey(call);
    if (this.aggregates.has(key)) return;
    const { name, location } = call;
    if (call.distinct) throw this.errors.at(location, '0A000', `${name}(DISTINCT ...) is not supported yet`);
    const nested = findAggregate(call.arguments);
    if (nested !== undefined) throw this.errors.at(nested.location, '42803', 'aggregate function calls cannot be nested');
    if (call.star) {
      if (name !== 'count') throw this.errors.at(location, '42809', `${name}(*) must be used to call a parameterless aggregate function`);
      this.aggregates.set(key, { call, argument: undefined, field: this.width++, type: 'int8' });
      return;
    }
    if (call.arguments.length !== 1) {
      throw functionDoesNotExist(name, call.arguments.map((argument) => rowBinder.bind(argument).type), location, this.errors);
    }
    const written = rowBinder.bind(call.arguments[0]!);
    const argument = written.type === 'unknown' ? written.resolve!('text') : written;
    const type = resultType(name, argument.type, location, this.errors);
    this.aggregates.set(key, { call, argument, field: this.width, type });
    this.width += name === 'avg' ? 2 : 1;
  }

  /** row.new of the group width, count accumulators 0 (the others start NULL). */
  private emitNewGroup(b: ProgramBuilder): void {
    b.emit('row.new', this.width);
    for (const aggregate of this.aggregates.values()) {
      if (aggregate.call.name !== 'count' && aggregate.call.name !== 'avg') continue;
      b.emit('i64.const', 0n);
      b.emit('sql.from_i64');
      b.emit('row.set', aggregate.call.name === 'count' ? aggregate.field : aggregate.field + 1);
    }
  }

  /** [group] -> [group]: one aggregate's step for the current row. */
  private emitStep(b: ProgramBuilder, aggregate: Aggregate): void {
    const { call, argument, field } = aggregate;
    if (argument === undefined) {
      b.emit('i32.const', 1);
      b.emit('sql.from_bool');
      b.emit('agg.count', field);
      b.comment('count(*)');
      return;
    }
    argument.emit(b);
    switch (call.name) {
      case 'avg': {
        // avg = sum / count, the sum kept in float8 so it cannot overflow.
        const value = b.local('sql');
        b.emit('sql.cast', sqlTypeCodes.float8);
        b.emit('local.tee', value);
        b.emit('agg.sum', field);
        b.comment('avg: the sum');
        b.emit('local.get', value);
        b.emit('agg.count', field + 1);
        b.comment('avg: the count');
        return;
      }
      case 'count':
        b.emit('agg.count', field);
        break;
      case 'sum':
        b.emit('agg.sum', field);
        break;
      case 'min':
        b.emit('agg.min', field);
        break;
      case 'max':
        b.emit('agg.max', field);
        break;
    }
    b.comment(`${call.name}`);
  }

  private resolveExpression(expression: ast.Expression): BoundExpression | undefined {
    if (isAggregateCall(expression)) {
      const aggregate = this.aggregates.get(structuralKey(expression));
      if (aggregate === undefined) return undefined;
      return this.aggregateResult(aggregate, expression.location);
    }
    if (this.keys.length === 0 || expression.kind.endsWith('Literal') || expression.kind === 'Parameter') return undefined;
    const key = structuralKey(expression);
    const index = this.keys.findIndex((candidate) => candidate.key === key);
    if (index < 0) return undefined;
    return this.field(index, this.keys[index]!.bound.type, expression.location, 'GROUP BY value');
  }

  private aggregateResult(aggregate: Aggregate, location: number): BoundExpression {
    if (aggregate.call.name !== 'avg') return this.field(aggregate.field, aggregate.type, location, aggregate.call.name);
    return {
      type: 'float8',
      location,
      emit: (b) => {
        b.emit('local.get', this.groupLocal);
        b.emit('row.get', aggregate.field);
        b.emit('local.get', this.groupLocal);
        b.emit('row.get', aggregate.field + 1);
        b.emit('sql.cast', sqlTypeCodes.float8);
        b.emit('sql.div');
        b.comment('avg: sum / count (NULL for no rows)');
      },
    };
  }

  private field(index: number, type: CompilerType, location: number, what: string): BoundExpression {
    return {
      type,
      location,
      emit: (b) => {
        b.emit('local.get', this.groupLocal);
        b.emit('row.get', index);
        b.comment(what);
      },
    };
  }
}

function resultType(name: string, argument: CompilerType, location: number, errors: ErrorLocator): SqlType {
  const type = finalType(argument);
  switch (name) {
    case 'count':
      return 'int8';
    case 'sum':
      if (!isNumeric(type)) throw functionDoesNotExist(name, [type], location, errors);
      return type === 'float8' ? 'float8' : 'int8';
    case 'avg':
      if (!isNumeric(type)) throw functionDoesNotExist(name, [type], location, errors);
      return 'float8';
    default:
      if (type === 'jsonb' || type === 'boolean') {
        throw errors.at(location, '42883', `function ${name}(${typeDisplayName(type)}) does not exist`);
      }
      return type;
  }
}
