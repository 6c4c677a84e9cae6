/**
 * The SQL types the compiler reasons about and the rules that infer them
 * (docs/compiler.md §Types): the VM's SqlType plus `unknown`, the type of a
 * string literal, NULL or a parameter before its context decides, resolved to
 * text when nothing does. Each rule either returns a type or throws the error
 * PostgreSQL would raise while planning (42804, 42883, 42846, 42704, 22003),
 * with the 1-based position of the node it is about.
 */
import { SqlError, type SqlStateCode } from '../common/sql-error.js';
import type { TypeName } from '../parser/ast.js';
import { characterPosition } from '../parser/parse.js';
import { sqlTypeNames } from '../vm/sql-operations.js';
import type { SqlType } from '../vm/sql-values.js';

/** A type during compilation: `unknown` until a context resolves it (to text at the end). */
export type CompilerType = SqlType | 'unknown';

/** PostgreSQL's type OIDs (pg_type.oid), as RowDescription and ParameterDescription send them. */
export const typeOids: Readonly<Record<SqlType, number>> = {
  boolean: 16,
  int4: 23,
  int8: 20,
  float8: 701,
  text: 25,
  bytea: 17,
  timestamptz: 1184,
  jsonb: 3802,
};

/** OID of `unknown`, for completeness: no field or parameter leaves the compiler with it. */
export const unknownTypeOid = 705;

/** pg_type.typname: the short name PostgreSQL uses for a cast's column name (`SELECT 1::int` → int4). */
export const typeShortNames: Readonly<Record<SqlType, string>> = {
  boolean: 'bool',
  int4: 'int4',
  int8: 'int8',
  float8: 'float8',
  text: 'text',
  bytea: 'bytea',
  timestamptz: 'timestamptz',
  jsonb: 'jsonb',
};

/** The name PostgreSQL prints in messages (`integer`, `double precision`, `unknown`). */
export function typeDisplayName(type: CompilerType): string {
  return type === 'unknown' ? 'unknown' : sqlTypeNames[type];
}

/** The type a field or parameter ends with: unknown becomes text, as PostgreSQL resolves an untyped literal. */
export function finalType(type: CompilerType): SqlType {
  return type === 'unknown' ? 'text' : type;
}

// --- errors with a position ----------------------------------------------------


/**
 * Turns AST locations (UTF-16 offsets into the text given to the parser) into
 * positioned errors. Without the text, the offset + 1 is used, which is exact
 * unless characters outside the BMP come before it.
 */
export class ErrorLocator {
  constructor(private readonly sourceText: string | undefined) {}

  at(location: number, sqlstate: SqlStateCode, message: string, options: { detail?: string; hint?: string } = {}): SqlError {
    const position = this.sourceText === undefined ? location + 1 : characterPosition(this.sourceText, location);
    return new SqlError(sqlstate, message, { ...options, position });
  }

  /** Stamps a position on an SqlError raised while folding a constant (a VmFailure from sqlCast). */
  wrap(location: number, error: unknown): unknown {
    if (error instanceof SqlError && error.position === undefined) {
      return this.at(location, error.sqlstate, error.message, { detail: error.detail, hint: error.hint });
    }
    return error;
  }
}

const operatorHint = 'No operator matches the given name and argument types. You might need to add explicit type casts.';
const functionHint = 'No function matches the given name and argument types. You might need to add explicit type casts.';

// --- type names ------------------------------------------------------------------

/** The AST's canonical type names (parser/cst-to-ast.ts aliases) that dmachine has. */
const typesByName: ReadonlyMap<string, SqlType> = new Map([
  ['bool', 'boolean'],
  ['int4', 'int4'],
  ['int8', 'int8'],
  ['float8', 'float8'],
  ['text', 'text'],
  ['varchar', 'text'],
  ['bytea', 'bytea'],
  ['timestamptz', 'timestamptz'],
  ['jsonb', 'jsonb'],
]);

/** The SqlType a written type names; 42704 `type "x" does not exist` otherwise (int2, numeric, ... are not here yet). */
export function resolveTypeName(typeName: TypeName, errors: ErrorLocator): SqlType {
  const type = typeName.schema === null || typeName.schema === 'pg_catalog' ? typesByName.get(typeName.name) : undefined;
  if (type === undefined) {
    const written = typeName.schema === null ? typeName.name : `${typeName.schema}.${typeName.name}`;
    throw errors.at(typeName.location, '42704', `type "${written}" does not exist`);
  }
  return type;
}

// --- literals ------------------------------------------------------------------------

export const int4Min = -(2n ** 31n);
export const int4Max = 2n ** 31n - 1n;
export const int8Min = -(2n ** 63n);
export const int8Max = 2n ** 63n - 1n;

