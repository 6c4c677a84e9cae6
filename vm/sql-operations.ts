/**
 * The semantics of the `sql.*` instructions (vm/isa.ts), one exported function
 * per instruction, on SqlValue (vm/sql-values.ts). The interpreter calls them
 * directly, so they allocate nothing beyond their results on the common paths
 * and build no closures.
 *
 * PostgreSQL 15 is the reference: SQLSTATEs, message wording, NULL
 * propagation, three-valued logic, overflow checks, the float8 output format
 * and the input rules of each type's input function. Where dmachine departs
 * from it on purpose, the function's comment says so. The main departures:
 * - type errors surface at run time as 42804 (PostgreSQL reports most of them
 *   while planning, as 42883 "operator does not exist"); the compiler is
 *   expected to catch them first.
 * - a bigint compares with a float exactly (PostgreSQL rounds the bigint to a
 *   float first, so 2^53 + 1 = 2^53::float8 there).
 * - text compares by UTF-8 bytes, as PostgreSQL's "C" collation.
 * - a LIKE pattern that ends with a lone backslash is refused up front
 *   (PostgreSQL only notices when matching reaches it).
 * timestamptz and jsonb follow vm/sql-timestamptz.ts and vm/sql-jsonb.ts,
 * whose headers list their departures (a narrower timestamptz input syntax;
 * jsonb's order at the top level; no casts between jsonb and scalars yet).
 * Every SQL integer is a bigint in the int8 range; a value typed int4 is only
 * range-checked when cast to int4, since the runtime value does not carry it.
 */
import { VmFailure } from './failures.js';
import { compareJsonbValues, parseJsonbText } from './sql-jsonb.js';
import { compareTextByUtf8 } from './utf8-text.js';
import { formatTimestamptz, parseTimestamptzText } from './sql-timestamptz.js';
import { Jsonb, Timestamptz, type SqlType, type SqlValue } from './sql-values.js';

type NonNullSqlValue = Exclude<SqlValue, null>;

const int8Min = -(2n ** 63n);
const int8Max = 2n ** 63n - 1n;
const int4Min = -(2n ** 31n);
const int4Max = 2n ** 31n - 1n;
/** Integers whose magnitude is at most this convert to a float exactly. */
const floatExactIntegerMax = 2n ** 53n;

/** The names PostgreSQL prints for each type, in messages and casts. */
export const sqlTypeNames: Readonly<Record<SqlType, string>> = {
  boolean: 'boolean',
  int4: 'integer',
  int8: 'bigint',
  float8: 'double precision',
  text: 'text',
  bytea: 'bytea',
  timestamptz: 'timestamp with time zone',
  jsonb: 'jsonb',
};

/** The PostgreSQL name of a value's type; every integer reports bigint. */
function valueTypeName(value: NonNullSqlValue): string {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'bigint';
    case 'number':
      return 'double precision';
    case 'string':
      return 'text';
    default:
      if (value instanceof Timestamptz) return 'timestamp with time zone';
      if (value instanceof Jsonb) return 'jsonb';
      return 'bytea';
  }
}

// --- failures ---------------------------------------------------------------

function trap(sqlstate: string, message: string): VmFailure {
  return new VmFailure('trap', message, { sqlstate });
}

function operatorMismatch(operator: string, left: NonNullSqlValue, right: NonNullSqlValue): VmFailure {
  return trap('42804', `operator does not exist: ${valueTypeName(left)} ${operator} ${valueTypeName(right)}`);
}

function unaryOperatorMismatch(operator: string, operand: NonNullSqlValue): VmFailure {
  return trap('42804', `operator does not exist: ${operator} ${valueTypeName(operand)}`);
}

function functionMismatch(name: string, argument: NonNullSqlValue): VmFailure {
  return trap('42804', `function ${name}(${valueTypeName(argument)}) does not exist`);
}

function notBoolean(context: string, value: NonNullSqlValue): VmFailure {
  return trap('42804', `argument of ${context} must be type boolean, not type ${valueTypeName(value)}`);
}

function bigintOutOfRange(): VmFailure {
  return trap('22003', 'bigint out of range');
}

function integerOutOfRange(): VmFailure {
  return trap('22003', 'integer out of range');
}

function divisionByZero(): VmFailure {
  return trap('22012', 'division by zero');
}

function floatOverflow(): VmFailure {
  return trap('22003', 'value out of range: overflow');
}

function floatUnderflow(): VmFailure {
  return trap('22003', 'value out of range: underflow');
}

function invalidInput(typeName: string, input: string): VmFailure {
  return trap('22P02', `invalid input syntax for type ${typeName}: "${input}"`);
}

function cannotCast(value: NonNullSqlValue, type: SqlType): VmFailure {
  return trap('42846', `cannot cast type ${valueTypeName(value)} to ${sqlTypeNames[type]}`);
}

function checkInt8(value: bigint): bigint {
  if (value < int8Min || value > int8Max) throw bigintOutOfRange();
  return value;
}

// --- comparison ---------------------------------------------------------------

/**
 * Floats order as PostgreSQL's float8 comparisons do: NaN equals NaN and is
 * greater than every other value (so ORDER BY and indexes have a total order);
 * -0 equals 0.
 */
