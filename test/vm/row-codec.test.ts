/**
 * The row format: the documented byte layout, exact round trips, one encoding
 * per row (COMPARE&SWAP compares bytes), and XX001 for anything malformed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VmFailure } from '../../vm/failures.js';
import { decodeRow, encodeRow, rowFieldsMax } from '../../vm/row-codec.js';
import { parseJsonbText } from '../../vm/sql-jsonb.js';
import { parseTimestamptzText } from '../../vm/sql-timestamptz.js';
import { Jsonb, Timestamptz, type SqlValue } from '../../vm/sql-values.js';
import { failureOf, int8Max, int8Min } from './failure-of.js';
import { jsonbValue, timestamptzValue } from './time-json-arbitraries.js';


function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}


function expectCorrupted(encoded: Uint8Array, fieldCount: number): void {
  const failure = failureOf(() => decodeRow(encoded, fieldCount));
  expect(failure.kind).toBe('trap');
  expect(failure.sqlstate).toBe('XX001');
}

/** Field by field, with Object.is for floats so -0 and NaN count. */
function expectSameRow(actual: readonly SqlValue[], expected: readonly SqlValue[]): void {
  expect(actual.length).toBe(expected.length);
  for (let index = 0; index < expected.length; index++) {
    const want = expected[index]!;
    const got = actual[index]!;
    if (typeof want === 'number') expect(Object.is(got, want)).toBe(true);
    else if (want instanceof Timestamptz) expect(got instanceof Timestamptz && got.microseconds === want.microseconds).toBe(true);
    else if (want instanceof Jsonb) expect(got instanceof Jsonb && got.text === want.text).toBe(true);
    else if (want instanceof Uint8Array) expect(got instanceof Uint8Array && Buffer.from(got).equals(Buffer.from(want))).toBe(true);
    else expect(got).toBe(want);
  }
}

const sqlValue: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.bigInt(int8Min, int8Max),
  fc.bigInt(-200n, 200n),
  fc.constantFrom(int8Min, int8Max, 2n ** 51n, -(2n ** 51n), 2n ** 51n + 1n, -(2n ** 51n) - 1n, 2n ** 52n, -(2n ** 52n)),
  fc.double(),
  fc.constantFrom(-0, NaN, Infinity, -Infinity, 5e-324),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.constantFrom('', '\uFEFFbom', '\u0000', '\u{10FFFF}', 'é'.repeat(20)),
  fc.uint8Array({ maxLength: 40 }),
  timestamptzValue,
  jsonbValue,
);
const row = fc.array(sqlValue, { maxLength: 12 });

