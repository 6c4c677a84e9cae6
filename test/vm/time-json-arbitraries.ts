/**
 * fast-check arbitraries for the timestamptz and jsonb SQL values, shared by
 * the properties that generate SqlValues (operations, row codec, formats).
 */
import fc from 'fast-check';
import { parseJsonbText } from '../../vm/sql-jsonb.js';
import { Jsonb, Timestamptz, timestamptzMicrosecondsEnd, timestamptzMicrosecondsMin } from '../../vm/sql-values.js';

export const timestamptzValue: fc.Arbitrary<Timestamptz> = fc.oneof(
  fc.bigInt(timestamptzMicrosecondsMin, timestamptzMicrosecondsEnd - 1n).map((microseconds) => Timestamptz.fromMicroseconds(microseconds)),
  // around now, where fractions and ordinary dates live
  fc.bigInt(0n, 4_000_000_000_000_000n).map((microseconds) => Timestamptz.fromMicroseconds(microseconds)),
  fc.constantFrom(
    Timestamptz.infinity,
    Timestamptz.minusInfinity,
    Timestamptz.fromMicroseconds(0n),
    Timestamptz.fromMicroseconds(timestamptzMicrosecondsMin),
    Timestamptz.fromMicroseconds(timestamptzMicrosecondsEnd - 1n),
    Timestamptz.fromMicroseconds(-1n),
  ),
);

/** JSON texts whose numbers keep their written scale and exponents, which JSON.stringify never writes. */
const numberText = fc.constantFrom('1.50', '1e2', '-0', '0.000', '1.5e-3', '12E+1', '-7.25', '100e-2', '3');

const jsonText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.array(fc.oneof(numberText, fc.constantFrom('"é"', '"\\ud83d\\ude00"', 'null', 'true', '{"b": 1, "a": 2, "b": 3}')), { maxLength: 4 }).map(
    (parts) => `[${parts.join(',')}]`,
  ),
  numberText,
);

export const jsonbValue: fc.Arbitrary<Jsonb> = jsonText.filter((text) => !text.includes('\\u0000')).map((text) => parseJsonbText(text));
