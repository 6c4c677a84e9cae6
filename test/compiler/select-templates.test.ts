/**
 * The SELECT templates beyond the point read and the resource scan, end to end
 * on a real LocalMemory: the sort-key range read (bounds, BETWEEN, LIKE prefixes,
 * ORDER BY the sort key, LIMIT / OFFSET) and IN on the hash key. Each checks the
 * rows and that the listing shows the template.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { SqlSession } from '../../compiler/session.js';
import { likePrefix, prefixUpperBound } from '../../compiler/select-key-range.js';
import { LocalMemory } from '../../store/local-memory.js';
import type { SqlValue } from '../../vm/sql-values.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';

const directory = temporaryDirectoryPerTest('compiler-select-templates');
let memory: LocalMemory;
let session: SqlSession;
beforeEach(async () => {
  memory = LocalMemory.open(directory());
  session = new SqlSession({ memory, account: 'acme' });
  await session.execute('CREATE TABLE events (user_id text, ts bigint, kind text, PRIMARY KEY (user_id, ts))');
  await session.execute(
    "INSERT INTO events VALUES ('u', -9223372036854775808, 'min'), ('u', -5, 'neg'), ('u', 0, 'zero'), ('u', 1, 'a'), ('u', 2, 'b'), ('u', 3, 'c'), ('u', 10, 'd'), ('u', 9223372036854775807, 'max'), ('w', 2, 'other')",
  );
});
afterEach(async () => {
  await memory.close();
});

async function rows(sql: string, params: SqlValue[] = []): Promise<SqlValue[][]> {
  const results = await session.execute(sql, params);
  expect(results).toHaveLength(1);
  return results[0]!.rows;
}

async function kinds(sql: string, params: SqlValue[] = []): Promise<SqlValue[]> {
  return (await rows(sql, params)).map((row) => row[0]!);
}

async function failure(sql: string, params: SqlValue[] = []): Promise<{ sqlstate: string; message: string }> {
  try {
    await session.execute(sql, params);
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    return { sqlstate: error.sqlstate, message: error.message };
  }
  throw new Error(`expected ${sql} to fail`);
}

/** The `mem.scan_range <flags>` line of a listing, with its flags. */
function scanRange(listing: string): { flags: number; line: string } {
  const line = listing.split('\n').find((text) => /mem\.scan_range/.test(text));
  expect(line, listing).toBeDefined();
  return { flags: Number(/mem\.scan_range (\d+)/.exec(line!)![1]), line: line! };
}

/** The instruction pushing the scan's limit: the one right before mem.scan_range. */
function scanLimitLine(listing: string): string {
  const lines = listing.split('\n');
  return lines[lines.findIndex((text) => /mem\.scan_range/.test(text)) - 1]!;
}