function compareFloats(left: number, right: number): number {
  if (left < right) return -1;
  if (left > right) return 1;
  if (left === right) return 0;
  const leftIsNaN = left !== left;
  const rightIsNaN = right !== right;
  if (leftIsNaN) return rightIsNaN ? 0 : 1;
  return -1;
}

/**
 * An exact comparison, even where the bigint has no float equal (beyond 2^53):
 * compare the integer with the float's floor, which is an exact integer.
 */
function compareIntegerWithFloat(integer: bigint, float: number): number {
  if (float !== float) return -1; // NaN is greater than every number
  if (integer >= -floatExactIntegerMax && integer <= floatExactIntegerMax) {
    const exact = Number(integer);
    return exact < float ? -1 : exact > float ? 1 : 0;
  }
  if (float === Infinity) return -1;
  if (float === -Infinity) return 1;
  const floor = Math.floor(float);
  const floorInteger = BigInt(floor);
  if (integer < floorInteger) return -1;
  if (integer > floorInteger) return 1; // integer >= floor + 1 > float
  return floor === float ? 0 : -1;
}

function compareBytes(left: Uint8Array, right: Uint8Array): number {
  const commonLength = left.length < right.length ? left.length : right.length;
  for (let index = 0; index < commonLength; index++) {
    const difference = left[index]! - right[index]!;
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  return left.length < right.length ? -1 : left.length > right.length ? 1 : 0;
}

/** -1, 0 or 1; traps 42804 (naming the operator) when the types do not compare. */
function compareNonNull(left: NonNullSqlValue, right: NonNullSqlValue, operator: string): number {
  switch (typeof left) {
    case 'bigint':
      if (typeof right === 'bigint') return left < right ? -1 : left > right ? 1 : 0;
      if (typeof right === 'number') return compareIntegerWithFloat(left, right);
      break;
    case 'number':
      if (typeof right === 'number') return compareFloats(left, right);
      if (typeof right === 'bigint') {
        const swapped = compareIntegerWithFloat(right, left);
        return swapped === 0 ? 0 : -swapped;
      }
      break;
    case 'string':
      if (typeof right === 'string') return compareTextByUtf8(left, right);
      break;
    case 'boolean':
      if (typeof right === 'boolean') return left === right ? 0 : left ? 1 : -1;
      break;
    default:
      if (left instanceof Uint8Array) {
        if (right instanceof Uint8Array) return compareBytes(left, right);
      } else if (left instanceof Timestamptz) {
        if (right instanceof Timestamptz) return left.microseconds < right.microseconds ? -1 : left.microseconds > right.microseconds ? 1 : 0;
      } else if (right instanceof Jsonb) {
        return compareJsonbValues(left.value, right.value); // left is the remaining kind, jsonb
      }
  }
  throw operatorMismatch(operator, left, right);
}

/** SQL =: NULL if either side is NULL. Integers and floats compare exactly; other mixed types trap 42804. */
export function sqlEquals(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  if (typeof left === 'string' && typeof right === 'string') return left === right;
  if (typeof left === 'bigint' && typeof right === 'bigint') return left === right;
  return compareNonNull(left, right, '=') === 0;
}

/** SQL <>. */
export function sqlNotEquals(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  if (typeof left === 'string' && typeof right === 'string') return left !== right;
  if (typeof left === 'bigint' && typeof right === 'bigint') return left !== right;
  return compareNonNull(left, right, '<>') !== 0;
}

/** SQL <. Text by UTF-8 bytes, bytea bytewise, false < true, NaN above every number. */
export function sqlLess(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  return compareNonNull(left, right, '<') < 0;
}

/** SQL <=. */
export function sqlLessOrEqual(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  return compareNonNull(left, right, '<=') <= 0;
}

/** SQL >. */
export function sqlGreater(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  return compareNonNull(left, right, '>') > 0;
}

/** SQL >=. */
export function sqlGreaterOrEqual(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  return compareNonNull(left, right, '>=') >= 0;
}

/** Booleans, numbers, text, bytea, timestamptz, jsonb: the order of kinds when one ORDER BY meets mixed kinds. */
function sortRank(value: NonNullSqlValue): number {
  switch (typeof value) {
    case 'boolean':
      return 0;
    case 'bigint':
    case 'number':
      return 1;
    case 'string':
      return 2;
    default:
      return value instanceof Uint8Array ? 3 : value instanceof Timestamptz ? 4 : 5;
  }
}

/**
 * A total order for ORDER BY (ascending): NULL after every value, as
 * PostgreSQL's default NULLS LAST for ASC; within a type the order of sql.lt
 * (NaN after every number, -0 equal to 0, integers and floats exactly).
 * timestamptz by instant (-infinity first, infinity last), jsonb by
 * compareJsonbValues. Values of different kinds, which one column never
 * holds, order by kind (boolean, number, text, bytea, timestamptz, jsonb) so
 * the order stays total.
 */
export function compareSqlValuesForSort(left: SqlValue, right: SqlValue): number {
  if (left === null) return right === null ? 0 : 1;
  if (right === null) return -1;
  const leftRank = sortRank(left);
  const rightRank = sortRank(right);
  if (leftRank !== rightRank) return leftRank < rightRank ? -1 : 1;
  return compareNonNull(left, right, 'ORDER BY');
}

/**
 * Whether GROUP BY / DISTINCT puts the two values in one group: NULLs group
 * together, NaN with NaN, -0 with 0, and an integer with an equal float (the
 * same equivalence as compareSqlValuesForSort; jsonb numbers by value, so
 * '1.0' and '1' group together, as in PostgreSQL).
 */
export function sqlValuesEqualForGrouping(left: SqlValue, right: SqlValue): boolean {
  return compareSqlValuesForSort(left, right) === 0;
}

// --- logic ------------------------------------------------------------------

/** Three-valued AND: false wins over NULL. Both operands are type-checked whatever their values. */
export function sqlAnd(left: SqlValue, right: SqlValue): SqlValue {
  if (left !== null && typeof left !== 'boolean') throw notBoolean('AND', left);
  if (right !== null && typeof right !== 'boolean') throw notBoolean('AND', right);
  if (left === false || right === false) return false;
  if (left === null || right === null) return null;
  return true;
}

/** Three-valued OR: true wins over NULL. */
export function sqlOr(left: SqlValue, right: SqlValue): SqlValue {
  if (left !== null && typeof left !== 'boolean') throw notBoolean('OR', left);
  if (right !== null && typeof right !== 'boolean') throw notBoolean('OR', right);
  if (left === true || right === true) return true;
  if (left === null || right === null) return null;
  return false;
}

/** Three-valued NOT: NULL stays NULL. */
export function sqlNot(operand: SqlValue): SqlValue {
  if (operand === null) return null;
  if (typeof operand !== 'boolean') throw notBoolean('NOT', operand);
  return !operand;
}

/** How WHERE reads a condition: only true passes; false and NULL do not. Traps 42804 on a non-boolean. */
export function sqlIsTrue(operand: SqlValue): boolean {
  if (operand === true) return true;
  if (operand === false || operand === null) return false;
  throw notBoolean('WHERE', operand);
}

// --- arithmetic -------------------------------------------------------------

// Float results follow PostgreSQL's float8 operators (float.h): an infinite
// result from finite operands is an overflow, a zero result from non-zero
// operands an underflow, both 22003.

function floatSum(left: number, right: number): number {
  const result = left + right;
  if ((result === Infinity || result === -Infinity) && left - left === 0 && right - right === 0) throw floatOverflow();
  return result;
}

function floatDifference(left: number, right: number): number {
  const result = left - right;
  if ((result === Infinity || result === -Infinity) && left - left === 0 && right - right === 0) throw floatOverflow();
  return result;
}

function floatProduct(left: number, right: number): number {
  const result = left * right;
  if ((result === Infinity || result === -Infinity) && left - left === 0 && right - right === 0) throw floatOverflow();
  if (result === 0 && left !== 0 && right !== 0) throw floatUnderflow();
  return result;
}

function floatQuotient(left: number, right: number): number {
  if (right === 0 && left === left) throw divisionByZero();
  const result = left / right;
  if ((result === Infinity || result === -Infinity) && left - left === 0) throw floatOverflow();
  if (result === 0 && left !== 0 && right !== Infinity && right !== -Infinity) throw floatUnderflow();
  return result;
}

/** Addition: integers exact, trapping 22003 outside int8; a float on either side makes a float. NULL propagates. */
export function sqlAdd(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  if (typeof left === 'bigint') {
    if (typeof right === 'bigint') return checkInt8(left + right);
    if (typeof right === 'number') return floatSum(Number(left), right);
  } else if (typeof left === 'number') {
    if (typeof right === 'number') return floatSum(left, right);
    if (typeof right === 'bigint') return floatSum(left, Number(right));
  }
  throw operatorMismatch('+', left, right);
}

/** Subtraction, as sqlAdd. */
export function sqlSub(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  if (typeof left === 'bigint') {
    if (typeof right === 'bigint') return checkInt8(left - right);
    if (typeof right === 'number') return floatDifference(Number(left), right);
  } else if (typeof left === 'number') {
    if (typeof right === 'number') return floatDifference(left, right);
    if (typeof right === 'bigint') return floatDifference(left, Number(right));
  }
  throw operatorMismatch('-', left, right);
}

/** Multiplication, as sqlAdd. */
export function sqlMul(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  if (typeof left === 'bigint') {
    if (typeof right === 'bigint') return checkInt8(left * right);
    if (typeof right === 'number') return floatProduct(Number(left), right);
  } else if (typeof left === 'number') {
    if (typeof right === 'number') return floatProduct(left, right);
    if (typeof right === 'bigint') return floatProduct(left, Number(right));
  }
  throw operatorMismatch('*', left, right);
}

/**
 * Division: integers truncate toward zero, -2^63 / -1 traps 22003; division by
 * zero traps 22012 for integers and floats alike (NaN / 0 is NaN, as in PostgreSQL).
 */
export function sqlDiv(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  if (typeof left === 'bigint') {
    if (typeof right === 'bigint') {
      if (right === 0n) throw divisionByZero();
      if (right === -1n && left === int8Min) throw bigintOutOfRange();
      return left / right;
    }
    if (typeof right === 'number') return floatQuotient(Number(left), right);
  } else if (typeof left === 'number') {
    if (typeof right === 'number') return floatQuotient(left, right);
    if (typeof right === 'bigint') return floatQuotient(left, Number(right));
  }
  throw operatorMismatch('/', left, right);
}

/**
 * Remainder of integers, with the sign of the dividend; traps 22012 on zero.
 * PostgreSQL has no float8 % float8 operator, so a float traps 42804.
 */
export function sqlMod(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  if (typeof left === 'bigint' && typeof right === 'bigint') {
    if (right === 0n) throw divisionByZero();
    return left % right; // -2^63 % -1 is 0n: no overflow, as PostgreSQL special-cases it
  }
  throw operatorMismatch('%', left, right);
}

/** Negation; -(-2^63) traps 22003; a float's sign flips (0 becomes -0, as PostgreSQL's float8um). */
export function sqlNeg(operand: SqlValue): SqlValue {
  if (operand === null) return null;
  if (typeof operand === 'bigint') {
    if (operand === int8Min) throw bigintOutOfRange();
    return -operand;
  }
  if (typeof operand === 'number') return -operand;
  throw unaryOperatorMismatch('-', operand);
}

// --- text output --------------------------------------------------------------

/**
 * float8 as PostgreSQL 15 prints it (extra_float_digits = 1): the shortest
 * decimal that reads back as the same float, closest to it when several are
 * that short; fixed notation when the decimal exponent is in [-4, 15), else
 * d.ddde±XX with at least two exponent digits.
 *
 * JavaScript's toExponential() without an argument gives the same digits
 * except in one case: a decimal lying exactly on the boundary between two
 * floats (1e23 is the famous one), which reads back as this float under
 * round-half-even. PostgreSQL's Ryu treats the boundaries as outside (prints
 * 9.999999999999999e+22), so such a decimal is replaced by the closest longer
 * one strictly inside.
 */
export function formatFloat8(value: number): string {
  if (value !== value) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return 1 / value < 0 ? '-0' : '0';
  if (Number.isInteger(value) && value < 1e15 && value > -1e15) return String(value);
  const magnitude = value < 0 ? -value : value;
  let scientific = magnitude.toExponential(); // "d.ddde+x" or "de-x"
  if (magnitude >= floatBoundaryDecimalMin && isOnRoundingBoundary(magnitude, scientific)) {
    for (let precision = significantDigits(scientific) + 1; precision <= 17; precision++) {
      scientific = magnitude.toExponential(precision - 1);
      if (Number(scientific) === magnitude && !isOnRoundingBoundary(magnitude, scientific)) break;
    }
  }
  return (value < 0 ? '-' : '') + layOutFloat8Digits(scientific);
}

/** The digits of toExponential's output without the point and trailing zeros, and its exponent. */
function scientificParts(scientific: string): { digits: string; exponent: number } {
  const exponentMark = scientific.indexOf('e');
  let digits = scientific.charCodeAt(1) === 46 /* . */ ? scientific[0]! + scientific.slice(2, exponentMark) : scientific.slice(0, exponentMark);
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 0x30) end--;
  digits = digits.slice(0, end);
  return { digits, exponent: Number(scientific.slice(exponentMark + 1)) };
}

