/**
 * Expressions: binding an expression AST (types resolved and checked, names
 * looked up in a scope) into a BoundExpression that emits code leaving one
 * `sql` value on the operand stack.
 *
 * Two steps, as docs/compiler.md's pipeline has them. `bind` works bottom-up
 * and decides every type before any code exists, because an untyped side
 * (a string literal, NULL, a parameter) takes its type from the other side of
 * its operator: in `$1 + 1` the parameter is int4, in `'2' + 1.5` the literal
 * is folded to the float8 2 at compile time, so `'x' + 1` fails with 22P02
 * while compiling, at the literal, as in PostgreSQL. `emit` then writes the
 * instructions through the ProgramBuilder.
 *
 * The VM's values do not carry int4 (every integer is a bigint): an int4
 * result that could leave the int4 range is checked with `sql.cast int4`, which
 * traps 22003 "integer out of range" as PostgreSQL's int4 operators do.
 *
 * A scope resolves column references; SELECT without FROM has none, and a FROM
 * query's scope pushes a field of the current row.
 */
import { assert } from '../common/sql-error.js';
import type * as ast from '../parser/ast.js';
import { sqlCast } from '../vm/sql-operations.js';
import { sqlTypeCodes, type SqlType, type SqlValue } from '../vm/sql-values.js';
import type { ProgramBuilder } from './program-builder.js';
import { aggregateNames } from './select-grouping.js';
import {
  arithmeticResultType,
  castExists,
  commonType,
  comparable,
  finalType,
  functionDoesNotExist,
  integerLiteralType,
  isNumeric,
  notBoolean,
  operatorDoesNotExist,
  resolveTypeName,
  typeDisplayName,
  typeShortNames,
  unaryOperatorDoesNotExist,
  type ArithmeticOperator,
  type CompilerType,
  type ErrorLocator,
} from './sql-types.js';

/** What `SELECT version()` returns: the PostgreSQL version dmachine speaks, which drivers parse, then its own. */
export const versionText = 'PostgreSQL 15.0 (dmachine 0.1.0)';

/** An expression with its type decided, ready to emit. */
export interface BoundExpression {
  /** `unknown` only for a string literal, NULL or a parameter that no context has typed yet. */
  readonly type: CompilerType;
  /** Where errors about it point (the AST node's location). */
  readonly location: number;
  /** Emits code that leaves the value, one `sql`, on the stack. */
  emit(builder: ProgramBuilder): void;
  /** Present while the type is unknown: the same expression taking `type` from its context (folding a literal, typing a parameter). */
  readonly resolve?: (type: SqlType) => BoundExpression;
}

/** Where column references are looked up: SELECT without FROM has no columns; a FROM query pushes a row's field. */
export interface ExpressionScope {
  /** The column as a bound expression, or throws 42703 (or 42P01 for an unknown table qualifier) at reference.location. */
  resolveColumn(reference: ast.ColumnReference): BoundExpression;
  /**
   * A whole expression the scope computes itself (a GROUP BY value or an aggregate of a group),
   * asked before binding any expression; undefined binds it as usual.
   */
  resolveExpression?(expression: ast.Expression): BoundExpression | undefined;
}

/** The scope of SELECT without FROM: every column reference is 42703. */
export function emptyScope(errors: ErrorLocator): ExpressionScope {
  return {
    resolveColumn(reference) {
      const name = reference.table === null ? reference.column : `${reference.table}.${reference.column}`;
      if (reference.table !== null) throw errors.at(reference.location, '42P01', `missing FROM-clause entry for table "${reference.table}"`);
      throw errors.at(reference.location, '42703', `column "${name}" does not exist`);
    },
  };
}

/**
 * The types of a statement's `$n`: declared ones (from the protocol's Parse),
 * else the first context that decides them, else text. `count` is the highest
 * n used or declared; a gap is text.
 */
export class ParameterTypes {
  private readonly types: (SqlType | undefined)[];

  constructor(declared: readonly (SqlType | undefined)[] = []) {
    this.types = [...declared];
  }

  get count(): number {
    return this.types.length;
  }

  use(index: number): void {
    assert(Number.isInteger(index) && index >= 1, `parameter $${index} is numbered from 1`);
    while (this.types.length < index) this.types.push(undefined);
  }

  typeOf(index: number): CompilerType {
    return this.types[index - 1] ?? 'unknown';
  }

  assign(index: number, type: SqlType): void {
    assert(this.types[index - 1] === undefined, `parameter $${index} is typed once`);
    this.types[index - 1] = type;
  }

