/**
 * LIMIT and OFFSET of a SELECT, counted in bytecode (or pushed into a scan's
 * limit by the caller). Both are bigint expressions, as in PostgreSQL: LIMIT NULL
 * is no limit, OFFSET NULL is no offset, a negative value is 2201W / 2201X.
 *
 *     [<LIMIT> local.tee value  sql.is_null  if  i64.const -1  local.set limit
 *      else  local.get value  sql.to_i64  local.tee limit  i64.const 0  i64.lt_s
 *            if  error.raise 2201W  end  end
 *      local.get limit  i64.eqz  br_if done]                ; LIMIT 0: no rows
 *     [<OFFSET> the same into offset, NULL as 0, 2201X]
 *     per row, before the projection:
 *       [local.get offset  i64.eqz  i32.eqz  if  offset -= 1  br skip  end]
 *     per row, after row.emit (unless the scan's limit does it):
 *       [local.get limit  i64.const 1  i64.sub  local.tee limit  i64.eqz  br_if done]
 */
import { assert } from '../common/sql-error.js';
import type * as ast from '../parser/ast.js';
import { descendantNodes } from '../parser/ast-children.js';
import type { ExpressionBinder, BoundExpression } from './expressions.js';
import type { Label, ProgramBuilder } from './program-builder.js';
import { typeDisplayName, type ErrorLocator } from './sql-types.js';
import type { SqlType } from '../vm/sql-values.js';

const scanLimitMax = 2n ** 31n - 1n;

interface CountClause {
  readonly name: 'LIMIT' | 'OFFSET';
  /** Known at compile time (an integer literal), else computed at run time. */
  readonly literal: bigint | undefined;
  readonly bound: BoundExpression;
}

export class RowLimit {
  private limitLocal = -1;
  private offsetLocal = -1;

  private constructor(
    private readonly limit: CountClause | undefined,
    private readonly offset: CountClause | undefined,
  ) {}

  /** Binds LIMIT and OFFSET; a negative literal is refused here, a negative parameter at run time. */
  static bind(statement: ast.SelectStatement, binder: ExpressionBinder, errors: ErrorLocator): RowLimit {
    const clause = (name: CountClause['name'], expression: ast.Expression | null): CountClause | undefined => {
      if (expression === null) return undefined;
      const column = [...descendantNodes(expression)].find((node) => node.kind === 'ColumnReference');
      if (column !== undefined) {
        // Counted once before the rows are read, so it cannot depend on them (PostgreSQL: 42P10).
        throw errors.at((column as ast.ColumnReference).location, '42P10', `argument of ${name} must not contain variables`);
      }
      const value = bindBigint(binder, expression, name, errors);
      const literal = expression.kind === 'IntegerLiteral' ? expression.value : undefined;
      if (literal !== undefined && literal < 0n) throw negative(errors, value.location, name);
      return { name, literal, bound: value };
    };
    return new RowLimit(clause('LIMIT', statement.limit), clause('OFFSET', statement.offset));
  }

  get hasLimit(): boolean {
    return this.limit !== undefined;
  }

  get hasOffset(): boolean {
    return this.offset !== undefined;
  }

  /** Evaluates both clauses into locals at the program's start; LIMIT 0 branches to `done` (given with a LIMIT) at once. */
  emitStart(b: ProgramBuilder, done: Label | undefined): void {
    if (this.limit !== undefined) {
      assert(done !== undefined, 'a LIMIT needs a label to end at');
      this.limitLocal = b.local('i64');
      emitCount(b, this.limit, this.limitLocal, -1n);
      b.emit('local.get', this.limitLocal);
      b.emit('i64.eqz');
      b.brIf(done);
      b.comment('LIMIT 0: no rows');
    }
    if (this.offset !== undefined) {
      this.offsetLocal = b.local('i64');
      emitCount(b, this.offset, this.offsetLocal, 0n);
    }
  }

  /**
   * Pushes the i32 limit of a scan that has no filter left: LIMIT + OFFSET words,
   * or 0 (no limit) without LIMIT or when the sum does not fit.
   */
  emitScanLimit(b: ProgramBuilder): void {
    if (this.limit === undefined) {
      b.emit('i32.const', 0);
      b.comment('no limit');
      return;
    }
    if (this.limit.literal !== undefined && (this.offset === undefined || this.offset.literal !== undefined)) {
      const total = this.limit.literal + (this.offset?.literal ?? 0n);
      b.emit('i32.const', total > scanLimitMax ? 0 : Number(total));
      b.comment(total > scanLimitMax ? 'no limit: LIMIT + OFFSET is past the scan limit' : 'LIMIT + OFFSET');
      return;
    }
    b.emit('i32.const', 0);
    const total = this.emitTotal(b);
    b.emit('local.get', total);
    b.emit('i32.wrap_i64');
    b.comment('LIMIT + OFFSET');
    this.emitUnbounded(b, total);
    b.emit('local.get', total);
    b.emit('i64.const', scanLimitMax);
    b.emit('i64.gt_s');
    b.emit('i32.or');
    b.emit('select');
    b.comment('0 when there is no limit or it does not fit');
  }

