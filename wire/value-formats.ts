/**
 * The PostgreSQL text and binary formats of the types dmachine sends and receives, by
 * type OID (pg_type.oid). Pure: values in, Buffers out, and back (STYLE 5).
 *
 * Text output is the VM's own (`sqlTextOutput`), so a value prints the same through the
 * wire as in EXPLAIN listings. Text parameters are handed to the session as strings: the
 * statement's parameter types convert them with `sqlCast`, as PostgreSQL's input
 * functions do. Binary parameters are decoded here by the parameter's type.
 */
import { SqlError } from '../common/sql-error.js';
import { sqlTextOutput } from '../vm/sql-operations.js';
import { parseJsonbText } from '../vm/sql-jsonb.js';
import { Jsonb, Timestamptz, type SqlType, type SqlValue } from '../vm/sql-values.js';

/** pg_type.oid of every type the wire layer knows. */
export const TypeOid = {
  bool: 16,
  bytea: 17,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  float8: 701,
  unknown: 705,
  varchar: 1043,
  timestamptz: 1184,
  jsonb: 3802,
} as const;

/** pg_type.typlen: RowDescription's type size; -1 for variable width. */
const typeSizes: ReadonlyMap<number, number> = new Map([
  [TypeOid.bool, 1],
  [TypeOid.bytea, -1],
  [TypeOid.name, 64],
  [TypeOid.int8, 8],
  [TypeOid.int2, 2],
  [TypeOid.int4, 4],
  [TypeOid.text, -1],
  [TypeOid.oid, 4],
  [TypeOid.float8, 8],
  [TypeOid.unknown, -2],
  [TypeOid.varchar, -1],
  [TypeOid.timestamptz, 8],
  [TypeOid.jsonb, -1],
]);

export function typeSizeOf(typeOid: number): number {
  return typeSizes.get(typeOid) ?? -1;
}

/** SQLSTATE invalid_binary_representation. */
const invalidBinary = '22P03';

/**
 * The SqlType a parameter type OID of Parse stands for; undefined for 0 or `unknown`
 * (inferred from the statement). int2 is read as int4 and varchar/name as text: the VM
 * has no narrower types. Any other OID is 42704.
 */
export function sqlTypeOfParameterOid(typeOid: number): SqlType | undefined {
  switch (typeOid) {
    case 0:
    case TypeOid.unknown:
      return undefined;
    case TypeOid.bool:
      return 'boolean';
    case TypeOid.bytea:
      return 'bytea';
    case TypeOid.int2:
    case TypeOid.int4:
      return 'int4';
    case TypeOid.int8:
    case TypeOid.oid:
      return 'int8';
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.name:
      return 'text';
    case TypeOid.float8:
      return 'float8';
    case TypeOid.timestamptz:
      return 'timestamptz';
    case TypeOid.jsonb:
      return 'jsonb';
    default:
      throw new SqlError('42704', `type with OID ${typeOid} is not supported`, {
        hint: 'dmachine has bool, int2, int4, int8, float8, text, varchar, bytea, timestamptz and jsonb.',
      });
  }
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** A text-format value: UTF-8, checked (22021 as PostgreSQL's input functions). */
export function decodeTextValue(bytes: Buffer): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    throw new SqlError('22021', 'invalid byte sequence for encoding "UTF8"');
  }
}

function needBytes(bytes: Buffer, count: number, typeName: string): void {
  if (bytes.length !== count) {
    throw new SqlError(invalidBinary, `incorrect binary data format for type ${typeName}`, `Expected ${count} bytes, got ${bytes.length}.`);
  }
}

/** A binary-format value of type `typeOid` (the parameter's OID as described to the client). */
export function decodeBinaryValue(bytes: Buffer, typeOid: number): SqlValue {
  switch (typeOid) {
    case TypeOid.bool:
      needBytes(bytes, 1, 'boolean');
      return bytes[0] !== 0;
    case TypeOid.int2:
      needBytes(bytes, 2, 'smallint');
      return BigInt(bytes.readInt16BE(0));
    case TypeOid.int4:
      needBytes(bytes, 4, 'integer');
      return BigInt(bytes.readInt32BE(0));
    case TypeOid.oid:
      needBytes(bytes, 4, 'oid');
      return BigInt(bytes.readUInt32BE(0));
    case TypeOid.int8:
      needBytes(bytes, 8, 'bigint');
      return bytes.readBigInt64BE(0);
    case TypeOid.float8:
      needBytes(bytes, 8, 'double precision');
      return bytes.readDoubleBE(0);
    case TypeOid.text:
    case TypeOid.varchar:
    case TypeOid.name:
    case TypeOid.unknown:
      return decodeTextValue(bytes);
    case TypeOid.bytea:
      return Uint8Array.from(bytes);
    case TypeOid.timestamptz: {
      needBytes(bytes, 8, 'timestamp with time zone');
      const value = Timestamptz.fromPostgresMicroseconds(bytes.readBigInt64BE(0));
      if (value === undefined) throw new SqlError('22008', 'timestamp out of range');
      return value;
    }
    case TypeOid.jsonb: {
      if (bytes.length < 1 || bytes[0] !== 1) throw new SqlError(invalidBinary, 'unsupported jsonb version number');
      return parseJsonbText(decodeTextValue(bytes.subarray(1)));
    }
    default:
      throw new SqlError('42704', `binary format of the type with OID ${typeOid} is not supported`);
  }
}

/** The text format of a value; null for SQL NULL. */
export function encodeTextValue(value: SqlValue): Buffer | null {
  const text = sqlTextOutput(value);
  return text === null ? null : Buffer.from(text, 'utf8');
}

function integerBytes(value: bigint, byteCount: 2 | 4 | 8, typeName: string): Buffer {
  const bytes = Buffer.allocUnsafe(byteCount);
  const bits = BigInt(byteCount * 8);
  const limit = 1n << (bits - 1n);
  if (value < -limit || value >= limit) throw new SqlError('22003', `${typeName} out of range`);
  if (byteCount === 2) bytes.writeInt16BE(Number(value));
  else if (byteCount === 4) bytes.writeInt32BE(Number(value));
  else bytes.writeBigInt64BE(value);
  return bytes;
}

/** The binary format of a value of a result column of type `typeOid`; null for SQL NULL. */
export function encodeBinaryValue(value: SqlValue, typeOid: number): Buffer | null {
  if (value === null) return null;
  switch (typeOid) {
    case TypeOid.bool:
      return Buffer.from([value === true ? 1 : 0]);
    case TypeOid.int2:
      return integerBytes(value as bigint, 2, 'smallint');
    case TypeOid.int4:
      return integerBytes(value as bigint, 4, 'integer');
    case TypeOid.int8:
      return integerBytes(value as bigint, 8, 'bigint');
    case TypeOid.oid: {
      const bytes = Buffer.allocUnsafe(4);
      bytes.writeUInt32BE(Number(value as bigint));
      return bytes;
    }
    case TypeOid.float8: {
      const bytes = Buffer.allocUnsafe(8);
      bytes.writeDoubleBE(value as number);
      return bytes;
    }
    case TypeOid.bytea:
      return Buffer.from(value as Uint8Array);
    case TypeOid.timestamptz: {
      const bytes = Buffer.allocUnsafe(8);
      bytes.writeBigInt64BE((value as Timestamptz).toPostgresMicroseconds());
      return bytes;
    }
    case TypeOid.jsonb:
      return Buffer.concat([Buffer.from([1]), Buffer.from((value as Jsonb).text, 'utf8')]);
    default:
      // text and anything printed as text: the binary format of text is its UTF-8 bytes.
      return encodeTextValue(value);
  }
}