/** int4 when it fits, else int8; beyond int8 22003 (PostgreSQL would make it numeric, which dmachine lacks). */
export function integerLiteralType(value: bigint, text: string, location: number, errors: ErrorLocator): 'int4' | 'int8' {
  if (value >= int4Min && value <= int4Max) return 'int4';
  if (value >= int8Min && value <= int8Max) return 'int8';
  throw errors.at(location, '22003', `value "${text}" is out of range for type bigint`);
}

// --- operators -------------------------------------------------------------------

export const isNumeric = (type: CompilerType): type is 'int4' | 'int8' | 'float8' => type === 'int4' || type === 'int8' || type === 'float8';

/** The wider of two numeric types: float8 wins, then int8. */
export function widerNumeric(left: 'int4' | 'int8' | 'float8', right: 'int4' | 'int8' | 'float8'): 'int4' | 'int8' | 'float8' {
  if (left === 'float8' || right === 'float8') return 'float8';
  if (left === 'int8' || right === 'int8') return 'int8';
  return 'int4';
}

export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';

/**
 * The result of `left op right` once unknown sides took the other side's
 * type: int4∘int4 is int4 (the caller range-checks it), with int8 int8, with
 * float8 float8; `%` has no float8 form. Anything else: 42883.
 */
export function arithmeticResultType(operator: ArithmeticOperator, left: CompilerType, right: CompilerType, location: number, errors: ErrorLocator): 'int4' | 'int8' | 'float8' {
  if (isNumeric(left) && isNumeric(right)) {
    const result = widerNumeric(left, right);
    if (!(operator === '%' && result === 'float8')) return result;
  }
  throw operatorDoesNotExist(operator, left, right, location, errors);
}

/** Types `=`, `<` and friends (and BETWEEN, IN, CASE's operand) accept together: numbers with numbers, else the same type. */
export function comparable(left: SqlType, right: SqlType): boolean {
  return left === right || (isNumeric(left) && isNumeric(right));
}

export function operatorDoesNotExist(operator: string, left: CompilerType, right: CompilerType, location: number, errors: ErrorLocator): SqlError {
  return errors.at(location, '42883', `operator does not exist: ${typeDisplayName(left)} ${operator} ${typeDisplayName(right)}`, { hint: operatorHint });
}

export function unaryOperatorDoesNotExist(operator: string, operand: CompilerType, location: number, errors: ErrorLocator): SqlError {
  return errors.at(location, '42883', `operator does not exist: ${operator} ${typeDisplayName(operand)}`, { hint: operatorHint });
}

export function functionDoesNotExist(name: string, argumentTypes: readonly CompilerType[], location: number, errors: ErrorLocator): SqlError {
  return errors.at(location, '42883', `function ${name}(${argumentTypes.map(typeDisplayName).join(', ')}) does not exist`, { hint: functionHint });
}

/** `argument of AND must be type boolean, not type integer` (42804), for AND/OR/NOT/WHERE/CASE WHEN. */
export function notBoolean(construct: string, type: CompilerType, location: number, errors: ErrorLocator): SqlError {
  return errors.at(location, '42804', `argument of ${construct} must be type boolean, not type ${typeDisplayName(type)}`);
}

/**
 * The casts vm/sql-operations.ts sqlCast performs without 42846, restricted to
 * PostgreSQL's: any type to and from text, numbers among themselves, int4 with
 * boolean (PostgreSQL has no bigint or float to boolean casts).
 */
export function castExists(from: SqlType, to: SqlType): boolean {
  if (from === to || from === 'text' || to === 'text') return true;
  if (isNumeric(from) && isNumeric(to)) return true;
  return (from === 'int4' && to === 'boolean') || (from === 'boolean' && to === 'int4');
}

/**
 * The common type of the branches of CASE, coalesce, IN and BETWEEN, as
 * PostgreSQL's select_common_type: unknowns take the known type; numbers
 * widen; otherwise all known types must be equal (42804 `CASE types integer
 * and text cannot be matched`). All unknown: unknown (text at the end).
 */
export function commonType(construct: string, items: readonly { readonly type: CompilerType; readonly location: number }[], errors: ErrorLocator): CompilerType {
  let result: CompilerType = 'unknown';
  for (const item of items) {
    if (item.type === 'unknown') continue;
    if (result === 'unknown') result = item.type;
    else if (isNumeric(result) && isNumeric(item.type)) result = widerNumeric(result, item.type);
    else if (result !== item.type) {
      throw errors.at(item.location, '42804', `${construct} types ${typeDisplayName(result)} and ${typeDisplayName(item.type)} cannot be matched`);
    }
  }
  return result;
}