  /** Every parameter's type, undetermined ones as text. */
  final(): SqlType[] {
    return this.types.map((type) => type ?? 'text');
  }
}

const comparisonInstructions = {
  '=': 'sql.eq',
  '<>': 'sql.ne',
  '<': 'sql.lt',
  '<=': 'sql.le',
  '>': 'sql.gt',
  '>=': 'sql.ge',
} as const;
type ComparisonOperator = keyof typeof comparisonInstructions;

const arithmeticInstructions = {
  '+': 'sql.add',
  '-': 'sql.sub',
  '*': 'sql.mul',
  '/': 'sql.div',
  '%': 'sql.mod',
} as const;

const isComparison = (operator: string): operator is ComparisonOperator => operator in comparisonInstructions;
const isArithmetic = (operator: string): operator is ArithmeticOperator => operator in arithmeticInstructions;

/** Binds expressions of one statement: shares its parameter types and its error locator. */
export class ExpressionBinder {
  constructor(
    private readonly scope: ExpressionScope,
    readonly parameters: ParameterTypes,
    private readonly errors: ErrorLocator,
    /** Where an aggregate call would be, for its 42803: `in WHERE`, `in UPDATE`, ... */
    private readonly aggregatePlace = 'here',
  ) {}

  bind(expression: ast.Expression): BoundExpression {
    const resolved = this.scope.resolveExpression?.(expression);
    if (resolved !== undefined) return resolved;
    switch (expression.kind) {
      case 'IntegerLiteral':
        return this.constant(expression.value, integerLiteralType(expression.value, expression.text, expression.location, this.errors), expression.location);
      case 'NumericLiteral': {
        const value = Number(expression.text);
        if (!Number.isFinite(value)) throw this.errors.at(expression.location, '22003', `"${expression.text}" is out of range for type double precision`);
        return this.constant(value, 'float8', expression.location);
      }
      case 'StringLiteral':
        return this.unknownLiteral(expression.value, expression.location);
      case 'BooleanLiteral':
        return this.constant(expression.value, 'boolean', expression.location);
      case 'NullLiteral':
        return this.unknownLiteral(null, expression.location);
      case 'Parameter':
        return this.parameter(expression);
      case 'ColumnReference':
        return this.scope.resolveColumn(expression);
      case 'FunctionCall':
        return this.functionCall(expression);
      case 'SqlValueFunction':
        throw this.errors.at(expression.location, '0A000', `${expression.name} is not supported yet`);
      case 'UnaryExpression':
        return this.unary(expression);
      case 'BinaryExpression':
        return this.binary(expression);
      case 'LogicalExpression':
        return this.logical(expression);
      case 'NotExpression': {
        const operand = this.requireBoolean(this.bind(expression.operand), 'NOT');
        return this.typed('boolean', expression.location, (b) => {
          operand.emit(b);
          b.emit('sql.not');
        });
      }
      case 'IsExpression':
        return this.isTest(expression);
      case 'DistinctFromExpression':
        return this.distinctFrom(expression);
      case 'BetweenExpression':
        return this.between(expression);
      case 'InListExpression':
        return this.inList(expression);
      case 'LikeExpression':
        return this.like(expression);
      case 'CastExpression':
        return this.cast(expression);
      case 'CaseExpression':
        return this.caseExpression(expression);
    }
  }

  // --- leaves -------------------------------------------------------------------

  private typed(type: CompilerType, location: number, emit: (builder: ProgramBuilder) => void): BoundExpression {
    return { type, location, emit };
  }

  private constant(value: SqlValue, type: SqlType, location: number): BoundExpression {
    return this.typed(type, location, (b) => {
      if (value === null) b.emit('sql.null');
      else b.emit('const', b.sqlConstant(value));
    });
  }

  /** A string literal or NULL: text if nothing decides, else folded to its context's type now (22P02 here, at the literal). */
  private unknownLiteral(value: string | null, location: number): BoundExpression {
    return {
      type: 'unknown',
      location,
      emit: (b) => {
        if (value === null) b.emit('sql.null');
        else b.emit('const', b.sqlConstant(value));
      },
      resolve: (type) => {
        try {
          return this.constant(sqlCast(value, type), type, location);
        } catch (error) {
          throw this.errors.wrap(location, error);
        }
      },
    };
  }

