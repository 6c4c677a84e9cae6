/**
 * SqlSession end to end on a real LocalMemory: DDL through the catalog, INSERT
 * as COMPARE&SWAP from absent, SELECT FROM as a point read or a resource scan,
 * the command tags, and the errors (SQLSTATE and PostgreSQL's messages).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { SqlSession, type StatementResult } from '../../compiler/session.js';
import { LocalMemory } from '../../store/local-memory.js';
import type { SqlValue } from '../../vm/sql-values.js';
import { openSessionPerTest, sessionQueries } from './session-fixture.js';

let memory: LocalMemory;
let session: SqlSession;
const directory = openSessionPerTest('compiler-session', (opened, created) => {
  memory = opened;
  session = created;
});

const { one, rows, failure } = sessionQueries(() => session);

describe('SqlSession: statements and tags', () => {
  it('answers one result per statement, SELECT without FROM through its compiler', async () => {
    const results = await session.execute('SELECT 1 AS a; SELECT 2, 3');
    expect(results.map((result) => result.commandTag)).toEqual(['SELECT 1', 'SELECT 1']);
    expect(results[0]!.fields).toEqual([{ name: 'a', typeOid: 23 }]);
    expect(results[1]!.rows).toEqual([[2n, 3n]]);
  });

  it('stops at the first error, as a simple query does', async () => {
    await expect(session.execute('CREATE TABLE t (id int PRIMARY KEY); SELECT 1/0; CREATE TABLE u (id int PRIMARY KEY)')).rejects.toMatchObject({ sqlstate: '22012' });
    expect(await rows('SELECT * FROM t')).toEqual([]);
    expect((await failure('SELECT * FROM u')).sqlstate).toBe('42P01');
  });

  it('refuses BEGIN and START TRANSACTION with 0A000 saying statements are atomic per row', async () => {
    for (const sql of ['BEGIN', 'START TRANSACTION']) {
      const { sqlstate, message } = await failure(sql);
      expect(sqlstate).toBe('0A000');
      expect(message).toMatch(/atomic per row/);
    }
  });

  it('names unsupported statements in 0A000', async () => {
    await session.execute('CREATE TABLE t (id int PRIMARY KEY)');
    expect(await failure('SHOW timezone')).toEqual({ sqlstate: '0A000', message: 'SHOW is not supported here' });
  });
});

describe('CREATE TABLE and DROP TABLE', () => {
  it('creates, refuses a second CREATE with 42P07, honours IF [NOT] EXISTS, drops', async () => {
    expect((await one('CREATE TABLE users (id text PRIMARY KEY, name text NOT NULL, age int DEFAULT 18)')).commandTag).toBe('CREATE TABLE');
    expect(await failure('CREATE TABLE users (id text PRIMARY KEY)')).toEqual({ sqlstate: '42P07', message: 'relation "users" already exists' });
    const skipped = await one('CREATE TABLE IF NOT EXISTS users (id text PRIMARY KEY)');
    expect(skipped.commandTag).toBe('CREATE TABLE');
    expect(skipped.notices).toEqual(['relation "users" already exists, skipping']);
    const definition = await session.catalog.lookupTable('acme', 'users');
    expect(definition?.columns.map((column) => [column.name, column.type, column.notNull, column.defaultExpression])).toEqual([
      ['id', 'text', true, undefined],
      ['name', 'text', true, undefined],
      ['age', 'int4', false, '18'],
    ]);
    expect((await one('DROP TABLE users')).commandTag).toBe('DROP TABLE');
    expect(await failure('DROP TABLE users')).toEqual({ sqlstate: '42P01', message: 'table "users" does not exist' });
    expect((await one('DROP TABLE IF EXISTS users')).notices).toEqual(['table "users" does not exist, skipping']);
  });

  it('takes a table-level key: first column hashed, second the sort key', async () => {
    await session.execute('CREATE TABLE events (user_id text, ts bigint, kind text, PRIMARY KEY (user_id, ts))');
    expect((await session.catalog.lookupTable('acme', 'events'))?.primaryKey).toEqual({ hashColumn: 0, sortColumn: 1 });
  });

  it('keeps a DEFAULT as its source text', async () => {
    await session.execute("CREATE TABLE d (id int PRIMARY KEY, a text NOT NULL DEFAULT 'x, y', b int DEFAULT (1 + 2) * 3, c bigint DEFAULT -5)");
    const definition = await session.catalog.lookupTable('acme', 'd');
    expect(definition?.columns.map((column) => column.defaultExpression)).toEqual([undefined, "'x, y'", '(1 + 2) * 3', '-5']);
  });

  it('refuses a table without a primary key (42P16), a key of three columns (0A000), two keys (42P16)', async () => {
    expect(await failure('CREATE TABLE t (a int)')).toMatchObject({ sqlstate: '42P16', message: 'tables need a primary key' });
    expect((await failure('CREATE TABLE t (a int, b int, c int, PRIMARY KEY (a, b, c))')).sqlstate).toBe('0A000');
    expect((await failure('CREATE TABLE t (a int PRIMARY KEY, b int, PRIMARY KEY (b))')).sqlstate).toBe('42P16');
    expect((await failure('CREATE TABLE t (a int, PRIMARY KEY (z))')).sqlstate).toBe('42703');
    expect((await failure('CREATE TABLE t (a money PRIMARY KEY)')).sqlstate).toBe('42704');
  });
});

describe('INSERT', () => {
  beforeEach(async () => {
    await session.execute('CREATE TABLE users (id text PRIMARY KEY, name text NOT NULL, age int DEFAULT 17 + 1, score bigint)');
  });

  it('inserts rows with defaults and NULLs, tag INSERT 0 n', async () => {
    const result = await one("INSERT INTO users (id, name) VALUES ('a', 'Ann'), ('b', 'Bo')");
    expect(result.commandTag).toBe('INSERT 0 2');
    expect(result.fields).toEqual([]);
    await session.execute("INSERT INTO users VALUES ('c', 'Cy', DEFAULT, 7)");
    expect(await rows("SELECT * FROM users WHERE id = 'a'")).toEqual([['a', 'Ann', 18n, null]]);
    expect(await rows("SELECT id, age, score FROM users WHERE id = 'c'")).toEqual([['c', 18n, 7n]]);
  });

  it('returns RETURNING * and expressions over the new row', async () => {
    const result = await one("INSERT INTO users (id, name, age) VALUES ('a', 'Ann', 30) RETURNING *, age + 1 AS next, upper(name)");
    expect(result.fields).toEqual([
      { name: 'id', typeOid: 25 },
      { name: 'name', typeOid: 25 },
      { name: 'age', typeOid: 23 },
      { name: 'score', typeOid: 20 },
      { name: 'next', typeOid: 23 },
      { name: 'upper', typeOid: 25 },
    ]);
    expect(result.rows).toEqual([['a', 'Ann', 30n, null, 31n, 'ANN']]);
  });

  it('takes parameters typed by their columns', async () => {
    await session.execute('INSERT INTO users (id, name, age) VALUES ($1, $2, $3)', ['p', 'Pat', '41']);
    expect(await rows('SELECT age FROM users WHERE id = $1', ['p'])).toEqual([[41n]]);
  });

  it('refuses a taken key with 23505; ON CONFLICT DO NOTHING skips it', async () => {
    await session.execute("INSERT INTO users (id, name) VALUES ('a', 'Ann')");
    expect(await failure("INSERT INTO users (id, name) VALUES ('a', 'Again')")).toEqual({
      sqlstate: '23505',
      message: 'duplicate key value violates unique constraint "users_pkey"',
    });
    const result = await one("INSERT INTO users (id, name) VALUES ('a', 'Again'), ('b', 'Bo') ON CONFLICT DO NOTHING RETURNING id");
    expect(result.commandTag).toBe('INSERT 0 1');
    expect(result.rows).toEqual([['b']]);
    expect(await rows("SELECT name FROM users WHERE id = 'a'")).toEqual([['Ann']]);
  });

  it('refuses NULL in a NOT NULL column with 23502, including the key', async () => {
    expect(await failure("INSERT INTO users (id) VALUES ('a')")).toEqual({
      sqlstate: '23502',
      message: 'null value in column "name" of relation "users" violates not-null constraint',
    });
    expect((await failure("INSERT INTO users (id, name) VALUES (NULL, 'x')")).message).toBe('null value in column "id" of relation "users" violates not-null constraint');
  });

  it('range-checks int4 columns (22003) and keeps int8 extremes exact', async () => {
    expect((await failure("INSERT INTO users (id, name, age) VALUES ('a', 'A', 2147483648)")).sqlstate).toBe('22003');
    expect((await failure("INSERT INTO users (id, name, age) VALUES ('a', 'A', $1)", [2n ** 31n])).sqlstate).toBe('22003');
    await session.execute("INSERT INTO users (id, name, score) VALUES ('min', 'A', -9223372036854775808), ('max', 'B', 9223372036854775807)");
    expect(await rows("SELECT score FROM users WHERE id = 'min'")).toEqual([[-(2n ** 63n)]]);
    expect(await rows("SELECT score FROM users WHERE id = 'max'")).toEqual([[2n ** 63n - 1n]]);
  });

  it('refuses a row over 4 KiB with 54000', async () => {
    const { sqlstate, message } = await failure("INSERT INTO users (id, name) VALUES ('big', repeat)".replace('repeat', `'${'x'.repeat(5000)}'`));
    expect(sqlstate).toBe('54000');
    expect(message).toMatch(/4096/);
  });

  it('reports unknown tables (42P01), columns (42703) and mismatched types (42804)', async () => {
    expect(await failure("INSERT INTO nope VALUES ('a')")).toEqual({ sqlstate: '42P01', message: 'relation "nope" does not exist' });
    expect(await failure("INSERT INTO users (id, nope) VALUES ('a', 1)")).toEqual({ sqlstate: '42703', message: 'column "nope" of relation "users" does not exist' });
    expect((await failure("INSERT INTO users (id, name, age) VALUES ('a', 'A', true)")).sqlstate).toBe('42804');
    expect((await failure("INSERT INTO users (id, name) VALUES ('a')")).sqlstate).toBe('42601');
  });

  it('of 20 concurrent INSERTs of one key exactly one succeeds, the rest are 23505', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_unused, index) => new SqlSession({ memory, account: 'acme' }).execute(`INSERT INTO users (id, name) VALUES ('same', 'n${index}')`)),
    );
    const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const failed = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(succeeded).toHaveLength(1);
    expect(failed.map((outcome) => (outcome.reason as SqlError).sqlstate)).toEqual(Array(19).fill('23505'));
    expect(await rows("SELECT id FROM users")).toEqual([["same"]]);
  });
});

describe('SELECT FROM', () => {
  beforeEach(async () => {
    await session.execute('CREATE TABLE kv (k text PRIMARY KEY, v bigint, note text)');
    await session.execute('CREATE TABLE events (user_id text, ts bigint, kind text, PRIMARY KEY (user_id, ts))');
  });

  it('round-trips text keys with /, % and non-ASCII characters', async () => {
    const keys = ['a/b', '100%', '%2F', 'Grüße 東京 🎉', '/', 'a%2Fb'];
    for (const [index, key] of keys.entries()) await session.execute('INSERT INTO kv VALUES ($1, $2)', [key, BigInt(index)]);
    for (const [index, key] of keys.entries()) expect(await rows('SELECT v FROM kv WHERE k = $1', [key])).toEqual([[BigInt(index)]]);
    expect((await rows('SELECT k FROM kv')).map((row) => row[0]).sort()).toEqual([...keys].sort());
    expect(await session.explain("SELECT v FROM kv WHERE k = 'a/b%'")).toMatch(/acme\/kv\/rnd\/a%2Fb%25/);
  });

  it('takes the empty text as a key (its key component is %00)', async () => {
    await session.execute("INSERT INTO kv VALUES ('', 1)");
    expect(await rows("SELECT v FROM kv WHERE k = ''")).toEqual([[1n]]);
  });

  it('uses int8 extremes as keys', async () => {
    await session.execute('CREATE TABLE big (id bigint PRIMARY KEY, v int)');
    await session.execute('INSERT INTO big VALUES (-9223372036854775808, 1), (9223372036854775807, 2), (0, 3)');
    expect(await rows('SELECT v FROM big WHERE id = -9223372036854775808')).toEqual([[1n]]);
    expect(await rows('SELECT v FROM big WHERE id = 9223372036854775807')).toEqual([[2n]]);
    expect((await one('SELECT * FROM big')).commandTag).toBe('SELECT 3');
  });

  it('reads by full key with a point read, otherwise scans', async () => {
    await session.execute("INSERT INTO events VALUES ('u', 1, 'a'), ('u', 2, 'b'), ('w', 1, 'c')");
    expect(await rows("SELECT kind FROM events WHERE user_id = 'u' AND ts = 2")).toEqual([['b']]);
    expect(session.lastRuns[0]!.stats.memory).toMatchObject({ loads: 1, scans: 0 });
    const point = await session.explain("SELECT kind FROM events WHERE ts = 2 AND user_id = 'u' AND kind <> 'z'");
    expect(point).toMatch(/ptr\.make_sorted .*acme\/events\/rnd\/u\/2/);
    expect(point).toMatch(/mem\.load/);
    expect(point).not.toMatch(/mem\.scan_resource/);

    // The hash key alone reads that key's sort keys only, in order.
    expect(await rows("SELECT kind FROM events WHERE user_id = 'u'")).toEqual([['a'], ['b']]);
    expect(session.lastRuns[0]!.stats.memory).toMatchObject({ loads: 0, scans: 1 });
    expect(await session.explain("SELECT kind FROM events WHERE user_id = 'u'")).toMatch(/mem\.scan_range 0 .*SCAN acme\/events\/rnd\/u  ptr [0-9a-f]{16}… \[every ts\]/);
    expect(await session.explain("SELECT kind FROM events WHERE kind = 'a'")).toMatch(/mem\.scan_resource .*SCAN acme\/events\/rnd\/\*/);
  });

  it('applies the other conjuncts of a point read as a filter', async () => {
    await session.execute("INSERT INTO kv VALUES ('a', 5, 'x')");
    expect(await rows("SELECT v FROM kv WHERE k = 'a' AND v > 3")).toEqual([[5n]]);
    expect(await rows("SELECT v FROM kv WHERE k = 'a' AND v > 7")).toEqual([]);
    expect(await rows("SELECT v FROM kv WHERE k = 'nope'")).toEqual([]);
    expect(await rows('SELECT v FROM kv WHERE k = NULL')).toEqual([]);
  });

  it('follows three-valued logic in WHERE', async () => {
    await session.execute("INSERT INTO kv VALUES ('a', 1, NULL), ('b', NULL, 'y'), ('c', 3, 'z')");
    const keys = async (where: string): Promise<SqlValue[]> => (await rows(`SELECT k FROM kv WHERE ${where}`)).map((row) => row[0]!).sort();
    expect(await keys('v > 0')).toEqual(['a', 'c']);
    expect(await keys('NOT (v > 0)')).toEqual([]);
    expect(await keys('v IS NULL')).toEqual(['b']);
    expect(await keys('v > 0 OR note = \'y\'')).toEqual(['a', 'b', 'c']);
    expect(await keys('note <> \'z\'')).toEqual(['b']);
    expect(await keys('v IS DISTINCT FROM 1')).toEqual(['b', 'c']);
  });

  it('expands * and qualified names with an alias; reports 42703 and 42P01', async () => {
    await session.execute("INSERT INTO kv VALUES ('a', 1, 'n')");
    const result = await one("SELECT x.*, x.v * 2 AS twice FROM kv AS x WHERE x.k = 'a'");
    expect(result.fields.map((field) => [field.name, field.typeOid])).toEqual([['k', 25], ['v', 20], ['note', 25], ['twice', 20]]);
    expect(result.rows).toEqual([['a', 1n, 'n', 2n]]);
    expect(await failure('SELECT nope FROM kv')).toEqual({ sqlstate: '42703', message: 'column "nope" does not exist' });
    expect(await failure('SELECT * FROM nope')).toEqual({ sqlstate: '42P01', message: 'relation "nope" does not exist' });
    expect((await failure('SELECT y.k FROM kv x')).sqlstate).toBe('42P01');
  });

  it('answers ORDER BY, GROUP BY, LIMIT and aggregates over a scan', async () => {
    await session.execute("INSERT INTO kv VALUES ('b', 2, 'x'), ('a', 1, 'y'), ('c', 2, 'z')");
    expect(await rows('SELECT k FROM kv ORDER BY k')).toEqual([['a'], ['b'], ['c']]);
    expect(await rows('SELECT v, count(*) FROM kv GROUP BY v ORDER BY v')).toEqual([[1n, 1n], [2n, 2n]]);
    expect(await rows('SELECT k FROM kv ORDER BY k DESC LIMIT 1')).toEqual([['c']]);
    expect(await rows('SELECT count(*) FROM kv')).toEqual([[3n]]);
  });
});