function significantDigits(scientific: string): number {
  return scientificParts(scientific).digits.length;
}

function layOutFloat8Digits(scientific: string): string {
  const { digits, exponent } = scientificParts(scientific);
  if (exponent >= -4 && exponent < 15) {
    if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${digits}`;
    if (digits.length <= exponent + 1) return digits + '0'.repeat(exponent + 1 - digits.length);
    return `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  }
  const exponentMagnitude = exponent < 0 ? -exponent : exponent;
  const exponentText = `${exponent < 0 ? '-' : '+'}${exponentMagnitude < 10 ? '0' : ''}${exponentMagnitude}`;
  return `${digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits}e${exponentText}`;
}

const float8Bits = new DataView(new ArrayBuffer(8));

/**
 * Below 2^52 no decimal of at most 17 digits is a midpoint between floats: a
 * midpoint is odd · 2^e with the odd part at least 2^53 - 1 (any normal float)
 * or e = -1075 (a denormal), and d · 10^k with d < 10^17 leaves no room for
 * either unless the float spacing is at least 1.
 */
const floatBoundaryDecimalMin = 2 ** 52;

/**
 * Whether the decimal (toExponential's output) is exactly the midpoint between
 * a positive float and one of its neighbours. A midpoint has at most 55
 * significant bits, so a decimal d·10^k can only be one when d·5^k is an
 * integer of at most 55 bits; that cheap filter spares nearly every value the
 * exact BigInt comparison.
 */