describe('row layout', () => {
  it('encodes each kind of field as the header documents', () => {
    const encoded = encodeRow([null, false, true, 0n, -1n, 1n, 63n, -64n, 64n, 1.5, 'é', bytes(1, 2)]);
    expect([...encoded]).toEqual([
      0x01, 12, // version, field count
      0x00, 0x01, 0x02, // NULL, false, true
      0x03, 0x00, 0x03, 0x01, 0x03, 0x02, 0x03, 0x7e, 0x03, 0x7f, 0x03, 0x80, 0x01, // zig-zag integers
      0x04, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // 1.5, little-endian
      0x05, 0x02, 0xc3, 0xa9, // 'é' in UTF-8
      0x06, 0x02, 0x01, 0x02, // bytea
    ]); // prettier-ignore
  });

  it('encodes the int8 extremes in ten bytes, and the empty row in two', () => {
    expect([...encodeRow([int8Max])]).toEqual([0x01, 0x01, 0x03, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect([...encodeRow([int8Min])]).toEqual([0x01, 0x01, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect([...encodeRow([])]).toEqual([0x01, 0x00]);
    expect([...encodeRow(new Array<SqlValue>(200).fill(null)).subarray(0, 3)]).toEqual([0x01, 0xc8, 0x01]);
  });

  it('writes every NaN as the one canonical NaN, and keeps -0', () => {
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, 0xfff80000);
    view.setUint32(4, 1);
    const negativeNaNWithPayload = view.getFloat64(0);
    expect(negativeNaNWithPayload).toBeNaN();
    expect(encodeRow([negativeNaNWithPayload])).toEqual(encodeRow([NaN]));
    expect([...encodeRow([NaN]).subarray(3)]).toEqual([0, 0, 0, 0, 0, 0, 0xf8, 0x7f]);
    expect([...encodeRow([-0]).subarray(3)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0x80]);
    expect(encodeRow([-0])).not.toEqual(encodeRow([0]));
  });
});

describe('round trips', () => {
  it('decodes what it encodes, field for field', () => {
    const examples: SqlValue[][] = [
      [],
      [null],
      [int8Min, int8Max, 0n, -0, NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308],
      ['', '\uFEFF leading byte order mark', 'nul \u0000 inside', '\u{1F600}\u{10FFFF}', 'a'.repeat(1000)],
      [bytes(), bytes(0, 255), new Uint8Array(5000).fill(7)],
      new Array<SqlValue>(rowFieldsMax).fill(true),
    ];
    for (const example of examples) expectSameRow(decodeRow(encodeRow(example), example.length), example);
  });

  it('decodes(encodes(row)) equals the row for any row', () => {
    fc.assert(
      fc.property(row, (fields) => {
        expectSameRow(decodeRow(encodeRow(fields), fields.length), fields);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a Buffer that is a view into a larger pool, and copies bytea out of it', () => {
    const encoded = encodeRow([7n, bytes(1, 2, 3), 2.5, 'x']);
    const pool = new Uint8Array(encoded.length + 20).fill(0xee);
    pool.set(encoded, 11);
    const view = Buffer.from(pool.buffer, 11, encoded.length);
    const decoded = decodeRow(view, 4);
    expectSameRow(decoded, [7n, bytes(1, 2, 3), 2.5, 'x']);
    pool.fill(0);
    expectSameRow(decoded, [7n, bytes(1, 2, 3), 2.5, 'x']);
    expect(Buffer.isBuffer(decoded[1])).toBe(false);
  });

  it('is deterministic: equal rows give equal bytes', () => {
    fc.assert(
      fc.property(row, (fields) => {
        const copy = fields.map((value) => (value instanceof Uint8Array ? new Uint8Array(value) : value));
        expect(encodeRow(copy)).toEqual(encodeRow(fields));
      }),
      { numRuns: 500 },
    );
  });
});

describe('refusing malformed words', () => {
  it('refuses a wrong version, field count, tag, or trailing bytes', () => {
    expectCorrupted(bytes(), 0);
    expectCorrupted(bytes(0x02, 0x00), 0); // unknown version
    expectCorrupted(bytes(0x00, 0x00), 0);
    expectCorrupted(encodeRow([1n, 2n]), 1); // count differs from expected
    expectCorrupted(encodeRow([1n, 2n]), 3);
    expectCorrupted(bytes(0x01, 0xc1, 0x0c), 1601); // over rowFieldsMax
    expectCorrupted(bytes(0x01, 0x01, 0x09), 1); // unknown tag
    expectCorrupted(bytes(0x01, 0x01, 0xff), 1);
    expectCorrupted(bytes(0x01, 0x01, 0x00, 0x00), 1); // trailing byte
  });

  it('refuses non-minimal varints and integers past 64 bits', () => {
    expectCorrupted(bytes(0x01, 0x80, 0x00), 0); // count 0 in two bytes
    expectCorrupted(bytes(0x01, 0x01, 0x03, 0x80, 0x00), 1); // integer 0 in two bytes
    expectCorrupted(bytes(0x01, 0x01, 0x03, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 1);
    expectCorrupted(bytes(0x01, 0x01, 0x05, 0x80, 0x00), 1); // text length 0 in two bytes
    expectCorrupted(bytes(0x01, 0x01, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02), 1); // 2^64 and over
    expectCorrupted(bytes(0x01, 0x01, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00), 1); // 11 bytes
    expectCorrupted(bytes(0x01, 0x01, 0x06, 0xff, 0xff, 0xff, 0xff, 0x1f), 1); // length over 32 bits
    expectCorrupted(bytes(0x01, 0x01, 0x06, 0xff, 0xff, 0xff, 0xff, 0x8f, 0x00), 1);
  });

  it('refuses a NaN other than the canonical one', () => {
    expectCorrupted(bytes(0x01, 0x01, 0x04, 0x01, 0, 0, 0, 0, 0, 0xf8, 0x7f), 1);
    expectCorrupted(bytes(0x01, 0x01, 0x04, 0, 0, 0, 0, 0, 0, 0xf8, 0xff), 1);
    expectCorrupted(bytes(0x01, 0x01, 0x04, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0x01), 1); // trailing after Infinity
  });

  it('refuses text that is not UTF-8', () => {
    expectCorrupted(bytes(0x01, 0x01, 0x05, 0x01, 0xff), 1);
    expectCorrupted(bytes(0x01, 0x01, 0x05, 0x03, 0xed, 0xa0, 0x80), 1); // an encoded surrogate
    expectCorrupted(bytes(0x01, 0x01, 0x05, 0x02, 0xc0, 0x80), 1); // overlong NUL
    expectCorrupted(bytes(0x01, 0x01, 0x05, 0x02, 0xe2, 0x82), 1); // cut sequence
    expectCorrupted(bytes(0x01, 0x01, 0x05, 0x04, 0xf4, 0x90, 0x80, 0x80), 1); // past U+10FFFF
    expect(decodeRow(bytes(0x01, 0x01, 0x05, 0x03, 0xef, 0xbb, 0xbf), 1)).toEqual(['\uFEFF']); // a BOM is text
  });

  it('refuses lengths past the end and every truncation of a valid word', () => {
    expectCorrupted(bytes(0x01, 0x01, 0x05, 0x05, 0x61), 1);
    expectCorrupted(bytes(0x01, 0x01, 0x06, 0xff, 0xff, 0xff, 0xff, 0x0f), 1);
    expectCorrupted(bytes(0x01, 0x01, 0x04, 0, 0, 0), 1);
    const encoded = encodeRow([null, true, -12345678901234n, int8Max, 2.5, 'héllo \u{1F600}', bytes(9, 8, 7)]);
    for (let length = 0; length < encoded.length; length++) expectCorrupted(encoded.subarray(0, length), 7);
  });

  it('gives a row or XX001 for any bytes, never another exception, and only canonical words decode', () => {
    const decodeOrCorrupted = (encoded: Uint8Array, fieldCount: number): void => {
      let decoded: SqlValue[];
      try {
        decoded = decodeRow(encoded, fieldCount);
      } catch (error) {
        expect(error).toBeInstanceOf(VmFailure);
        expect((error as VmFailure).sqlstate).toBe('XX001');
        return;
      }
      expect(decoded.length).toBe(fieldCount);
      expect(encodeRow(decoded)).toEqual(encoded);
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat({ max: 4 }), (encoded, fieldCount) => {
        decodeOrCorrupted(encoded, fieldCount);
        // the same bytes behind a valid header, so the field decoders see them
        decodeOrCorrupted(new Uint8Array([0x01, 0x01, ...encoded]), 1);
      }),
      { numRuns: 3000 },
    );
    const mutation = fc.record({ position: fc.nat(), value: fc.nat({ max: 255 }), kind: fc.constantFrom('set', 'insert', 'delete', 'truncate') });
    fc.assert(
      fc.property(row, fc.array(mutation, { minLength: 1, maxLength: 3 }), (fields, mutations) => {
        const word = [...encodeRow(fields)];
        for (const { position, value, kind } of mutations) {
          const at = position % (word.length + 1);
          if (kind === 'set' && at < word.length) word[at] = value;
          else if (kind === 'insert') word.splice(at, 0, value);
          else if (kind === 'delete') word.splice(at, 1);
          else if (kind === 'truncate') word.length = at;
        }
        decodeOrCorrupted(new Uint8Array(word), fields.length);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('timestamptz and jsonb fields', () => {
  it('encode timestamptz as the int8 PostgreSQL stores (µs since 2000) and jsonb as its canonical text', () => {
    const encoded = encodeRow([
      parseTimestamptzText('2000-01-01 00:00:00.000001Z'),
      parseTimestamptzText('1999-12-31 23:59:59.999999Z'),
      Timestamptz.infinity,
      Timestamptz.minusInfinity,
      parseJsonbText('{"b": 1, "a": [true]}'),
    ]);
    expect([...encoded]).toEqual([
      0x01, 5,
      0x07, 0x02, // 1 µs, zig-zag
      0x07, 0x01, // -1 µs
      0x07, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // int8 max
      0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // int8 min
      0x08, 21, ...new TextEncoder().encode('{"a": [true], "b": 1}'),
    ]); // prettier-ignore
    const decoded = decodeRow(encoded, 5);
    expect(decoded[2]).toBe(Timestamptz.infinity);
    expect(decoded[3]).toBe(Timestamptz.minusInfinity);
    expect((decoded[4] as Jsonb).text).toBe('{"a": [true], "b": 1}');
  });

  it('refuses a timestamptz out of range and a jsonb that is not canonical JSON', () => {
    expectCorrupted(bytes(0x01, 0x01, 0x07, 0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 1); // int8 max - 1
    expectCorrupted(bytes(0x01, 0x01, 0x07, 0x80), 1); // truncated
    expectCorrupted(bytes(0x01, 0x01, 0x08, 0x01, 0x7b), 1); // "{"
    expectCorrupted(bytes(0x01, 0x01, 0x08, 0x03, 0x7b, 0x20, 0x7d), 1); // "{ }": JSON, not canonical
    expectCorrupted(bytes(0x01, 0x01, 0x08, 0x03, 0x31, 0x65, 0x32), 1); // "1e2": canonically 100
    expectCorrupted(bytes(0x01, 0x01, 0x08, 0x00), 1); // empty
  });

  it('round-trip and encode deterministically', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(timestamptzValue, jsonbValue), { maxLength: 6 }), (fields) => {
        const encoded = encodeRow(fields);
        const decoded = decodeRow(encoded, fields.length);
        expectSameRow(decoded, fields);
        expect(encodeRow(decoded)).toEqual(encoded);
      }),
      { numRuns: 500 },
    );
  });
});

describe('encoding limits', () => {
  it('traps 54011 past rowFieldsMax fields', () => {
    expect(rowFieldsMax).toBe(1600);
    const failure = failureOf(() => encodeRow(new Array<SqlValue>(rowFieldsMax + 1).fill(null)));
    expect(failure.kind).toBe('exhaustion');
    expect(failure.sqlstate).toBe('54011');
  });

  it('traps 22021 on text with a lone surrogate, which has no UTF-8 form', () => {
    for (const text of ['\uD800', 'a\uDC00b', '\uD83D', '\uDE00\uD83D']) {
      const failure = failureOf(() => encodeRow([text]));
      expect(failure.kind).toBe('trap');
      expect(failure.sqlstate).toBe('22021');
    }
  });

  it('crashes on what is not a SqlValue: a bigint outside int8, undefined, an object', () => {
    for (const value of [int8Max + 1n, int8Min - 1n, undefined, {}, [1]]) {
      expect(failureOf(() => encodeRow([value as unknown as SqlValue])).kind).toBe('crash');
    }
  });

  it('does not enforce the word size: mem.write does', () => {
    expect(encodeRow(['x'.repeat(10_000)]).length).toBe(10_000 + 5);
  });
});