  private parameter(expression: ast.Parameter): BoundExpression {
    const { index, location } = expression;
    if (index < 1) throw this.errors.at(location, '42P02', `there is no parameter $${index}`);
    const parameters = this.parameters;
    parameters.use(index);
    const bound: BoundExpression = {
      // Read when asked: a later use may type the parameter after this one was bound.
      get type() {
        return parameters.typeOf(index);
      },
      location,
      emit: (b) => {
        b.emit('param.get', index - 1);
        b.comment(`$${index}`);
      },
      resolve: (type) => {
        if (parameters.typeOf(index) === 'unknown') parameters.assign(index, type);
        return bound;
      },
    };
    return bound;
  }

  // --- coercions ----------------------------------------------------------------

  /** The expression as `type`: an unknown resolved, an integer widened to float8 (int4 and int8 share a representation). */
  private coerce(bound: BoundExpression, type: SqlType): BoundExpression {
    if (bound.type === 'unknown') return bound.resolve!(type);
    if (bound.type === type) return bound;
    assert(isNumeric(bound.type) && isNumeric(type), `coerce ${bound.type} to ${type}: callers check the types first`);
    if (type !== 'float8') return this.typed(type, bound.location, bound.emit);
    return this.typed(type, bound.location, (b) => {
      bound.emit(b);
      b.emit('sql.cast', sqlTypeCodes.float8);
      b.comment('to the common type float8');
    });
  }

  /** An unknown side takes the other's type; both unknown stay unknown. */
  private unifyPair(left: BoundExpression, right: BoundExpression): [BoundExpression, BoundExpression] {
    if (left.type === 'unknown' && right.type !== 'unknown') return [left.resolve!(right.type), right];
    if (right.type === 'unknown' && left.type !== 'unknown') return [left, right.resolve!(left.type)];
    return [left, right];
  }

  private requireBoolean(bound: BoundExpression, construct: string): BoundExpression {
    if (bound.type === 'unknown') return bound.resolve!('boolean');
    if (bound.type !== 'boolean') throw notBoolean(construct, bound.type, bound.location, this.errors);
    return bound;
  }

  /** Operands compared with each other (=, BETWEEN, IN, simple CASE): unknowns take the first known type, else text. */
  private comparedTogether(operands: readonly BoundExpression[]): BoundExpression[] {
    const known = operands.find((operand) => operand.type !== 'unknown')?.type;
    const type = known === undefined || known === 'unknown' ? 'text' : known;
    return operands.map((operand) => (operand.type === 'unknown' ? operand.resolve!(type) : operand));
  }

  private checkComparable(operator: string, left: BoundExpression, right: BoundExpression, location: number): void {
    if (!comparable(finalType(left.type), finalType(right.type))) throw operatorDoesNotExist(operator, left.type, right.type, location, this.errors);
  }

  // --- operators ----------------------------------------------------------------

  private unary(expression: ast.UnaryExpression): BoundExpression {
    const operand = this.bind(expression.operand);
    if (!isNumeric(operand.type)) throw unaryOperatorDoesNotExist(expression.operator, operand.type, expression.location, this.errors);
    if (expression.operator === '+') return this.typed(operand.type, expression.location, operand.emit);
    const type = operand.type;
    return this.typed(type, expression.location, (b) => {
      operand.emit(b);
      b.emit('sql.neg');
      if (type === 'int4') {
        b.emit('sql.cast', sqlTypeCodes.int4);
        b.comment('-int4 stays in int4');
      }
    });
  }

  private binary(expression: ast.BinaryExpression): BoundExpression {
    const { operator, location } = expression;
    const written = [this.bind(expression.left), this.bind(expression.right)] as const;
    if (operator === '||') return this.concatenation(...written, location);
    let [left, right] = this.unifyPair(...written);
    if (isComparison(operator)) {
      if (left.type === 'unknown') [left, right] = [left.resolve!('text'), right.resolve!('text')];
      this.checkComparable(operator, left, right, location);
      return this.typed('boolean', location, (b) => {
        left.emit(b);
        right.emit(b);
        b.emit(comparisonInstructions[operator]);
      });
    }
    if (isArithmetic(operator)) {
      if (left.type === 'unknown') {
        throw this.errors.at(location, '42725', `operator is not unique: unknown ${operator} unknown`, {
          hint: 'Could not choose a best candidate operator. You might need to add explicit type casts.',
        });
      }
      const type = arithmeticResultType(operator, left.type, right.type, location, this.errors);
      return this.typed(type, location, (b) => {
        left.emit(b);
        right.emit(b);
        b.emit(arithmeticInstructions[operator]);
        if (type === 'int4' && operator !== '%') {
          b.emit('sql.cast', sqlTypeCodes.int4);
          b.comment(`int4 ${operator} int4 stays in int4`);
        }
      });
    }
    if (operator === '^' && isNumeric(left.type) && isNumeric(right.type)) throw this.errors.at(location, '0A000', 'operator ^ is not supported yet');
    throw operatorDoesNotExist(operator, left.type, right.type, location, this.errors);
  }