  /**
   * Pushes the i64 `keep` of a sorting rowset: LIMIT + OFFSET rows, or -1 (all) without
   * LIMIT, for LIMIT NULL, or when the sum overflows.
   */
  emitKeep(b: ProgramBuilder): void {
    if (this.limit === undefined) {
      b.emit('i64.const', -1n);
      b.comment('no LIMIT: keep every row');
      return;
    }
    if (this.offsetLocal < 0) {
      b.emit('local.get', this.limitLocal);
      b.comment('keep LIMIT rows (-1: all)');
      return;
    }
    b.emit('i64.const', -1n);
    const total = this.emitTotal(b);
    b.emit('local.get', total);
    b.comment('keep LIMIT + OFFSET rows');
    this.emitUnbounded(b, total);
    b.emit('select');
    b.comment('-1 (all) when there is no limit or the sum overflowed');
  }

  /** LIMIT + OFFSET (OFFSET when present) into a new i64 local, its index returned. */
  private emitTotal(b: ProgramBuilder): number {
    const total = b.local('i64');
    b.emit('local.get', this.limitLocal);
    if (this.offsetLocal >= 0) {
      b.emit('local.get', this.offsetLocal);
      b.emit('i64.add');
    }
    b.emit('local.set', total);
    return total;
  }

  /** Pushes 1 when the total means no limit: LIMIT NULL (-1) or a sum that overflowed. */
  private emitUnbounded(b: ProgramBuilder, total: number): void {
    b.emit('local.get', this.limitLocal);
    b.emit('i64.const', 0n);
    b.emit('i64.lt_s');
    b.emit('local.get', total);
    b.emit('i64.const', 0n);
    b.emit('i64.lt_s');
    b.emit('i32.or');
  }

  /** Skips the row while OFFSET rows remain to skip. */
  emitOffsetSkip(b: ProgramBuilder, skip: Label): void {
    if (this.offset === undefined) return;
    b.emit('local.get', this.offsetLocal);
    b.emit('i64.eqz');
    b.emit('i32.eqz');
    const skipping = b.ifThen();
    b.comment('OFFSET: rows left to skip');
    b.emit('local.get', this.offsetLocal);
    b.emit('i64.const', 1n);
    b.emit('i64.sub');
    b.emit('local.set', this.offsetLocal);
    b.br(skip);
    b.end(skipping);
  }

  /** After a row is emitted: one less to go, and done at zero. No LIMIT never reaches zero (it starts at -1). */
  emitCountDown(b: ProgramBuilder, done: Label | undefined): void {
    if (this.limit === undefined) return;
    assert(done !== undefined, 'a LIMIT needs a label to end at');
    b.emit('local.get', this.limitLocal);
    b.emit('i64.const', 1n);
    b.emit('i64.sub');
    b.emit('local.tee', this.limitLocal);
    b.emit('i64.eqz');
    b.brIf(done);
    b.comment('LIMIT reached');
  }
}

function negative(errors: ErrorLocator, location: number, name: CountClause['name']) {
  return errors.at(location, name === 'LIMIT' ? '2201W' : '2201X', `${name} must not be negative`);
}

/** The clause's value into an i64 local; NULL becomes `ifNull`, a negative value raises 2201W / 2201X. */
function emitCount(b: ProgramBuilder, clause: CountClause, local: number, ifNull: bigint): void {
  if (clause.literal !== undefined) {
    b.emit('i64.const', clause.literal);
    b.comment(clause.name);
    b.emit('local.set', local);
    return;
  }
  const negativeState = clause.name === 'LIMIT' ? '2201W' : '2201X';
  emitNonNegative(b, clause.bound, local, ifNull, clause.name, negativeState, `${clause.name} NULL: ${ifNull < 0n ? 'no limit' : 'no offset'}`);
}

/**
 * An integer argument (LIMIT, OFFSET, a queue's LIMIT or VISIBILITY or message id): an
 * unknown is bigint, int4 and int8 pass, anything else is 42804 as PostgreSQL words it.
 */
export function bindBigint(binder: ExpressionBinder, expression: ast.Expression, what: string, errors: ErrorLocator): BoundExpression {
  const bound = binder.bind(expression);
  const value = bound.type === 'unknown' ? bound.resolve!('int8') : bound;
  if (value.type !== 'int4' && value.type !== 'int8') {
    throw errors.at(bound.location, '42804', `argument of ${what} must be type bigint, not type ${typeDisplayName(value.type as SqlType)}`);
  }
  return value;
}

/** The integer's value into an i64 local at run time: NULL gives `ifNull`; a negative value raises `negativeState` "<what> must not be negative". */
export function emitNonNegative(b: ProgramBuilder, bound: BoundExpression, local: number, ifNull: bigint, what: string, negativeState: string, nullComment: string): void {
  const value = b.local('sql');
  bound.emit(b);
  b.emit('local.tee', value);
  b.emit('sql.is_null');
  const isNull = b.ifThen();
  b.comment(nullComment);
  b.emit('i64.const', ifNull);
  b.emit('local.set', local);
  b.otherwise(isNull);
  b.emit('local.get', value);
  b.emit('sql.to_i64');
  b.emit('local.tee', local);
  b.emit('i64.const', 0n);
  b.emit('i64.lt_s');
  const isNegative = b.ifThen();
  b.emit('error.raise', b.nameConstant(negativeState), b.nameConstant(`${what} must not be negative`));
  b.end(isNegative);
  b.end(isNull);
}
