/**
 * Aggregates, GROUP BY, ORDER BY, DISTINCT and LIMIT over results: what the
 * comparison with PostgreSQL (postgres-differential.test.ts) cannot show — the
 * bounds on rows held (54000), dmachine's own int8 sum overflow (22003; PostgreSQL's
 * sum(bigint) is numeric), top-N holding few rows, literals kept where the
 * compiler reads them, and parameters in these clauses.
 */
import { describe, expect, it } from 'vitest';
import { SqlSession } from '../../compiler/session.js';
import type { LocalMemory } from '../../store/local-memory.js';
import { openSessionPerTest, sessionQueries } from './session-fixture.js';

let memory: LocalMemory;
let session: SqlSession;
openSessionPerTest('compiler-select-results', (opened, created) => {
  memory = opened;
  session = created;
});
const { rows, failure } = sessionQueries(() => session);

async function seed(count: number): Promise<void> {
  await session.execute('CREATE TABLE m (id int PRIMARY KEY, g int, n bigint)');
  const values = Array.from({ length: count }, (_, id) => `(${id}, ${id % 10}, ${id * 3})`);
  await session.execute(`INSERT INTO m VALUES ${values.join(', ')}`);
}

describe('bounded memory', () => {
  it('fails GROUP BY with 54000 past collectedRowsMax groups, and answers within it', async () => {
    await seed(50);
    const bounded = new SqlSession({ memory, account: 'acme', limits: { collectedRowsMax: 20 } });
    expect((await bounded.execute('SELECT g, count(*) FROM m GROUP BY g ORDER BY g'))[0]!.rows).toHaveLength(10);
    await expect(bounded.execute('SELECT id, count(*) FROM m GROUP BY id')).rejects.toMatchObject({ sqlstate: '54000' });
    await expect(bounded.execute('SELECT DISTINCT id FROM m')).rejects.toMatchObject({ sqlstate: '54000' });
  });

  it('sorts with LIMIT holding about twice LIMIT + OFFSET rows, not the table', async () => {
    await seed(200);
    const bounded = new SqlSession({ memory, account: 'acme', limits: { collectedRowsMax: 40 } });
    expect((await bounded.execute('SELECT id FROM m ORDER BY n DESC LIMIT 3 OFFSET 2'))[0]!.rows).toEqual([[197n], [196n], [195n]]);
    await expect(bounded.execute('SELECT id FROM m ORDER BY n DESC')).rejects.toMatchObject({ sqlstate: '54000' });
    expect((await bounded.execute('SELECT id FROM m ORDER BY n DESC LIMIT $1', [2]))[0]!.rows).toEqual([[199n], [198n]]);
  });
});

describe('aggregate results', () => {
  it('sums bigint exactly and fails with 22003 past the int8 range', async () => {
    await session.execute('CREATE TABLE big (id int PRIMARY KEY, n bigint)');
    await session.execute('INSERT INTO big VALUES (1, 9223372036854775806), (2, 1)');
    expect(await rows('SELECT sum(n), max(n), min(n) FROM big')).toEqual([[9223372036854775807n, 9223372036854775806n, 1n]]);
    await session.execute('INSERT INTO big VALUES (3, 1)');
    expect((await failure('SELECT sum(n) FROM big')).sqlstate).toBe('22003');
    // avg sums in float8, so it does not overflow.
    expect(await rows('SELECT avg(n) FROM big')).toEqual([[9223372036854775808 / 3]]);
  });

  it('types count as bigint, sum of int as bigint, avg as float8, min/max as their argument', async () => {
    await seed(5);
    const [result] = await session.execute('SELECT count(*), sum(g), avg(g), min(id), max(n) FROM m');
    expect(result!.fields.map((field) => field.typeOid)).toEqual([20, 20, 701, 23, 20]);
    expect(result!.rows).toEqual([[5n, 10n, 2, 0n, 12n]]);
  });

  it('takes parameters in HAVING, ORDER BY expressions and LIMIT', async () => {
    await seed(30);
    const sql = 'SELECT g, sum(n) FROM m GROUP BY g HAVING sum(n) > $1 ORDER BY sum(n) * $2 LIMIT $3';
    // Group g holds ids g, g + 10, g + 20: sum(n) = 9g + 90.
    expect((await session.execute(sql, [150, -1, 2]))[0]!.rows).toEqual([
      [9n, 171n],
      [8n, 162n],
    ]);
  });
});

describe('the statement cache with these clauses', () => {
  it('keeps ORDER BY positions and GROUP BY literals as written', async () => {
    await seed(12);
    expect(await rows('SELECT g, id FROM m WHERE id < 4 ORDER BY 2 DESC')).toEqual([[3n, 3n], [2n, 2n], [1n, 1n], [0n, 0n]]);
    expect(await rows('SELECT g, id FROM m WHERE id < 4 ORDER BY 1')).toEqual([[0n, 0n], [1n, 1n], [2n, 2n], [3n, 3n]]);
    expect(await rows('SELECT g % 3, count(*) FROM m GROUP BY g % 3 ORDER BY 1')).toEqual([[0n, 5n], [1n, 4n], [2n, 3n]]);
    expect(await rows('SELECT g % 4, count(*) FROM m GROUP BY g % 4 ORDER BY 1')).toEqual([[0n, 4n], [1n, 4n], [2n, 2n], [3n, 2n]]);
  });
});
