/**
 * UPDATE / DELETE whose WHERE does not fix the whole key (a resource scan running
 * the conditional-update loop on each word) and INSERT ... ON CONFLICT DO UPDATE
 * (the same loop on the word the COMPARE&SWAP from absent found), end to end on a
 * LocalMemory, including concurrent statements over the same rows.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { SqlSession, type StatementResult } from '../../compiler/session.js';
import { LocalMemory } from '../../store/local-memory.js';
import type { SqlValue } from '../../vm/sql-values.js';
import { openSessionPerTest, sessionQueries } from './session-fixture.js';

let memory: LocalMemory;
let session: SqlSession;
const directory = openSessionPerTest('compiler-update-delete-scan', (opened, created) => {
  memory = opened;
  session = created;
});

const { one, rows, failure } = sessionQueries(() => session);

const sorted = (values: SqlValue[][]): SqlValue[][] => [...values].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe('UPDATE / DELETE by other predicates (resource scan)', () => {
  beforeEach(async () => {
    await session.execute('CREATE TABLE t (id int PRIMARY KEY, grp text NOT NULL, n bigint NOT NULL)');
    const values = Array.from({ length: 30 }, (_, index) => `(${index}, '${index < 20 ? 'a' : 'b'}', ${index})`).join(', ');
    await session.execute(`INSERT INTO t VALUES ${values}`);
  });

  it('updates every matching row, tag UPDATE n, leaving the others', async () => {
    expect((await one("UPDATE t SET n = n + 100 WHERE grp = 'a'")).commandTag).toBe('UPDATE 20');
    const all = await rows('SELECT id, n FROM t');
    expect(all).toHaveLength(30);
    for (const [id, n] of all) expect(n).toBe(BigInt(id as bigint) + (Number(id) < 20 ? 100n : 0n));
    expect((await one('UPDATE t SET n = 0')).commandTag).toBe('UPDATE 30');
    expect((await one("UPDATE t SET n = 1 WHERE grp = 'zz'")).commandTag).toBe('UPDATE 0');
    const listing = await session.explain("UPDATE t SET n = n + 1 WHERE grp = 'a'");
    expect(listing).toMatch(/mem\.scan_resource/);
    expect(listing).toMatch(/scan\.ptr/);
    expect(listing).not.toMatch(/mem\.load/);
  });

  it('loses no update when concurrent statements update overlapping sets', async () => {
    await Promise.all(Array.from({ length: 10 }, () => new SqlSession({ memory, account: 'acme' }).execute("UPDATE t SET n = n + 1 WHERE grp = 'a'")));
    await Promise.all(Array.from({ length: 5 }, () => new SqlSession({ memory, account: 'acme' }).execute('UPDATE t SET n = n + 1 WHERE id >= 15')));
    for (const [id, n] of await rows('SELECT id, n FROM t')) {
      const index = Number(id);
      expect(n).toBe(BigInt(index) + (index < 20 ? 10n : 0n) + (index >= 15 ? 5n : 0n));
    }
  });

  it('re-checks WHERE after a lost race: a row that stopped qualifying is skipped', async () => {
    // Each statement moves the rows of 'a' to 'b' only while they are in 'a': every row moves once.
    const results = await Promise.all(
      Array.from({ length: 8 }, () => new SqlSession({ memory, account: 'acme' }).execute("UPDATE t SET grp = 'b', n = n + 1000 WHERE grp = 'a'")),
    );
    const moved = results.map((result) => Number(result[0]!.commandTag.split(' ')[1]));
    expect(moved.reduce((sum, count) => sum + count, 0)).toBe(20);
    for (const [id, n] of await rows('SELECT id, n FROM t')) expect(n).toBe(BigInt(Number(id)) + (Number(id) < 20 ? 1000n : 0n));
  });

  it('deletes by predicate, RETURNING the old rows', async () => {
    const result = await one('DELETE FROM t WHERE n >= 25 RETURNING id, n');
    expect(result.commandTag).toBe('DELETE 5');
    expect(sorted(result.rows)).toEqual([25, 26, 27, 28, 29].map((index) => [BigInt(index), BigInt(index)]));
    expect(await rows('SELECT id FROM t WHERE n >= 20')).toHaveLength(5);
    expect((await one('DELETE FROM t')).commandTag).toBe('DELETE 25');
    expect(await rows('SELECT * FROM t')).toEqual([]);
  });

  it('returns the new rows of a scan UPDATE, and checks NOT NULL per row', async () => {
    const result = await one("UPDATE t AS x SET n = x.n * 2 WHERE x.id < 3 RETURNING id, n, grp");
    expect(result.commandTag).toBe('UPDATE 3');
    expect(sorted(result.rows)).toEqual([
      [0n, 0n, 'a'],
      [1n, 2n, 'a'],
      [2n, 4n, 'a'],
    ]);
    expect((await failure('UPDATE t SET n = NULL WHERE id > 3')).sqlstate).toBe('23502');
    expect((await failure("UPDATE t SET id = 1 WHERE grp = 'a'")).sqlstate).toBe('0A000');
  });

  it('scans when the key is compared with a value of another type', async () => {
    expect((await one('UPDATE t SET n = -1 WHERE id = 2.0')).commandTag).toBe('UPDATE 1');
    expect(await rows('SELECT n FROM t WHERE id = 2')).toEqual([[-1n]]);
  });
});

describe('INSERT ... ON CONFLICT DO UPDATE', () => {
  beforeEach(async () => {
    await session.execute('CREATE TABLE c (k text PRIMARY KEY, n bigint NOT NULL, note text)');
    await session.execute("INSERT INTO c VALUES ('a', 1, 'first')");
  });

  it('inserts an absent key and updates a present one, counting both, with RETURNING the row', async () => {
    const result = await one(
      "INSERT INTO c VALUES ('a', 10, 'second'), ('b', 20, 'new') ON CONFLICT (k) DO UPDATE SET n = c.n + excluded.n, note = excluded.note RETURNING k, n, note",
    );
    expect(result.commandTag).toBe('INSERT 0 2');
    expect(result.rows).toEqual([
      ['a', 11n, 'second'],
      ['b', 20n, 'new'],
    ]);
    expect(sorted(await rows('SELECT k, n, note FROM c'))).toEqual([
      ['a', 11n, 'second'],
      ['b', 20n, 'new'],
    ]);
  });

  it('refuses to change one row twice in a statement with 21000, as PostgreSQL', async () => {
    const error = await failure("INSERT INTO c VALUES ('q', 1), ('r', 2), ('q', 3) ON CONFLICT (k) DO UPDATE SET n = excluded.n");
    expect(error).toEqual({ sqlstate: '21000', message: 'ON CONFLICT DO UPDATE command cannot affect row a second time' });
    // Atomic per row: the rows before the repeated key are in.
    expect(await rows("SELECT k, n FROM c WHERE k IN ('q', 'r')")).toEqual([['q', 1n], ['r', 2n]]);
    expect((await one('INSERT INTO c VALUES ($1, 1), ($2, 2) ON CONFLICT (k) DO UPDATE SET n = excluded.n', ['s', 't'])).commandTag).toBe('INSERT 0 2');
  });

  it('skips (and does not count) a conflicting row whose DO UPDATE WHERE is not true', async () => {
    const result = await one("INSERT INTO c VALUES ('a', 5), ('z', 1) ON CONFLICT (k) DO UPDATE SET n = excluded.n WHERE c.n > 100 RETURNING k");
    expect(result).toMatchObject({ commandTag: 'INSERT 0 1', rows: [['z']] });
    expect(await rows("SELECT n FROM c WHERE k = 'a'")).toEqual([[1n]]);
    expect((await one("INSERT INTO c VALUES ('a', 5) ON CONFLICT (k) DO UPDATE SET n = excluded.n WHERE excluded.n > c.n")).commandTag).toBe('INSERT 0 1');
    expect(await rows("SELECT n FROM c WHERE k = 'a'")).toEqual([[5n]]);
  });

  it('runs 20 concurrent upserts of one key without losing one', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => new SqlSession({ memory, account: 'acme' }).execute("INSERT INTO c VALUES ('hot', 1) ON CONFLICT (k) DO UPDATE SET n = c.n + 1")),
    );
    expect(results.map((result) => result[0]!.commandTag)).toEqual(Array.from({ length: 20 }, () => 'INSERT 0 1'));
    expect(await rows("SELECT n FROM c WHERE k = 'hot'")).toEqual([[20n]]);
    const listing = await session.explain("INSERT INTO c VALUES ('hot', 1) ON CONFLICT (k) DO UPDATE SET n = c.n + 1");
    expect(listing).toMatch(/mem\.cas/);
    expect(listing).not.toMatch(/mem\.load/);
  });

  it('takes parameters in the proposed row and the SET', async () => {
    await one('INSERT INTO c VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET n = c.n * $3', ['a', 7n, 3n]);
    expect(await rows("SELECT n FROM c WHERE k = 'a'")).toEqual([[3n]]);
  });

  it('refuses what PostgreSQL refuses', async () => {
    expect((await failure("INSERT INTO c VALUES ('a', 2) ON CONFLICT (n) DO UPDATE SET n = 3")).sqlstate).toBe('42P10');
    expect((await failure("INSERT INTO c VALUES ('a', 2) ON CONFLICT (k) DO UPDATE SET n = n + 1")).sqlstate).toBe('42702');
    expect((await failure("INSERT INTO c VALUES ('a', 2) ON CONFLICT (k) DO UPDATE SET k = 'b'")).sqlstate).toBe('0A000');
    expect((await failure("INSERT INTO c VALUES ('a', 2) ON CONFLICT (k) DO UPDATE SET n = NULL")).sqlstate).toBe('23502');
    expect((await failure("INSERT INTO c VALUES ('a', 2) ON CONFLICT (k) DO UPDATE SET n = other.n")).sqlstate).toBe('42P01');
    expect((await failure("INSERT INTO c VALUES ('a', 2) ON CONFLICT (k) DO UPDATE SET nope = 1")).sqlstate).toBe('42703');
    expect(await rows("SELECT n FROM c WHERE k = 'a'")).toEqual([[1n]]);
  });
});