function isOnRoundingBoundary(magnitude: number, scientific: string): boolean {
  const { digits, exponent } = scientificParts(scientific);
  const power = exponent - digits.length + 1; // decimal = digits · 10^power
  if (power > 23 || power < -24) return false;
  let numerator = BigInt(digits); // decimal = numerator · 2^binaryPower
  let binaryPower = power;
  if (power >= 0) {
    numerator *= 5n ** BigInt(power);
  } else {
    const divisor = 5n ** BigInt(-power);
    if (numerator % divisor !== 0n) return false;
    numerator /= divisor;
  }
  while ((numerator & 1n) === 0n) {
    numerator >>= 1n;
    binaryPower++;
  }
  float8Bits.setFloat64(0, magnitude);
  const high = float8Bits.getUint32(0);
  const biasedExponent = high >>> 20;
  const mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(float8Bits.getUint32(4));
  const significand = biasedExponent === 0 ? mantissa : mantissa | (1n << 52n);
  const significandPower = (biasedExponent === 0 ? 1 : biasedExponent) - 1075; // magnitude = significand · 2^significandPower
  // Midpoints as odd · 2^power: above (2s+1)·2^(p-1), below (2s-1)·2^(p-1), or
  // (4s-1)·2^(p-2) below a power of two, where the float spacing halves
  if (binaryPower === significandPower - 1 && (numerator === 2n * significand + 1n || numerator === 2n * significand - 1n)) return true;
  const powerOfTwo = mantissa === 0n && biasedExponent > 1;
  return powerOfTwo && binaryPower === significandPower - 2 && numerator === 4n * significand - 1n;
}

