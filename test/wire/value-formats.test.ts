/**
 * Text and binary formats per type OID: binary bytes written out by hand for fixed
 * values (an independent check of the layout), and round trips over generated values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqlCast } from '../../vm/sql-operations.js';
import { parseJsonbText } from '../../vm/sql-jsonb.js';
import { parseTimestamptzText } from '../../vm/sql-timestamptz.js';
import type { SqlType, SqlValue } from '../../vm/sql-values.js';
import {
  decodeBinaryValue,
  decodeTextValue,
  encodeBinaryValue,
  encodeTextValue,
  sqlTypeOfParameterOid,
  TypeOid,
  typeSizeOf,
} from '../../wire/value-formats.js';
import { jsonbValue, timestamptzValue } from '../vm/time-json-arbitraries.js';

const hex = (value: Buffer | null): string | null => (value === null ? null : value.toString('hex'));

describe('binary format', () => {
  it('lays values out as PostgreSQL does', () => {
    const cases: [SqlValue, number, string][] = [
      [true, TypeOid.bool, '01'],
      [false, TypeOid.bool, '00'],
      [-2n, TypeOid.int2, 'fffe'],
      [7n, TypeOid.int4, '00000007'],
      [-(2n ** 31n), TypeOid.int4, '80000000'],
      [-9007199254740993n, TypeOid.int8, 'ffdfffffffffffff'],
      [-0.25, TypeOid.float8, 'bfd0000000000000'],
      [Number.POSITIVE_INFINITY, TypeOid.float8, '7ff0000000000000'],
      ['héllo', TypeOid.text, '68c3a96c6c6f'],
      [Uint8Array.from([0xde, 0xad]), TypeOid.bytea, 'dead'],
      [parseTimestamptzText('2000-01-01 00:00:01+00'), TypeOid.timestamptz, '00000000000f4240'],
      [parseTimestamptzText('1999-12-31 23:59:59+00'), TypeOid.timestamptz, 'fffffffffff0bdc0'],
      [parseJsonbText('{"k": null}'), TypeOid.jsonb, '01' + Buffer.from('{"k": null}').toString('hex')],
      [4242n, TypeOid.oid, '00001092'],
    ];
    for (const [value, oid, bytes] of cases) {
      expect(hex(encodeBinaryValue(value, oid)), `${oid}`).toBe(bytes);
      const decoded = decodeBinaryValue(Buffer.from(bytes, 'hex'), oid);
      expect(hex(encodeBinaryValue(decoded, oid))).toBe(bytes);
    }
    expect(encodeBinaryValue(null, TypeOid.int4)).toBeNull();
  });

  it('refuses wrong lengths and out-of-range values', () => {
    expect(() => decodeBinaryValue(Buffer.from('0001', 'hex'), TypeOid.int4)).toThrow(expect.objectContaining({ sqlstate: '22P03' }));
    expect(() => decodeBinaryValue(Buffer.from('02', 'hex'), TypeOid.jsonb)).toThrow(expect.objectContaining({ sqlstate: '22P03' }));
    expect(() => encodeBinaryValue(2n ** 31n, TypeOid.int4)).toThrow(expect.objectContaining({ sqlstate: '22003' }));
    expect(() => decodeTextValue(Buffer.from([0xff]))).toThrow(expect.objectContaining({ sqlstate: '22021' }));
  });

  const typed: [number, fc.Arbitrary<SqlValue>][] = [
    [TypeOid.bool, fc.boolean()],
    [TypeOid.int2, fc.bigInt({ min: -(2n ** 15n), max: 2n ** 15n - 1n })],
    [TypeOid.int4, fc.bigInt({ min: -(2n ** 31n), max: 2n ** 31n - 1n })],
    [TypeOid.int8, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })],
    [TypeOid.float8, fc.double()],
    [TypeOid.text, fc.string({ unit: 'grapheme' })],
    [TypeOid.bytea, fc.uint8Array()],
    [TypeOid.timestamptz, timestamptzValue],
    [TypeOid.jsonb, jsonbValue],
  ];

  it.each(typed)('round-trips OID %i through binary', (oid, values) => {
    fc.assert(
      fc.property(values, (value) => {
        const bytes = encodeBinaryValue(value, oid)!;
        expect(decodeBinaryValue(bytes, oid)).toEqual(value);
      }),
    );
  });

  const sqlTypeOfOid: Record<number, SqlType> = {
    [TypeOid.bool]: 'boolean',
    [TypeOid.int2]: 'int4',
    [TypeOid.int4]: 'int4',
    [TypeOid.int8]: 'int8',
    [TypeOid.float8]: 'float8',
    [TypeOid.text]: 'text',
    [TypeOid.bytea]: 'bytea',
    [TypeOid.timestamptz]: 'timestamptz',
    [TypeOid.jsonb]: 'jsonb',
  };

  it.each(typed)('round-trips OID %i through text (output, then the input cast)', (oid, values) => {
    fc.assert(
      fc.property(values, (value) => {
        const text = decodeTextValue(encodeTextValue(value)!);
        const back = sqlCast(text, sqlTypeOfOid[oid]!);
        if (typeof value === 'number' && Number.isNaN(value)) expect(Number.isNaN(back)).toBe(true);
        else expect(back).toEqual(value);
      }),
    );
  });
});

describe('type metadata', () => {
  it('gives RowDescription sizes and parameter types per OID', () => {
    expect([TypeOid.int2, TypeOid.int4, TypeOid.int8, TypeOid.float8, TypeOid.bool, TypeOid.text, TypeOid.bytea, TypeOid.jsonb, TypeOid.timestamptz].map(typeSizeOf)).toEqual([
      2, 4, 8, 8, 1, -1, -1, -1, 8,
    ]);
    expect(sqlTypeOfParameterOid(0)).toBeUndefined();
    expect(sqlTypeOfParameterOid(TypeOid.int2)).toBe('int4');
    expect(sqlTypeOfParameterOid(TypeOid.varchar)).toBe('text');
    expect(() => sqlTypeOfParameterOid(1700)).toThrow(expect.objectContaining({ sqlstate: '42704' }));
  });
});
