/**
 * SQL values as the VM holds them. NULL is `null`; every SQL integer type is a
 * bigint (exact over the whole int8 range; the column type bounds it); double
 * precision is a number; text a string; bytea a Uint8Array; boolean a boolean;
 * timestamp with time zone a Timestamptz; jsonb a Jsonb. The two classes are
 * immutable (frozen) and built only through their checked factories
 * (vm/sql-timestamptz.ts, vm/sql-jsonb.ts parse them from text).
 */

export type SqlValue = null | boolean | bigint | number | string | Uint8Array | Timestamptz | Jsonb;

/** SQL types named by the `sql.cast` immediate and by constant-pool entries. */
export const sqlTypes = ['boolean', 'int4', 'int8', 'float8', 'text', 'bytea', 'timestamptz', 'jsonb'] as const;
export type SqlType = (typeof sqlTypes)[number];

export const sqlTypeCodes: Record<SqlType, number> = {
  boolean: 0x01,
  int4: 0x02,
  int8: 0x03,
  float8: 0x04,
  text: 0x05,
  bytea: 0x06,
  timestamptz: 0x07,
  jsonb: 0x08,
};

export const sqlTypeByCode: ReadonlyMap<number, SqlType> = new Map(sqlTypes.map((type) => [sqlTypeCodes[type], type]));

/** The SQL type of a non-NULL value; ints report int8 (the widest). */
export function sqlTypeOf(value: Exclude<SqlValue, null>): SqlType {
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'int8';
    case 'number':
      return 'float8';
    case 'string':
      return 'text';
    default:
      if (value instanceof Timestamptz) return 'timestamptz';
      if (value instanceof Jsonb) return 'jsonb';
      return 'bytea';
  }
}

// --- timestamp with time zone -------------------------------------------------------

/**
 * PostgreSQL's range, moved from its 2000-01-01 epoch to 1970-01-01:
 * 4714-11-24 00:00:00 UTC BC (Julian day 0) inclusive to 294277-01-01
 * 00:00:00 UTC exclusive. The end is past 2^63 µs since 1970, which is why
 * the encodings use PostgreSQL's epoch (see toPostgresMicroseconds).
 */
export const timestamptzMicrosecondsMin = -210_866_803_200_000_000n;
export const timestamptzMicrosecondsEnd = 9_224_318_016_000_000_000n;
/** 2000-01-01 00:00:00 UTC, PostgreSQL's epoch, in µs since 1970. */
const postgresEpochMicroseconds = 946_684_800_000_000n;
const int8Max = 2n ** 63n - 1n;
const int8Min = -(2n ** 63n);

/**
 * An instant: microseconds since 1970-01-01 00:00:00 UTC, in
 * [timestamptzMicrosecondsMin, timestamptzMicrosecondsEnd); infinity is held
 * as timestamptzMicrosecondsEnd and -infinity as one below the minimum, so
 * instants order as their bigints.
 */
export class Timestamptz {
  static readonly infinity = new Timestamptz(timestamptzMicrosecondsEnd);
  static readonly minusInfinity = new Timestamptz(timestamptzMicrosecondsMin - 1n);

  private constructor(readonly microseconds: bigint) {
    Object.freeze(this);
  }

  /** Whether the bigint is a finite instant in range. */
  static isInRange(microseconds: bigint): boolean {
    return microseconds >= timestamptzMicrosecondsMin && microseconds < timestamptzMicrosecondsEnd;
  }

  /** A finite instant; a bigint out of range is a bug in the caller (RangeError). */
  static fromMicroseconds(microseconds: bigint): Timestamptz {
    if (!Timestamptz.isInRange(microseconds)) throw new RangeError(`timestamptz of ${microseconds} µs since 1970 is out of range`);
    return new Timestamptz(microseconds);
  }

  /**
   * PostgreSQL's own int8 form, which the row codec and the binary format
   * store: µs since 2000-01-01 UTC, infinity and -infinity as the int8
   * extremes. Every instant fits.
   */
  toPostgresMicroseconds(): bigint {
    if (this === Timestamptz.infinity) return int8Max;
    if (this === Timestamptz.minusInfinity) return int8Min;
    return this.microseconds - postgresEpochMicroseconds;
  }

  /** The inverse of toPostgresMicroseconds; undefined for an int8 that is no instant. */
  static fromPostgresMicroseconds(value: bigint): Timestamptz | undefined {
    if (value === int8Max) return Timestamptz.infinity;
    if (value === int8Min) return Timestamptz.minusInfinity;
    const microseconds = value + postgresEpochMicroseconds;
    return Timestamptz.isInRange(microseconds) ? new Timestamptz(microseconds) : undefined;
  }

  get isFinite(): boolean {
    return this !== Timestamptz.infinity && this !== Timestamptz.minusInfinity;
  }
}

// --- jsonb ------------------------------------------------------------------------

/**
 * A jsonb number: its text as PostgreSQL's numeric output prints it (no
 * exponent, no leading zeros, the input's scale kept: 1.50 stays 1.50, 1e2 is
 * 100, -0 is 0). Text of that shape is the whole canonical form.
 */
export class JsonbNumber {
  constructor(readonly text: string) {
    Object.freeze(this);
  }
}

/** A jsonb object: keys unique, ordered by UTF-8 byte length then bytewise; values[i] belongs to keys[i]. */
export class JsonbObject {
  constructor(
    readonly keys: readonly string[],
    readonly values: readonly JsonbValue[],
  ) {
    Object.freeze(this);
  }
}

/** A parsed jsonb value in canonical form: JSON strings are strings, arrays are arrays. */
export type JsonbValue = null | boolean | string | JsonbNumber | readonly JsonbValue[] | JsonbObject;

/**
 * A jsonb value: the canonical tree and its canonical text (PostgreSQL's jsonb
 * output). Built by parseJsonbText (vm/sql-jsonb.ts), which guarantees the
 * text is the output of the tree; the constructor trusts its arguments.
 */
export class Jsonb {
  constructor(
    readonly value: JsonbValue,
    readonly text: string,
  ) {
    Object.freeze(this);
  }
}