const hexPairs: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** bytea in PostgreSQL's default (bytea_output = hex) form: \x then two lower-case hex digits a byte. */
function formatBytea(bytes: Uint8Array): string {
  let text = '\\x';
  for (let index = 0; index < bytes.length; index++) text += hexPairs[bytes[index]!]!;
  return text;
}

/**
 * The value as its type's output function prints it (what the wire protocol
 * sends in text format): booleans as t/f, integers in decimal, floats as
 * formatFloat8, bytea as \x hex, timestamptz in ISO style in UTC
 * (`2024-01-02 01:04:05.678+00`), jsonb as jsonb_out. NULL has no text form.
 */
export function sqlTextOutput(value: SqlValue): string | null {
  switch (typeof value) {
    case 'string':
      return value;
    case 'bigint':
      return value.toString();
    case 'number':
      return formatFloat8(value);
    case 'boolean':
      return value ? 't' : 'f';
    default:
      if (value === null) return null;
      if (value instanceof Uint8Array) return formatBytea(value);
      if (value instanceof Timestamptz) return formatTimestamptz(value);
      return value.text;
  }
}

/**
 * The value cast to text (value::text, and what || appends): as
 * sqlTextOutput except that booleans read true/false, as PostgreSQL's
 * boolean-to-text cast does.
 */
export function sqlTextCast(value: SqlValue): string | null {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return sqlTextOutput(value);
}

// --- text functions -----------------------------------------------------------

/**
 * ||: text with text, or text with any non-NULL value cast to text (as
 * PostgreSQL's text || anynonarray, bytea included: it appends the \x form),
 * or bytea with bytea. NULL propagates; other pairs trap 42804.
 */
export function sqlConcat(left: SqlValue, right: SqlValue): SqlValue {
  if (left === null || right === null) return null;
  if (typeof left === 'string') return typeof right === 'string' ? left + right : left + sqlTextCast(right)!;
  if (typeof right === 'string') return sqlTextCast(left)! + right;
  if (left instanceof Uint8Array && right instanceof Uint8Array) {
    const joined = new Uint8Array(left.length + right.length);
    joined.set(left, 0);
    joined.set(right, left.length);
    return joined;
  }
  throw operatorMismatch('||', left, right);
}

/** UTF-16 units of the code point at index (1 or 2); a lone surrogate counts as one character. */
function codePointWidth(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
    const next = text.charCodeAt(index + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return 2;
  }
  return 1;
}

const percentCode = 0x25;
const underscoreCode = 0x5f;
const backslashCode = 0x5c;

/**
 * Anchored LIKE matching over code points: `%` any sequence, `_` one
 * character, backslash takes the next character literally. Greedy with
 * backtracking to the last `%` only (a later `%` makes earlier choices
 * irrelevant), so the work is O(text × pattern) at worst, linear in practice,
 * and no regular expression is built from user input.
 */
function likeMatches(text: string, pattern: string): boolean {
  const textLength = text.length;
  const patternLength = pattern.length;
  let textIndex = 0;
  let patternIndex = 0;
  let resumePatternIndex = -1; // just after the last %, or -1 when none was seen
  let resumeTextIndex = 0; // where the text that last % swallows ends
  while (textIndex < textLength) {
    if (patternIndex < patternLength) {
      const patternUnit = pattern.charCodeAt(patternIndex);
      if (patternUnit === percentCode) {
        patternIndex++;
        resumePatternIndex = patternIndex;
        resumeTextIndex = textIndex;
        continue;
      }
      if (patternUnit === underscoreCode) {
        textIndex += codePointWidth(text, textIndex);
        patternIndex++;
        continue;
      }
      const literalIndex = patternUnit === backslashCode ? patternIndex + 1 : patternIndex;
      const literalWidth = codePointWidth(pattern, literalIndex);
      if (
        text.charCodeAt(textIndex) === pattern.charCodeAt(literalIndex) &&
        (literalWidth === 1 || text.charCodeAt(textIndex + 1) === pattern.charCodeAt(literalIndex + 1))
      ) {
        textIndex += literalWidth;
        patternIndex = literalIndex + literalWidth;
        continue;
      }
    }
    if (resumePatternIndex < 0) return false;
    resumeTextIndex += codePointWidth(text, resumeTextIndex);
    textIndex = resumeTextIndex;
    patternIndex = resumePatternIndex;
  }
  while (patternIndex < patternLength && pattern.charCodeAt(patternIndex) === percentCode) patternIndex++;
  return patternIndex === patternLength;
}

/**
 * text LIKE pattern, PostgreSQL's rules with the default escape (backslash).
 * A pattern ending in a lone backslash traps 22025 whatever the text
 * (PostgreSQL raises it only when matching reaches the end of the pattern).
 */
