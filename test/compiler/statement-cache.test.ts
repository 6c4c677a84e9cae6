/**
 * The session's statement cache: a repeated query text is parsed and compiled
 * once (hit/miss counters), the LRU bound holds, the session's own DDL drops it,
 * and results are the same with the cache on and off.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../compiler/catalog.js';
import { SqlSession } from '../../compiler/session.js';
import { StatementCache } from '../../compiler/statement-cache.js';
import { parseStatements } from '../../parser/parse.js';
import { LocalMemory } from '../../store/local-memory.js';
import { openSessionPerTest } from './session-fixture.js';

let memory: LocalMemory;
let session: SqlSession;
const directory = openSessionPerTest('compiler-statement-cache', (opened, created) => {
  memory = opened;
  session = created;
});

describe('statement cache', () => {
  it('compiles a repeated statement once', async () => {
    await session.execute('CREATE TABLE users (id int PRIMARY KEY, name text)');
    const insert = 'INSERT INTO users VALUES ($1, $2)';
    for (let id = 1; id <= 5; id++) await session.execute(insert, [id, `user ${id}`]);
    const select = 'SELECT name FROM users WHERE id = $1';
    expect((await session.execute(select, [3]))[0]!.rows).toEqual([['user 3']]);
    expect((await session.execute(select, [4]))[0]!.rows).toEqual([['user 4']]);
    expect(session.statementCacheStats).toMatchObject({ misses: 2, hits: 5, entries: 2 });
  });

  it('runs one cached program for concurrent callers of a session', async () => {
    await session.execute('CREATE TABLE kv (id int PRIMARY KEY, v int)');
    await Promise.all(Array.from({ length: 20 }, (_, id) => session.execute('INSERT INTO kv VALUES ($1, $2)', [id, id * 10])));
    const results = await Promise.all(Array.from({ length: 20 }, (_, id) => session.execute('SELECT v FROM kv WHERE id = $1', [id])));
    expect(results.map((result) => result[0]!.rows)).toEqual(Array.from({ length: 20 }, (_, id) => [[BigInt(id * 10)]]));
  });

  it('caches each statement of a multi-statement text', async () => {
    const text = 'SELECT 1 AS a; SELECT 2 + 3 AS b';
    const first = await session.execute(text);
    const second = await session.execute(text);
    expect(first.map((result) => result.rows)).toEqual([[[1n]], [[5n]]]);
    expect(second).toEqual(first);
    expect(session.statementCacheStats).toMatchObject({ misses: 2, hits: 2, entries: 1 });
  });

  it('is dropped by the session DDL, so a recreated table is compiled against its new layout', async () => {
    await session.execute('CREATE TABLE t (id int PRIMARY KEY, a text)');
    await session.execute("INSERT INTO t VALUES (1, 'x')");
    expect((await session.execute('SELECT * FROM t WHERE id = 1'))[0]!.rows).toEqual([[1n, 'x']]);
    await session.execute('DROP TABLE t');
    await session.execute('CREATE TABLE t (id int PRIMARY KEY, a text, b int)');
    await session.execute("INSERT INTO t VALUES (1, 'y', 7)");
    const result = (await session.execute('SELECT * FROM t WHERE id = 1'))[0]!;
    expect(result.fields.map((field) => field.name)).toEqual(['id', 'a', 'b']);
    expect(result.rows).toEqual([[1n, 'y', 7n]]);
    expect(session.statementCacheStats!.invalidations).toBe(3);
    expect(session.statementCacheStats!.hits).toBe(0);
  });

  it('does not cache a statement that failed to compile', async () => {
    await expect(session.execute('SELECT * FROM missing')).rejects.toMatchObject({ sqlstate: '42P01' });
    await session.execute('CREATE TABLE missing (id int PRIMARY KEY)');
    expect((await session.execute('SELECT * FROM missing'))[0]!.rows).toEqual([]);
  });

  it('is off with statementCache: false', async () => {
    const uncached = new SqlSession({ memory, account: 'acme', statementCache: false });
    await uncached.execute('SELECT 1');
    expect(uncached.statementCacheStats).toBeUndefined();
  });

  it('gives the same results on and off', async () => {
    // Each session on its own memory, so both see the same data.
    const otherMemory = LocalMemory.open(join(directory(), 'uncached'));
    const uncached = new SqlSession({ memory: otherMemory, account: 'acme', statementCache: false });
    const schema = 'CREATE TABLE events (user_id text, ts bigint, kind text, PRIMARY KEY (user_id, ts))';
    await session.execute(schema);
    await uncached.execute(schema);
    const script: [string, unknown[]][] = [];
    for (let ts = 0; ts < 20; ts++) script.push(['INSERT INTO events VALUES ($1, $2, $3)', [`u${ts % 3}`, ts, `k${ts}`]]);
    for (let round = 0; round < 3; round++) {
      script.push(["SELECT * FROM events WHERE user_id = 'u1'", []]);
      script.push(['SELECT kind FROM events WHERE user_id = $1 AND ts >= $2 AND ts < $3', ['u2', 3, 15]]);
      script.push(["UPDATE events SET kind = kind || '!' WHERE user_id = $1 AND ts = $2", ['u0', 3 * round]]);
      script.push(['SELECT count(*) FROM events', []]);
      script.push(['SELECT 1 / 0', []]);
    }
    // Run each statement on both sessions in turn (they share the memory), comparing results or errors.
    for (const [sql, params] of script) {
      const outcomes = [];
      for (const each of [session, uncached]) {
        outcomes.push(await each.execute(sql, params as never).then((results) => ({ results }), (error: { sqlstate?: string }) => ({ error: error.sqlstate })));
      }
      expect(outcomes[0], sql).toEqual(outcomes[1]);
    }
    expect(session.statementCacheStats!.hits).toBeGreaterThan(0);
    await otherMemory.close();
  });
});

describe('literals lifted into parameters', () => {
  it('runs statements that differ only in literals with one program', async () => {
    await session.execute('CREATE TABLE users (id int PRIMARY KEY, name text, score float8)');
    for (let id = 1; id <= 4; id++) await session.execute(`INSERT INTO users VALUES (${id}, 'user ${id}', ${id}.5)`);
    expect((await session.execute('SELECT name, score FROM users WHERE id = 3'))[0]!.rows).toEqual([['user 3', 3.5]]);
    expect((await session.execute('SELECT name, score FROM users WHERE id = 4'))[0]!.rows).toEqual([['user 4', 4.5]]);
    expect((await session.execute("UPDATE users SET name = 'x' WHERE id = 2 RETURNING name"))[0]!.rows).toEqual([['x']]);
    expect((await session.execute("UPDATE users SET name = 'y' WHERE id = 1 RETURNING name"))[0]!.rows).toEqual([['y']]);
    // One compile each for INSERT, SELECT and UPDATE; the other texts reused those programs.
    expect(session.statementCacheStats).toMatchObject({ misses: 3, sharedHits: 5, programs: 3 });
  });

  it('keeps a string literal typed by its context, and reports a bad one at the literal', async () => {
    await session.execute('CREATE TABLE t (id int PRIMARY KEY, n bigint)');
    await session.execute("INSERT INTO t VALUES ('7', '70')");
    expect((await session.execute("SELECT n + '1' FROM t WHERE id = '7'"))[0]!.rows).toEqual([[71n]]);
    const uncached = new SqlSession({ memory, account: 'acme', statementCache: false });
    for (const each of [session, uncached]) {
      await expect(each.execute("SELECT n FROM t WHERE id = 'seven'")).rejects.toMatchObject({
        sqlstate: '22P02',
        message: 'invalid input syntax for type integer: "seven"',
        position: 28,
      });
    }
  });

  it('keeps literals where the compiler reads them: LIMIT, LIKE patterns, casts', async () => {
    await session.execute('CREATE TABLE e (k text, s text, PRIMARY KEY (k, s))');
    await session.execute("INSERT INTO e VALUES ('a', 'x1'), ('a', 'x2'), ('a', 'y1')");
    const explainOf = async (sql: string) => (await session.explain(sql)).includes('mem.scan_range 7');
    expect(await explainOf("SELECT s FROM e WHERE k = 'a' AND s LIKE 'x%'")).toBe(true);
    expect((await session.execute("SELECT s FROM e WHERE k = 'a' AND s LIKE 'x%'"))[0]!.rows).toEqual([['x1'], ['x2']]);
    expect((await session.execute("SELECT s FROM e WHERE k = 'a' AND s LIKE 'y%'"))[0]!.rows).toEqual([['y1']]);
    expect((await session.execute("SELECT s FROM e WHERE k = 'a' LIMIT 1"))[0]!.rows).toEqual([['x1']]);
    expect((await session.execute("SELECT s FROM e WHERE k = 'a' LIMIT 2"))[0]!.rows).toEqual([['x1'], ['x2']]);
    await expect(session.execute("SELECT 'abc'::int")).rejects.toMatchObject({ sqlstate: '22P02', position: 8 });
  });

  it('counts user parameters apart from lifted ones', async () => {
    await session.execute('CREATE TABLE t (id int PRIMARY KEY, n int)');
    await session.execute('INSERT INTO t VALUES ($1, 5)', [1]);
    expect((await session.execute('SELECT n + 1 FROM t WHERE id = $1', [1]))[0]!.rows).toEqual([[6n]]);
    await expect(session.execute('SELECT n + 1 FROM t WHERE id = $1', [])).rejects.toMatchObject({
      sqlstate: '08P01',
      message: 'bind message supplies 0 parameters, but prepared statement "" requires 1',
    });
  });
});

describe('catalog check in cached programs', () => {
  it('sees DDL run through another catalog (another gateway) and recompiles', async () => {
    const other = new SqlSession({ memory, account: 'acme', catalog: new Catalog({ memory }) });
    await session.execute('CREATE TABLE t (id int PRIMARY KEY, a text)');
    await session.execute("INSERT INTO t VALUES (1, 'x')");
    expect((await session.execute('SELECT * FROM t WHERE id = 1'))[0]!.rows).toEqual([[1n, 'x']]);
    await other.execute('DROP TABLE t');
    await other.execute('CREATE TABLE t (id int PRIMARY KEY, a text, b int)');
    await other.execute("INSERT INTO t VALUES (1, 'y', 7)");
    const result = (await session.execute('SELECT * FROM t WHERE id = 1'))[0]!;
    expect(result.fields.map((field) => field.name)).toEqual(['id', 'a', 'b']);
    expect(result.rows).toEqual([[1n, 'y', 7n]]);
    await other.execute('DROP TABLE t');
    await expect(session.execute('SELECT * FROM t WHERE id = 1')).rejects.toMatchObject({ sqlstate: '42P01' });
    await expect(session.execute("INSERT INTO t VALUES (2, 'z')")).rejects.toMatchObject({ sqlstate: '42P01' });
  });

  it('starts every table program with the COMPARE of its catalog word', async () => {
    await session.execute('CREATE TABLE t (id int PRIMARY KEY, a text)');
    for (const sql of ['SELECT * FROM t', 'INSERT INTO t VALUES (1, $1)', 'UPDATE t SET a = $1 WHERE id = 1', 'DELETE FROM t']) {
      const listing = await session.explain(sql);
      expect(listing, sql).toMatch(/^\s*1\s+ptr\.make #\d+ 0\s+; acme\/dm_catalog\/rnd\/t/m);
      expect(listing, sql).toMatch(/^\s*3\s+mem\.compare\s+; COMPARE: is the table still as compiled\?/m);
    }
  });
});

describe('StatementCache', () => {
  it('evicts the least recently used text past its bound', () => {
    const cache = new StatementCache(2);
    const a = cache.text('SELECT 1', parseStatements);
    cache.text('SELECT 2', parseStatements);
    expect(cache.text('SELECT 1', parseStatements)).toBe(a);
    cache.text('SELECT 3', parseStatements);
    expect(cache.stats).toMatchObject({ entries: 2, evictions: 1 });
    expect(cache.text('SELECT 1', parseStatements)).toBe(a);
    expect(cache.text('SELECT 2', parseStatements)).not.toBe(undefined);
    expect(cache.stats.evictions).toBe(2);
  });
});
