/**
 * The session's statement cache: a repeated query text is parsed and compiled
 * once (hit/miss counters), the LRU bound holds, the session's own DDL drops it,
 * and results are the same with the cache on and off.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