  /** `||`: text with text or with any other type (as its text), bytea with bytea. */
  private concatenation(left: BoundExpression, right: BoundExpression, location: number): BoundExpression {
    // PostgreSQL's text || anynonarray: an unknown side is text, unless the other is bytea (bytea || bytea).
    const typeForUnknown = left.type === 'bytea' || right.type === 'bytea' ? 'bytea' : 'text';
    [left, right] = [this.coerceUnknown(left, typeForUnknown), this.coerceUnknown(right, typeForUnknown)];
    const textual = left.type === 'text' || right.type === 'text';
    const type = textual ? 'text' : left.type === 'bytea' && right.type === 'bytea' ? 'bytea' : undefined;
    if (type === undefined) throw operatorDoesNotExist('||', left.type, right.type, location, this.errors);
    return this.typed(type, location, (b) => {
      left.emit(b);
      right.emit(b);
      b.emit('sql.concat');
    });
  }

  private logical(expression: ast.LogicalExpression): BoundExpression {
    const construct = expression.operator === 'and' ? 'AND' : 'OR';
    const operands = expression.operands.map((operand) => this.requireBoolean(this.bind(operand), construct));
    const instruction = expression.operator === 'and' ? 'sql.and' : 'sql.or';
    return this.typed('boolean', expression.location, (b) => {
      operands.forEach((operand, index) => {
        operand.emit(b);
        if (index > 0) b.emit(instruction);
      });
    });
  }

  private isTest(expression: ast.IsExpression): BoundExpression {
    const { test, negated, location } = expression;
    const written = `IS ${negated ? 'NOT ' : ''}${test.toUpperCase()}`;
    // IS [NOT] NULL takes any type; an unknown operand stays unknown (a parameter then is text).
    const operand = test === 'null' ? this.bind(expression.operand) : this.requireBoolean(this.bind(expression.operand), written);
    return this.typed('boolean', location, (b) => {
      operand.emit(b);
      if (test === 'null' || test === 'unknown') b.emit('sql.is_null');
      else {
        if (test === 'false') b.emit('sql.not');
        b.emit('sql.is_true'); // NULL reads as not true: IS TRUE / IS FALSE are never NULL
      }
      if (negated) b.emit('i32.eqz');
      b.emit('sql.from_bool');
      b.comment(written);
    });
  }

  /** IS DISTINCT FROM: `<>` that treats NULL as a value, so never NULL. */
  private distinctFrom(expression: ast.DistinctFromExpression): BoundExpression {
    const [left, right] = this.comparedTogether(this.unifyPair(this.bind(expression.left), this.bind(expression.right)));
    this.checkComparable('=', left!, right!, expression.location);
    return this.typed('boolean', expression.location, (b) => {
      const leftLocal = b.local('sql');
      const rightLocal = b.local('sql');
      left!.emit(b);
      b.emit('local.set', leftLocal);
      right!.emit(b);
      b.emit('local.set', rightLocal);
      b.emit('local.get', leftLocal);
      b.emit('sql.is_null');
      b.emit('local.get', rightLocal);
      b.emit('sql.is_null');
      b.emit('i32.or');
      const eitherNull = b.ifThen('sql');
      b.comment('either side NULL: distinct unless both are');
      b.emit('local.get', leftLocal);
      b.emit('sql.is_null');
      b.emit('local.get', rightLocal);
      b.emit('sql.is_null');
      b.emit('i32.xor');
      b.emit('sql.from_bool');
      b.otherwise(eitherNull);
      b.emit('local.get', leftLocal);
      b.emit('local.get', rightLocal);
      b.emit('sql.ne');
      b.end(eitherNull);
      if (expression.negated) {
        b.emit('sql.not');
        b.comment('IS NOT DISTINCT FROM');
      }
    });
  }

