/** postgres.js with default options: it fetches array types at connect and prepares statements. */
import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { serverPerTest } from './server-fixture.js';

describe('postgres.js', () => {
  const running = serverPerTest();

  async function withSql<T>(use: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    const sql = postgres(running().url(), { onnotice: () => {} });
    try {
      return await use(sql);
    } finally {
      await sql.end({ timeout: 5 });
    }
  }

  it('connects with default options and runs parameterized queries', async () => {
    await withSql(async (sql) => {
      await sql`CREATE TABLE people (id int4 PRIMARY KEY, name text, age int8)`;
      for (const [id, name, age] of [[1, 'ann', 31], [2, 'bob', 42]] as const) {
        await sql`INSERT INTO people (id, name, age) VALUES (${id}, ${name}, ${age})`;
      }
      expect(await sql`SELECT name, age FROM people WHERE id = ${2}`).toEqual([{ name: 'bob', age: '42' }]);
      const [row] = await sql`SELECT ${5}::int4 + 1 AS six, ${'x'} AS t, version() AS v`;
      expect(row).toEqual({ six: 6, t: 'x', v: expect.stringMatching(/^PostgreSQL 15/) });
      const updated = await sql`UPDATE people SET age = age + 1 WHERE id = ${1}`;
      expect(updated.count).toBe(1);
      expect(await sql`SELECT age FROM people WHERE id = ${1}`).toEqual([{ age: '32' }]);
    });
  });

  it('answers the array-type catalog query as PostgreSQL 15 would', async () => {
    await withSql(async (sql) => {
      const rows = await sql.unsafe(
        `select b.oid, b.typarray
           from pg_catalog.pg_type a
           left join pg_catalog.pg_type b on b.oid = a.typelem
          where a.typcategory = 'A'
          group by b.oid, b.typarray
          order by b.oid`,
      );
      expect(rows.map((row) => [Number(row.oid), Number(row.typarray)])).toEqual([
        [16, 1000], [17, 1001], [20, 1016], [21, 1005], [23, 1007], [25, 1009], [701, 1022], [1043, 1015], [1184, 1185], [3802, 3807],
      ]);
    });
  });

  it('gets 0A000 for a transaction and keeps working', async () => {
    await withSql(async (sql) => {
      const failure = await sql.begin(async (transaction) => transaction`SELECT 1`).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: '0A000', message: expect.stringContaining('each statement is atomic per row') });
      expect(await sql`SELECT 2 AS two`).toEqual([{ two: 2 }]);
    });
  });
});