export function sqlLike(text: SqlValue, pattern: SqlValue): SqlValue {
  if (text === null || pattern === null) return null;
  if (typeof text !== 'string' || typeof pattern !== 'string') throw operatorMismatch('LIKE', text, pattern);
  let trailingBackslashes = 0;
  for (let index = pattern.length - 1; index >= 0 && pattern.charCodeAt(index) === backslashCode; index--) trailingBackslashes++;
  if (trailingBackslashes % 2 === 1) throw trap('22025', 'LIKE pattern must not end with escape character');
  return likeMatches(text, pattern);
}

/** Characters (code points) of a text, or bytes of a bytea, as a bigint. */
export function sqlLength(operand: SqlValue): SqlValue {
  if (operand === null) return null;
  if (typeof operand === 'string') {
    let characters = operand.length;
    for (let index = 0; index < operand.length - 1; index++) {
      const unit = operand.charCodeAt(index);
      if (unit >= 0xd800 && unit <= 0xdbff) {
        const next = operand.charCodeAt(index + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          characters--;
          index++;
        }
      }
    }
    return BigInt(characters);
  }
  if (operand instanceof Uint8Array) return BigInt(operand.length);
  throw functionMismatch('length', operand);
}

/** octet_length: UTF-8 bytes of a text, bytes of a bytea. */
export function sqlOctetLength(operand: SqlValue): SqlValue {
  if (operand === null) return null;
  if (typeof operand === 'string') return BigInt(Buffer.byteLength(operand, 'utf8'));
  if (operand instanceof Uint8Array) return BigInt(operand.length);
  throw functionMismatch('octet_length', operand);
}

/** time.micros: a finite timestamptz as microseconds since 1970 (the lease arithmetic of queues). */
export function timestamptzMicros(operand: SqlValue): bigint {
  if (operand === null) throw trap('22004', 'a NULL timestamptz has no microseconds');
  if (!(operand instanceof Timestamptz)) throw trap('42804', `expected timestamp with time zone, not ${valueTypeName(operand)}`);
  if (!Timestamptz.isInRange(operand.microseconds)) throw trap('22008', 'timestamp out of range: an infinity has no microseconds');
  return operand.microseconds;
}

/** time.from_micros: microseconds since 1970 as a timestamptz. */
export function timestamptzFromMicros(microseconds: bigint): Timestamptz {
  if (!Timestamptz.isInRange(microseconds)) throw trap('22008', `timestamp out of range: ${microseconds} microseconds since 1970`);
  return Timestamptz.fromMicroseconds(microseconds);
}

/**
 * Lower case by Unicode's default full case mapping (String.prototype
 * .toLowerCase, locale-independent). PostgreSQL maps character by character
 * with the database's locale, so a few characters differ (final sigma, İ).
 */
export function sqlLower(operand: SqlValue): SqlValue {
  if (operand === null) return null;
  if (typeof operand !== 'string') throw functionMismatch('lower', operand);
  return operand.toLowerCase();
}

/** Upper case, as sqlLower (here ß becomes SS; PostgreSQL keeps ß). */
export function sqlUpper(operand: SqlValue): SqlValue {
  if (operand === null) return null;
  if (typeof operand !== 'string') throw functionMismatch('upper', operand);
  return operand.toUpperCase();
}

// --- casts: text input ----------------------------------------------------------