  /** `x BETWEEN a AND b` is `x >= a AND x <= b` with x evaluated once. */
  private between(expression: ast.BetweenExpression): BoundExpression {
    const [operand, low, high] = this.comparedTogether([this.bind(expression.operand), this.bind(expression.low), this.bind(expression.high)]) as [
      BoundExpression,
      BoundExpression,
      BoundExpression,
    ];
    this.checkComparable('>=', operand, low, expression.location);
    this.checkComparable('<=', operand, high, expression.location);
    return this.typed('boolean', expression.location, (b) => {
      const value = b.local('sql');
      operand.emit(b);
      b.emit('local.tee', value);
      low.emit(b);
      b.emit('sql.ge');
      b.emit('local.get', value);
      high.emit(b);
      b.emit('sql.le');
      b.emit('sql.and');
      b.comment('BETWEEN: x >= low AND x <= high');
      if (expression.negated) b.emit('sql.not');
    });
  }

  /** `x IN (a, b)` is `x = a OR x = b`: true if any is true, else NULL if any is NULL, else false, as PostgreSQL. */
  private inList(expression: ast.InListExpression): BoundExpression {
    const [operand, ...list] = this.comparedTogether([this.bind(expression.operand), ...expression.list.map((item) => this.bind(item))]) as [
      BoundExpression,
      ...BoundExpression[],
    ];
    for (const item of list) this.checkComparable('=', operand, item, expression.location);
    return this.typed('boolean', expression.location, (b) => {
      const value = b.local('sql');
      operand.emit(b);
      b.emit('local.set', value);
      list.forEach((item, index) => {
        b.emit('local.get', value);
        item.emit(b);
        b.emit('sql.eq');
        if (index > 0) b.emit('sql.or');
      });
      if (expression.negated) {
        b.emit('sql.not');
        b.comment('NOT IN');
      }
    });
  }

  private like(expression: ast.LikeExpression): BoundExpression {
    const { caseInsensitive, negated, location } = expression;
    const operator = `${negated ? '!' : ''}~~${caseInsensitive ? '*' : ''}`;
    const written = [this.bind(expression.operand), this.bind(expression.pattern)];
    // Checked before unknowns resolve, so the message names them as PostgreSQL does (integer ~~ unknown).
    if (written.some((side) => side.type !== 'text' && side.type !== 'unknown')) {
      throw operatorDoesNotExist(operator, written[0]!.type, written[1]!.type, location, this.errors);
    }
    const [operand, pattern] = written.map((side) => this.coerceUnknown(side, 'text')) as [BoundExpression, BoundExpression];
    const escape = expression.escape;
    if (escape !== null && !(escape.kind === 'StringLiteral' && escape.value === '\\')) {
      throw this.errors.at(escape.location, '0A000', 'LIKE ... ESCAPE with another character than backslash is not supported yet');
    }
    return this.typed('boolean', location, (b) => {
      operand.emit(b);
      // ILIKE as LIKE on lower-cased sides: the same as PostgreSQL's for all but a few locale-specific characters.
      if (caseInsensitive) b.emit('sql.lower');
      pattern.emit(b);
      if (caseInsensitive) b.emit('sql.lower');
      b.emit('sql.like');
      if (negated) b.emit('sql.not');
    });
  }

  private coerceUnknown(bound: BoundExpression, type: SqlType): BoundExpression {
    return bound.type === 'unknown' ? bound.resolve!(type) : bound;
  }

  private cast(expression: ast.CastExpression): BoundExpression {
    const type = resolveTypeName(expression.type, this.errors);
    const operand = this.bind(expression.operand);
    // A literal is converted now (so 'abc'::int4 fails while compiling, at the literal); a parameter takes the type.
    if (operand.type === 'unknown') return operand.resolve!(type);
    if (operand.type === type) return operand;
    if (!castExists(operand.type, type)) {
      throw this.errors.at(expression.location, '42846', `cannot cast type ${typeDisplayName(operand.type)} to ${typeDisplayName(type)}`);
    }
    return this.typed(type, expression.location, (b) => {
      operand.emit(b);
      b.emit('sql.cast', sqlTypeCodes[type]);
      b.comment(`::${typeShortNames[type]}`);
    });
  }

  // --- CASE and functions --------------------------------------------------------

  /** The results of CASE or coalesce in their common type; all unknown become text. */
  private commonResults(construct: string, results: readonly BoundExpression[]): { type: SqlType; results: BoundExpression[] } {
    const type = finalType(commonType(construct, results, this.errors));
    return { type, results: results.map((result) => this.coerce(result, type)) };
  }