describe('sort-key range read', () => {
  it('reads one hash key between bounds, inclusive and exclusive, as mem.scan_range flags', async () => {
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts >= 1 AND ts < 3")).toEqual(['a', 'b']);
    expect(session.lastRuns[0]!.stats.memory).toMatchObject({ loads: 0, scans: 1 });
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > 1 AND ts <= 3")).toEqual(['b', 'c']);
    expect(await kinds("SELECT kind FROM events WHERE ts > 0 AND user_id = 'u'")).toEqual(['a', 'b', 'c', 'd', 'max']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND 3 > ts")).toEqual(['min', 'neg', 'zero', 'a', 'b']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts BETWEEN 2 AND 10")).toEqual(['b', 'c', 'd']);

    const listing = await session.explain("SELECT kind FROM events WHERE user_id = $1 AND ts >= $2 AND ts < $3");
    const { flags, line } = scanRange(listing);
    expect(flags).toBe(1 | 2 | 4);
    expect(line).toContain('SCAN acme/events/rnd/$1 [ts >= $2, ts < $3]');
    expect(listing).not.toMatch(/mem\.scan_resource|sql\.(lt|ge)/);
    expect(scanRange(await session.explain("SELECT kind FROM events WHERE user_id = 'u' AND ts > 1 AND ts <= 3")).flags).toBe(1 | 4 | 8);
    expect(scanRange(await session.explain("SELECT kind FROM events WHERE user_id = 'u' AND ts BETWEEN 2 AND 10")).flags).toBe(1 | 2 | 4 | 8);
    expect(scanRange(await session.explain("SELECT kind FROM events WHERE user_id = 'u' AND ts < 0")).flags).toBe(4);
  });

  it('takes parameters, and a NULL bound or key matches no row', async () => {
    expect(await kinds('SELECT kind FROM events WHERE user_id = $1 AND ts >= $2 AND ts < $3', ['u', 1n, 3n])).toEqual(['a', 'b']);
    expect(await kinds('SELECT kind FROM events WHERE user_id = $1 AND ts >= $2 AND ts < $3', ['u', null, 3n])).toEqual([]);
    expect(await kinds('SELECT kind FROM events WHERE user_id = $1 AND ts >= $2', [null, 1n])).toEqual([]);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > NULL")).toEqual([]);
  });

  it('orders int8 extremes and negative sort keys by value', async () => {
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts < 1")).toEqual(['min', 'neg', 'zero']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts >= -9223372036854775808 AND ts <= -5")).toEqual(['min', 'neg']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > -9223372036854775808 AND ts < 9223372036854775807")).toEqual(['neg', 'zero', 'a', 'b', 'c', 'd']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts >= 9223372036854775807")).toEqual(['max']);
  });

  it('keeps the other conjuncts, and a second bound on one side, as filters', async () => {
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 AND kind <> 'b'")).toEqual(['a', 'c', 'd', 'max']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 AND ts > 2 AND ts < 100")).toEqual(['c', 'd']);
    const listing = await session.explain("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 AND ts > 2 AND ts < 100");
    expect(scanRange(listing).line).toContain('[ts > 0, ts < 100]');
    expect(listing).toMatch(/sql\.gt/);
  });

  it('scans in reverse for ORDER BY the sort key DESC, in order for ASC', async () => {
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts >= 1 ORDER BY ts DESC")).toEqual(['max', 'd', 'c', 'b', 'a']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts >= 1 ORDER BY ts")).toEqual(['a', 'b', 'c', 'd', 'max']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' ORDER BY ts DESC")).toEqual(['max', 'd', 'c', 'b', 'a', 'zero', 'neg', 'min']);
    expect(scanRange(await session.explain("SELECT kind FROM events WHERE user_id = 'u' AND ts >= 1 ORDER BY ts DESC")).flags).toBe(1 | 2 | 16);
    expect(scanRange(await session.explain("SELECT kind FROM events WHERE user_id = 'u' ORDER BY ts DESC")).flags).toBe(16);
  });

  it('pushes LIMIT (+ OFFSET) into the scan when no filter remains, and skips OFFSET rows in bytecode', async () => {
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 ORDER BY ts DESC LIMIT 2")).toEqual(['max', 'd']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 LIMIT 2 OFFSET 1")).toEqual(['b', 'c']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 OFFSET 3")).toEqual(['d', 'max']);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 LIMIT 0")).toEqual([]);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 LIMIT 100 OFFSET 100")).toEqual([]);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 LIMIT 99999999999")).toEqual(['a', 'b', 'c', 'd', 'max']);

    const pushed = await session.explain("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 LIMIT 2 OFFSET 1");
    expect(scanLimitLine(pushed)).toMatch(/i32\.const 3\b.*LIMIT \+ OFFSET/);
    expect(pushed).not.toMatch(/LIMIT reached/);
    expect(pushed).toMatch(/OFFSET: rows left to skip/);
    const counted = await session.explain("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 AND kind <> 'b' LIMIT 2");
    expect(scanLimitLine(counted)).toMatch(/i32\.const 0\b/);
    expect(counted).toMatch(/LIMIT reached/);
    expect(await kinds("SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 AND kind <> 'b' LIMIT 2")).toEqual(['a', 'c']);
  });

  it('takes LIMIT and OFFSET as parameters: NULL is no limit, negative is 2201W / 2201X', async () => {
    const sql = "SELECT kind FROM events WHERE user_id = 'u' AND ts > 0 LIMIT $1 OFFSET $2";
    expect(await kinds(sql, [2n, 1n])).toEqual(['b', 'c']);
    expect(await kinds(sql, [null, null])).toEqual(['a', 'b', 'c', 'd', 'max']);
    expect(await kinds(sql, [0n, 0n])).toEqual([]);
    expect(await kinds(sql, [9223372036854775807n, 4n])).toEqual(['max']);
    expect(await failure(sql, [-1n, 0n])).toEqual({ sqlstate: '2201W', message: 'LIMIT must not be negative' });
    expect(await failure(sql, [1n, -1n])).toEqual({ sqlstate: '2201X', message: 'OFFSET must not be negative' });
    expect(await failure("SELECT kind FROM events WHERE user_id = 'u' LIMIT -1")).toMatchObject({ sqlstate: '2201W', message: 'LIMIT must not be negative' });
    expect((await failure("SELECT kind FROM events WHERE user_id = 'u' LIMIT 'x'")).sqlstate).toBe('22P02');
    expect((await failure("SELECT kind FROM events WHERE user_id = 'u' LIMIT true")).sqlstate).toBe('42804');
  });

  it('sorts in the program when ORDER BY is not the scan order', async () => {
    for (const [sql, expected] of [
      ["SELECT kind FROM events WHERE user_id = 'u' ORDER BY kind DESC LIMIT 3", [['zero'], ['neg'], ['min']]],
      ["SELECT kind FROM events WHERE user_id = 'u' ORDER BY ts DESC, kind LIMIT 2", [['max'], ['d']]],
      ['SELECT ts FROM events ORDER BY ts LIMIT 2', [[-9223372036854775808n], [-5n]]],
    ] as const) {
      expect(await rows(sql), sql).toEqual(expected);
      expect(await session.explain(sql), sql).toMatch(/rowset\.new/);
    }
    expect(await session.explain("SELECT kind FROM events WHERE user_id = 'u' ORDER BY ts DESC")).not.toMatch(/rowset\.new/);
  });

  it('takes the empty text as a hash key and as a sort key, ordered first', async () => {
    await session.execute('CREATE TABLE notes (owner text, title text, body text, PRIMARY KEY (owner, title))');
    await session.execute("INSERT INTO notes VALUES ('', 'b', '1'), ('', '', '2'), ('x', '', '3'), ('x', 'a', '4')");
    expect(await rows("SELECT title, body FROM notes WHERE owner = ''")).toEqual([['', '2'], ['b', '1']]);
    expect(await rows("SELECT body FROM notes WHERE owner = 'x' AND title = ''")).toEqual([['3']]);
    expect(await rows("SELECT body FROM notes WHERE owner = 'x' AND title < 'a'")).toEqual([['3']]);
    expect((await failure("INSERT INTO notes VALUES ('', '', 'again')")).sqlstate).toBe('23505');
    expect(await session.explain("SELECT body FROM notes WHERE owner = '' AND title = ''")).toContain('acme/notes/rnd/%00/%00');
  });

  describe('LIKE on a text sort key', () => {
    beforeEach(async () => {
      await session.execute('CREATE TABLE files (owner text, path text, size int, PRIMARY KEY (owner, path))');
      await session.execute(
        "INSERT INTO files VALUES ('o', 'a', 1), ('o', 'ab', 2), ('o', 'abc', 3), ('o', 'abd', 4), ('o', 'ac', 5), ('o', 'b', 6), ('o', 'a_b', 7), ('o', 'a%b', 8), ('o', 'é', 9), ('o', 'éa', 10), ('o', 'ê', 11), ('o', '日本', 12), ('o', '日本語', 13), ('o', '日朝', 14), ('o', '\u{10FFFF}x', 15), ('o', '\u{10FFFF}', 16)",
      );
    });

    const paths = async (pattern: string, suffix = ''): Promise<SqlValue[]> =>
      (await rows(`SELECT path FROM files WHERE owner = 'o' AND path LIKE '${pattern}'${suffix}`)).map((row) => row[0]!);

    it('reads a prefix as the range [prefix, prefix with its last character incremented)', async () => {
      expect(await paths('ab%')).toEqual(['ab', 'abc', 'abd']);
      expect(await paths('a%')).toEqual(['a', 'a%b', 'a_b', 'ab', 'abc', 'abd', 'ac']);
      expect(await paths('é%')).toEqual(['é', 'éa']);
      expect(await paths('日本%')).toEqual(['日本', '日本語']);
      expect(await paths('\u{10FFFF}%')).toEqual(['\u{10FFFF}', '\u{10FFFF}x']);
      expect(await paths('ab%', ' ORDER BY path DESC LIMIT 2')).toEqual(['abd', 'abc']);
      const listing = await session.explain("SELECT path FROM files WHERE owner = 'o' AND path LIKE 'ab%'");
      const { flags, line } = scanRange(listing);
      expect(flags).toBe(1 | 2 | 4);
      expect(line).toContain("[path >= 'ab', path < 'ac']");
      expect(listing).not.toMatch(/sql\.like/);
      // U+10FFFF has no successor: the upper bound drops it, here leaving none.
      expect(scanRange(await session.explain("SELECT path FROM files WHERE owner = 'o' AND path LIKE '\u{10FFFF}%'")).flags).toBe(1 | 2);
    });

    it('keeps LIKE as a filter when the pattern is more than a prefix', async () => {
      expect(await paths('a_%')).toEqual(['a%b', 'a_b', 'ab', 'abc', 'abd', 'ac']);
      expect(await paths('ab_')).toEqual(['abc', 'abd']);
      expect(await paths('a\\_%')).toEqual(['a_b']);
      expect(await paths('a\\%b')).toEqual(['a%b']);
      expect(await paths('%b')).toEqual(['a%b', 'a_b', 'ab', 'b']);
      const listing = await session.explain("SELECT path FROM files WHERE owner = 'o' AND path LIKE 'ab_'");
      expect(scanRange(listing).line).toContain("[path >= 'ab', path < 'ac']");
      expect(listing).toMatch(/sql\.like/);
      expect(await session.explain("SELECT path FROM files WHERE owner = 'o' AND path LIKE $1")).toMatch(/sql\.like/);
      expect(await rows("SELECT path FROM files WHERE owner = 'o' AND path LIKE $1", ['日%'])).toEqual([['日朝'], ['日本'], ['日本語']]);
    });

    it('computes prefixes and their successors at the edges', () => {
      expect(likePrefix('ab%')).toEqual({ prefix: 'ab', onlyPercentAfter: true });
      expect(likePrefix('ab%%')).toEqual({ prefix: 'ab', onlyPercentAfter: true });
      expect(likePrefix('a\\%b%')).toEqual({ prefix: 'a%b', onlyPercentAfter: true });
      expect(likePrefix('ab')).toEqual({ prefix: 'ab', onlyPercentAfter: false });
      expect(likePrefix('ab\\')).toBeUndefined();
      expect(prefixUpperBound('ab')).toBe('ac');
      expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
      expect(prefixUpperBound('\u{10FFFF}\u{10FFFF}')).toBeUndefined();
      expect(prefixUpperBound('\u{D7FF}')).toBe('\u{E000}');
      expect(prefixUpperBound('\u{FFFF}')).toBe('\u{10000}');
      expect(prefixUpperBound('日本')).toBe('日札');
    });
  });
});

