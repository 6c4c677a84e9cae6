/**
 * Catalog queries some drivers send at connect, answered by the frontend because the SQL
 * dialect has no joins or pg_catalog. Each is recognised by its whole text, compared
 * case- and whitespace-insensitively (a trailing `;` ignored), and answered with the
 * rows PostgreSQL 15 would return restricted to the types dmachine has (docs/wire.md).
 */
import type { ResultField, StatementResult } from '../compiler/session.js';
import type { SqlValue } from '../vm/sql-values.js';
import { TypeOid } from './value-formats.js';

function normalize(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().replace(/\s*;$/, '').toLowerCase();
}

/**
 * postgres.js (fetch_types, on by default) asks which array type belongs to each element
 * type. PostgreSQL 15's pg_type.typarray for dmachine's types, ordered by element OID.
 */
const arrayTypesQuery = normalize(
  `select b.oid, b.typarray from pg_catalog.pg_type a left join pg_catalog.pg_type b on b.oid = a.typelem
   where a.typcategory = 'A' group by b.oid, b.typarray order by b.oid`,
);

const arrayTypeRows: readonly (readonly [number, number])[] = [
  [TypeOid.bool, 1000],
  [TypeOid.bytea, 1001],
  [TypeOid.int8, 1016],
  [TypeOid.int2, 1005],
  [TypeOid.int4, 1007],
  [TypeOid.text, 1009],
  [TypeOid.float8, 1022],
  [TypeOid.varchar, 1015],
  [TypeOid.timestamptz, 1185],
  [TypeOid.jsonb, 3807],
];

export interface CatalogQueryAnswer {
  readonly fields: readonly ResultField[];
  /** Rows as the session would return them. */
  answer(): StatementResult;
}

const arrayTypesAnswer: CatalogQueryAnswer = {
  fields: [
    { name: 'oid', typeOid: TypeOid.oid },
    { name: 'typarray', typeOid: TypeOid.oid },
  ],
  answer() {
    const rows: SqlValue[][] = arrayTypeRows.map(([element, array]) => [BigInt(element), BigInt(array)]);
    return { fields: this.fields, rows, commandTag: `SELECT ${rows.length}`, notices: [] };
  },
};

/** The frontend's answer to `sql` when it is one of the recognised catalog queries. */
export function catalogQueryAnswer(sql: string): CatalogQueryAnswer | undefined {
  // A cheap filter first: ordinary statements never mention pg_catalog.pg_type.
  if (!/pg_type/i.test(sql)) return undefined;
  return normalize(sql) === arrayTypesQuery ? arrayTypesAnswer : undefined;
}
