/**
 * SQL values as the VM holds them. NULL is `null`; every SQL integer type is a
 * bigint (exact over the whole int8 range; the column type bounds it); double
 * precision is a number; text a string; bytea a Uint8Array; boolean a boolean.
 * (timestamptz and jsonb arrive with the SQL layer.)
 */

export type SqlValue = null | boolean | bigint | number | string | Uint8Array;

/** SQL types named by the `sql.cast` immediate and by constant-pool entries. */
export const sqlTypes = ['boolean', 'int4', 'int8', 'float8', 'text', 'bytea'] as const;
export type SqlType = (typeof sqlTypes)[number];

export const sqlTypeCodes: Record<SqlType, number> = {
  boolean: 0x01,
  int4: 0x02,
  int8: 0x03,
  float8: 0x04,
  text: 0x05,
  bytea: 0x06,
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
      return 'bytea';
  }
}