describe('UPDATE and DELETE by key', () => {
  beforeEach(async () => {
    await session.execute('CREATE TABLE accounts (id text PRIMARY KEY, balance bigint NOT NULL, note text DEFAULT \'none\')');
    await session.execute("INSERT INTO accounts VALUES ('a', 100, 'x'), ('b', 5, 'y')");
  });

  it('updates the row of a key, with RETURNING over the new row, tag UPDATE n', async () => {
    const result = await one("UPDATE accounts SET balance = balance - 10, note = DEFAULT WHERE id = 'a' RETURNING *");
    expect(result.commandTag).toBe('UPDATE 1');
    expect(result.rows).toEqual([['a', 90n, 'none']]);
    expect(await rows("SELECT balance FROM accounts WHERE id = 'a'")).toEqual([[90n]]);
    expect((await one("UPDATE accounts SET balance = 0 WHERE id = 'zz'")).commandTag).toBe('UPDATE 0');
  });

  it('applies a conditional update only while the condition holds', async () => {
    expect((await one("UPDATE accounts SET balance = balance - 10 WHERE id = 'b' AND balance >= 10")).commandTag).toBe('UPDATE 0');
    expect(await rows("SELECT balance FROM accounts WHERE id = 'b'")).toEqual([[5n]]);
  });

  it('runs concurrent increments through the COMPARE&SWAP retry loop without losing one', async () => {
    await Promise.all(Array.from({ length: 20 }, () => new SqlSession({ memory, account: 'acme' }).execute("UPDATE accounts SET balance = balance + 1 WHERE id = 'a'")));
    expect(await rows("SELECT balance FROM accounts WHERE id = 'a'")).toEqual([[120n]]);
    const listing = await session.explain("UPDATE accounts SET balance = balance + 1 WHERE id = 'a'");
    expect(listing).toMatch(/loop/);
    expect(listing).toMatch(/mem\.cas/);
  });

  it('deletes the row of a key with RETURNING the old row, tag DELETE n', async () => {
    const result = await one("DELETE FROM accounts WHERE id = 'a' RETURNING balance");
    expect(result).toMatchObject({ commandTag: 'DELETE 1', rows: [[100n]] });
    expect(await rows("SELECT * FROM accounts WHERE id = 'a'")).toEqual([]);
    expect((await one("DELETE FROM accounts WHERE id = 'a'")).commandTag).toBe('DELETE 0');
  });

  it('refuses NULL in a NOT NULL column (23502), key updates (0A000)', async () => {
    expect((await failure("UPDATE accounts SET balance = NULL WHERE id = 'a'")).sqlstate).toBe('23502');
    expect((await failure("UPDATE accounts SET id = 'c' WHERE id = 'a'")).sqlstate).toBe('0A000');
    // UPDATE / DELETE without the key in WHERE scan the table: test/compiler/update-delete-scan.test.ts.
    expect((await failure("UPDATE accounts SET nope = 1 WHERE id = 'a'")).sqlstate).toBe('42703');
  });
});