describe('IN on the hash key', () => {
  beforeEach(async () => {
    await session.execute('CREATE TABLE users (id text PRIMARY KEY, name text)');
    await session.execute("INSERT INTO users VALUES ('a', 'Ann'), ('b', 'Bo'), ('c', 'Cy')");
  });

  it('reads each distinct element once, in list order, skipping absent keys and NULL', async () => {
    expect(await rows("SELECT name FROM users WHERE id IN ('c', 'a', 'zz', 'c', NULL)")).toEqual([['Cy'], ['Ann']]);
    expect(session.lastRuns[0]!.stats.memory).toMatchObject({ loads: 3, scans: 0 });
    const listing = await session.explain("SELECT name FROM users WHERE id IN ('c', 'a', 'c')");
    expect(listing.match(/mem\.load/g)).toHaveLength(2);
    expect(listing).toMatch(/acme\/users\/rnd\/c/);
    expect(listing).not.toMatch(/mem\.scan_resource/);
  });

  it('compares parameters with the earlier elements at run time, and keeps other conjuncts as filters', async () => {
    expect(await rows('SELECT name FROM users WHERE id IN ($1, $2, $3)', ['b', 'b', 'a'])).toEqual([['Bo'], ['Ann']]);
    expect(await rows("SELECT name FROM users WHERE id IN ($1, 'a') AND name <> 'Bo'", ['b'])).toEqual([['Ann']]);
  });

  it('takes integer keys, removing literal duplicates written two ways', async () => {
    await session.execute('CREATE TABLE counters (id int PRIMARY KEY, n bigint)');
    await session.execute('INSERT INTO counters VALUES (1, 10), (-2, 20), (3, 30)');
    expect(await rows("SELECT n FROM counters WHERE id IN (3, '3', -2, 1)")).toEqual([[30n], [20n], [10n]]);
    expect((await session.explain("SELECT n FROM counters WHERE id IN (3, '3', -2)")).match(/mem\.load/g)).toHaveLength(2);
  });

  it('reads IN with the sort key fixed by =, and otherwise scans', async () => {
    expect(await rows("SELECT kind FROM events WHERE user_id IN ('w', 'u') AND ts = 2")).toEqual([['other'], ['b']]);
    expect((await session.explain("SELECT kind FROM events WHERE user_id IN ('w', 'u') AND ts = 2")).match(/mem\.load/g)).toHaveLength(2);
    expect(await session.explain("SELECT kind FROM events WHERE user_id IN ('w', 'u')")).toMatch(/mem\.scan_resource/);
    expect(await session.explain("SELECT name FROM users WHERE id NOT IN ('a')")).toMatch(/mem\.scan_resource/);
    expect(await rows("SELECT name FROM users WHERE id NOT IN ('a')")).toHaveLength(2);
  });
});