/** C isspace in the "C" locale, which PostgreSQL's input functions skip around a value. */
function isSpaceCode(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function isDigitCode(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/**
 * int4in / int8in of PostgreSQL 15: optional whitespace, an optional sign,
 * decimal digits, optional whitespace. As there, the range is checked as the
 * digits are read, so "99999999999x" is out of range rather than invalid.
 */
function parseIntegerText(input: string, min: bigint, max: bigint, typeName: string): bigint {
  const length = input.length;
  let index = 0;
  while (index < length && isSpaceCode(input.charCodeAt(index))) index++;
  let negative = false;
  const signCode = input.charCodeAt(index);
  if (signCode === 0x2b /* + */ || signCode === 0x2d /* - */) {
    negative = signCode === 0x2d;
    index++;
  }
  const digitsStart = index;
  while (index < length && isDigitCode(input.charCodeAt(index))) index++;
  if (index === digitsStart) throw invalidInput(typeName, input);
  let significantStart = digitsStart;
  while (significantStart < index - 1 && input.charCodeAt(significantStart) === 0x30) significantStart++;
  // 19 digits cover int8; more can only be out of range (and BigInt of a huge string is slow)
  if (index - significantStart > 19) throw trap('22003', `value "${input}" is out of range for type ${typeName}`);
  const magnitude =
    index - significantStart <= 15 ? BigInt(Number(input.slice(significantStart, index))) : BigInt(input.slice(significantStart, index));
  const value = negative ? -magnitude : magnitude;
  if (value < min || value > max) throw trap('22003', `value "${input}" is out of range for type ${typeName}`);
  while (index < length && isSpaceCode(input.charCodeAt(index))) index++;
  if (index !== length) throw invalidInput(typeName, input);
  return value;
}

/** Whether the `count` characters at index are the first `count` letters of the lower-case ASCII word, in any case. */
function matchesWordIgnoringCase(input: string, index: number, word: string, count: number = word.length): boolean {
  if (index + count > input.length) return false;
  for (let offset = 0; offset < count; offset++) {
    // | 0x20 lower-cases ASCII letters and maps nothing else onto a lower-case letter
    if ((input.charCodeAt(index + offset) | 0x20) !== word.charCodeAt(offset)) return false;
  }
  return true;
}

/**
 * float8in of PostgreSQL 15 on glibc: optional whitespace, then a decimal
 * number with optional exponent, or [+-]inf, [+-]infinity, [+-]nan in any
 * case, then optional whitespace. Out of range (overflow to infinity, or
 * underflow to zero from non-zero digits) traps 22003; denormals are kept.
 * glibc's strtod also reads hexadecimal floats ("0x1p4") and "nan(...)";
 * dmachine does not.
 */
function parseFloatText(input: string): number {
  const length = input.length;
  let index = 0;
  while (index < length && isSpaceCode(input.charCodeAt(index))) index++;
  const numberStart = index;
  let negative = false;
  const signCode = input.charCodeAt(index);
  if (signCode === 0x2b || signCode === 0x2d) {
    negative = signCode === 0x2d;
    index++;
  }
  let value: number;
  const firstCode = input.charCodeAt(index) | 0x20;
  if (firstCode === 0x69 /* i */ || firstCode === 0x6e /* n */) {
    if (matchesWordIgnoringCase(input, index, 'infinity')) {
      index += 8;
      value = negative ? -Infinity : Infinity;
    } else if (matchesWordIgnoringCase(input, index, 'inf')) {
      index += 3;
      value = negative ? -Infinity : Infinity;
    } else if (matchesWordIgnoringCase(input, index, 'nan')) {
      index += 3;
      value = NaN;
    } else {
      throw invalidInput('double precision', input);
    }
  } else {
    let mantissaDigits = 0;
    let nonZeroDigit = false;
    while (index < length && isDigitCode(input.charCodeAt(index))) {
      if (input.charCodeAt(index) !== 0x30) nonZeroDigit = true;
      mantissaDigits++;
      index++;
    }
    if (input.charCodeAt(index) === 0x2e /* . */) {
      index++;
      while (index < length && isDigitCode(input.charCodeAt(index))) {
        if (input.charCodeAt(index) !== 0x30) nonZeroDigit = true;
        mantissaDigits++;
        index++;
      }
    }
    if (mantissaDigits === 0) throw invalidInput('double precision', input);
    if ((input.charCodeAt(index) | 0x20) === 0x65 /* e */) {
      let exponentIndex = index + 1;
      const exponentSign = input.charCodeAt(exponentIndex);
      if (exponentSign === 0x2b || exponentSign === 0x2d) exponentIndex++;
      const exponentDigitsStart = exponentIndex;
      while (exponentIndex < length && isDigitCode(input.charCodeAt(exponentIndex))) exponentIndex++;
      // strtod leaves an exponent without digits unread; the check for trailing text then refuses it
      if (exponentIndex > exponentDigitsStart) index = exponentIndex;
    }
    // The text is now a StrDecimalLiteral, which Number() rounds correctly, as strtod does
    value = Number(input.slice(numberStart, index));
    if (value === Infinity || value === -Infinity || (value === 0 && nonZeroDigit)) {
      throw trap('22003', `"${input}" is out of range for type double precision`);
    }
  }
  while (index < length && isSpaceCode(input.charCodeAt(index))) index++;
  if (index !== length) throw invalidInput('double precision', input);
  return value;
}

/**
 * boolin of PostgreSQL: trimmed, case-insensitive; any prefix of true, false,
 * yes, no; on, off (at least two letters, since "o" is ambiguous); 1 and 0.
 */
function parseBooleanText(input: string): boolean {
  let start = 0;
  let end = input.length;
  while (start < end && isSpaceCode(input.charCodeAt(start))) start++;
  while (end > start && isSpaceCode(input.charCodeAt(end - 1))) end--;
  const length = end - start;
  if (length > 0) {
    switch (input.charCodeAt(start) | 0x20) {
      case 0x74 /* t */:
        if (isPrefixOfWord(input, start, length, 'true', 1)) return true;
        break;
      case 0x66 /* f */:
        if (isPrefixOfWord(input, start, length, 'false', 1)) return false;
        break;
      case 0x79 /* y */:
        if (isPrefixOfWord(input, start, length, 'yes', 1)) return true;
        break;
      case 0x6e /* n */:
        if (isPrefixOfWord(input, start, length, 'no', 1)) return false;
        break;
      case 0x6f /* o */:
        if (isPrefixOfWord(input, start, length, 'on', 2)) return true;
        if (isPrefixOfWord(input, start, length, 'off', 2)) return false;
        break;
      default:
        if (length === 1 && input.charCodeAt(start) === 0x31 /* 1 */) return true;
        if (length === 1 && input.charCodeAt(start) === 0x30 /* 0 */) return false;
    }
  }
  throw invalidInput('boolean', input);
}

function isPrefixOfWord(input: string, start: number, length: number, word: string, lengthMin: number): boolean {
  return length >= lengthMin && length <= word.length && matchesWordIgnoringCase(input, start, word, length);
}

const utf8Encoder = new TextEncoder();

function hexDigitValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function invalidHexDigit(utf8: Uint8Array, index: number): VmFailure {
  const lead = utf8[index]!;
  const sequenceLength = lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
  const character = new TextDecoder().decode(utf8.subarray(index, index + sequenceLength));
  return trap('22023', `invalid hexadecimal digit: "${character}"`);
}

/**
 * byteain of PostgreSQL: "\x" then hex digit pairs (whitespace allowed between
 * pairs), or the escape format: bytes as themselves (text is UTF-8), \\ for a
 * backslash, \ooo (octal, first digit 0-3) for any byte.
 */
function parseByteaText(input: string): Uint8Array {
  const utf8 = utf8Encoder.encode(input);
  if (utf8.length >= 2 && utf8[0] === backslashCode && utf8[1] === 0x78 /* x */) {
    const bytes = new Uint8Array((utf8.length - 2) >> 1);
    let length = 0;
    let index = 2;
    while (index < utf8.length) {
      const code = utf8[index]!;
      if (code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d) {
        index++;
        continue;
      }
      const high = hexDigitValue(code);
      if (high < 0) throw invalidHexDigit(utf8, index);
      index++;
      if (index >= utf8.length) throw trap('22023', 'invalid hexadecimal data: odd number of digits');
      const low = hexDigitValue(utf8[index]!);
      if (low < 0) throw invalidHexDigit(utf8, index);
      index++;
      bytes[length++] = (high << 4) | low;
    }
    return bytes.slice(0, length);
  }
  const bytes = new Uint8Array(utf8.length);
  let length = 0;
  let index = 0;
  while (index < utf8.length) {
    const code = utf8[index]!;
    if (code !== backslashCode) {
      bytes[length++] = code;
      index++;
      continue;
    }
    const first = utf8[index + 1] ?? 0;
    const second = utf8[index + 2] ?? 0;
    const third = utf8[index + 3] ?? 0;
    if (first >= 0x30 && first <= 0x33 && second >= 0x30 && second <= 0x37 && third >= 0x30 && third <= 0x37) {
      bytes[length++] = ((first - 0x30) << 6) | ((second - 0x30) << 3) | (third - 0x30);
      index += 4;
    } else if (first === backslashCode) {
      bytes[length++] = backslashCode;
      index += 2;
    } else {
      throw trap('22P02', 'invalid input syntax for type bytea');
    }
  }
  return bytes.slice(0, length);
}

// --- casts ----------------------------------------------------------------------

/** rint: round half to even, as PostgreSQL's float-to-integer casts. */
function roundHalfToEven(value: number): number {
  const rounded = Math.round(value); // half toward +Infinity; exact
  return rounded - value === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

function floatToInteger(value: number, type: 'int4' | 'int8'): bigint {
  const rounded = roundHalfToEven(value); // NaN stays NaN and fails both checks below
  if (type === 'int4') {
    if (!(rounded >= -2147483648 && rounded <= 2147483647)) throw integerOutOfRange();
  } else if (!(rounded >= -9223372036854775808 && rounded < 9223372036854775808)) {
    throw bigintOutOfRange();
  }
  return BigInt(rounded);
}

/**
 * value::type as PostgreSQL does it. NULL casts to NULL. From text, each
 * type's input function (22P02 on bad syntax, 22003 out of range); to text,
 * the output form (booleans as true/false). Integers: to int4 range-checked
 * (22003 "integer out of range"); to/from boolean only as int4 in
 * PostgreSQL, so boolean to bigint and to double precision trap 42846, while
 * any integer casts to boolean (the runtime value does not say int4). Floats
 * to integers round half to even (rint); NaN and out of range trap 22003.
 * Text to timestamptz and jsonb through their input functions (22007 /
 * 22008 / 22P02, see sql-timestamptz.ts and sql-jsonb.ts), and both to text.
 * Other pairs (bytea with numbers or booleans, double precision to boolean,
 * timestamptz or jsonb with anything but text; PostgreSQL's jsonb to boolean
 * and numbers casts are not here yet) trap 42846 "cannot cast type X to Y".
 */
export function sqlCast(value: SqlValue, type: SqlType): SqlValue {
  if (value === null) return null;
  switch (type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'bigint') return value !== 0n;
      if (typeof value === 'string') return parseBooleanText(value);
      throw cannotCast(value, type);
    case 'int4':
      if (typeof value === 'bigint') {
        if (value < int4Min || value > int4Max) throw integerOutOfRange();
        return value;
      }
      if (typeof value === 'number') return floatToInteger(value, 'int4');
      if (typeof value === 'string') return parseIntegerText(value, int4Min, int4Max, 'integer');
      if (typeof value === 'boolean') return value ? 1n : 0n;
      throw cannotCast(value, type);
    case 'int8':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number') return floatToInteger(value, 'int8');
      if (typeof value === 'string') return parseIntegerText(value, int8Min, int8Max, 'bigint');
      throw cannotCast(value, type);
    case 'float8':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value); // nearest, ties to even, as C's (double) int64
      if (typeof value === 'string') return parseFloatText(value);
      throw cannotCast(value, type);
    case 'text':
      return sqlTextCast(value);
    case 'bytea':
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string') return parseByteaText(value);
      throw cannotCast(value, type);
    case 'timestamptz':
      if (value instanceof Timestamptz) return value;
      if (typeof value === 'string') return parseTimestamptzText(value);
      throw cannotCast(value, type);
    case 'jsonb':
      if (value instanceof Jsonb) return value;
      if (typeof value === 'string') return parseJsonbText(value);
      throw cannotCast(value, type);
    default: {
      const unknownType: never = type;
      throw new VmFailure('crash', `sql.cast to unknown type ${String(unknownType)}`);
    }
  }
}