  private caseExpression(expression: ast.CaseExpression): BoundExpression {
    const operand = expression.operand === null ? null : this.bind(expression.operand);
    let conditions: BoundExpression[];
    let comparedOperand: BoundExpression | null = null;
    if (operand === null) {
      conditions = expression.whens.map((when) => this.requireBoolean(this.bind(when.condition), 'CASE/WHEN'));
    } else {
      const [typedOperand, ...values] = this.comparedTogether([operand, ...expression.whens.map((when) => this.bind(when.condition))]);
      comparedOperand = typedOperand!;
      values.forEach((value) => this.checkComparable('=', comparedOperand!, value, value.location));
      conditions = values;
    }
    const written = [...expression.whens.map((when) => this.bind(when.result)), ...(expression.elseResult === null ? [] : [this.bind(expression.elseResult)])];
    const { type, results } = this.commonResults('CASE', written);
    const elseResult = expression.elseResult === null ? null : results.pop()!;
    return this.typed(type, expression.location, (b) => {
      let operandLocal: number | undefined;
      if (comparedOperand !== null) {
        operandLocal = b.local('sql');
        comparedOperand.emit(b);
        b.emit('local.set', operandLocal);
        b.comment('CASE operand');
      }
      // WHEN ... THEN ... ELSE nests as if/else, each if leaving the result.
      const labels = conditions.map((condition, index) => {
        if (operandLocal !== undefined) b.emit('local.get', operandLocal);
        condition.emit(b);
        if (operandLocal !== undefined) b.emit('sql.eq');
        b.emit('sql.is_true');
        const label = b.ifThen('sql');
        b.comment(`WHEN ${index + 1}`);
        results[index]!.emit(b);
        b.otherwise(label);
        return label;
      });
      if (elseResult === null) b.emit('sql.null');
      else elseResult.emit(b);
      for (const label of labels.reverse()) b.end(label);
    });
  }

  private functionCall(call: ast.FunctionCall): BoundExpression {
    const { name, location } = call;
    if (call.schema !== null && call.schema !== 'pg_catalog') {
      throw functionDoesNotExist(`${call.schema}.${name}`, [], location, this.errors);
    }
    if (aggregateNames.has(name)) {
      // Aggregates are bound by the scope of a grouped query (compiler/select-grouping.ts); anywhere else they are misplaced.
      throw this.errors.at(location, '42803', `aggregate functions are not allowed ${this.aggregatePlace}`);
    }
    if (call.star || call.distinct) throw functionDoesNotExist(name, [], location, this.errors);
    const argumentsBound = call.arguments.map((argument) => this.bind(argument));
    const types = argumentsBound.map((argument) => argument.type);
    switch (name) {
      case 'version':
        if (argumentsBound.length === 0) return this.constant(versionText, 'text', location);
        break;
      case 'lower':
      case 'upper': {
        const [argument] = argumentsBound.map((bound) => this.coerceUnknown(bound, 'text'));
        if (argumentsBound.length === 1 && argument!.type === 'text') {
          return this.typed('text', location, (b) => {
            argument!.emit(b);
            b.emit(name === 'lower' ? 'sql.lower' : 'sql.upper');
          });
        }
        break;
      }
      case 'length': {
        const [argument] = argumentsBound.map((bound) => this.coerceUnknown(bound, 'text'));
        if (argumentsBound.length === 1 && (argument!.type === 'text' || argument!.type === 'bytea')) {
          return this.typed('int4', location, (b) => {
            argument!.emit(b);
            b.emit('sql.length');
          });
        }
        break;
      }
      case 'coalesce':
        return this.coalesce(argumentsBound, location);
    }
    throw functionDoesNotExist(name, types, location, this.errors);
  }

  /** coalesce(a, b, ...): the first non-NULL argument; later ones are not evaluated. */
  private coalesce(argumentsBound: readonly BoundExpression[], location: number): BoundExpression {
    assert(argumentsBound.length > 0, 'the grammar requires an argument of coalesce');
    const { type, results } = this.commonResults('COALESCE', argumentsBound);
    return this.typed(type, location, (b) => {
      const value = b.local('sql');
      const labels = results.slice(0, -1).map((result, index) => {
        result.emit(b);
        b.emit('local.tee', value);
        b.emit('sql.is_null');
        const label = b.ifThen('sql');
        b.comment(`coalesce: argument ${index + 1} is NULL`);
        return label;
      });
      results.at(-1)!.emit(b);
      for (const label of labels.reverse()) {
        b.otherwise(label);
        b.emit('local.get', value);
        b.end(label);
      }
    });
  }
}
