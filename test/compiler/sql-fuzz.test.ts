/**
 * Whatever the SQL text, SqlSession.execute answers results or rejects with an
 * SqlError carrying a 5-character SQLSTATE, within a bounded time: random
 * strings, soups of the dialect's tokens, and valid statements mutated (tokens
 * deleted, duplicated, swapped or inserted, letter case flipped, quotes
 * inserted), run against a real LocalMemory holding a few tables. Afterwards a
 * row written before the fuzzing, in a table no fuzzed text names, reads back
 * unchanged, and every fuzzed table that still exists can be scanned.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { SqlSession } from '../../compiler/session.js';
import { sqlLexer } from '../../parser/tokens.js';
import { LocalMemory } from '../../store/local-memory.js';
import type { SqlValue } from '../../vm/sql-values.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';

/** Runs of each property: the default keeps `npm test` quick; SQL_FUZZ_RUNS_FACTOR=20 fuzzes twenty times longer. */
const fuzzRuns = (runs: number): number => runs * Number(process.env.SQL_FUZZ_RUNS_FACTOR ?? 1);

const directory = temporaryDirectoryPerTest('compiler-sql-fuzz');
let memory: LocalMemory;
let session: SqlSession;

/** The fuzzed tables; recreated (IF NOT EXISTS) before every run, since a fuzzed DROP TABLE may remove them. */
const schema: readonly string[] = [
  'CREATE TABLE IF NOT EXISTS users (id text PRIMARY KEY, name text NOT NULL, age int DEFAULT 18)',
  'CREATE TABLE IF NOT EXISTS events (user_id text, ts bigint, kind text, PRIMARY KEY (user_id, ts))',
  'CREATE TABLE IF NOT EXISTS accounts (id text PRIMARY KEY, balance int, note jsonb, at timestamptz, raw bytea, ok boolean, f float8)',
];

/** A table and row no fuzzed text can name (its name is in no vocabulary below): it must survive intact. */
const vaultRow: SqlValue[] = ['keep', 'precious', 1234567890123n];

beforeEach(async () => {
  memory = LocalMemory.open(directory());
  session = new SqlSession({ memory, account: 'acme' });
  await session.execute('CREATE TABLE zz_vault_q (id text PRIMARY KEY, payload text NOT NULL, n bigint)');
  await session.execute("INSERT INTO zz_vault_q (id, payload, n) VALUES ('keep', 'precious', 1234567890123)");
  for (const sql of schema) await session.execute(sql);
  await session.execute(
    "INSERT INTO users (id, name, age) VALUES ('a', 'Ann', 31), ('b', 'Bo', 40); INSERT INTO events (user_id, ts, kind) VALUES ('a', 10, 'x'), ('a', 20, 'y'); INSERT INTO accounts (id, balance) VALUES ('a', 100)",
  );
});
afterEach(async () => {
  await memory.close();
});

/** One execute must settle within this, whatever the input (inputs are bounded below). */
const executeMillisecondsMax = 2000;

/** SQLSTATEs seen during the run, with one example input each, for the report on failure. */
const seen = new Map<string, string>();

async function resultsOrSqlError(sql: string, params: readonly SqlValue[] = []): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`execute did not settle within ${executeMillisecondsMax} ms: ${JSON.stringify(sql)}`)), executeMillisecondsMax);
  });
  try {
    const results = await Promise.race([session.execute(sql, params), timeout]);
    expect(Array.isArray(results)).toBe(true);
    for (const result of results) {
      expect(typeof result.commandTag).toBe('string');
      expect(Array.isArray(result.rows)).toBe(true);
      for (const row of result.rows) expect(row).toHaveLength(result.fields.length);
    }
    return 'ok';
  } catch (error) {
    if (!(error instanceof SqlError)) {
      throw new Error(`non-SqlError for ${JSON.stringify(sql)}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
    }
    expect(error.sqlstate, `${JSON.stringify(sql)} → ${error.message}`).toMatch(/^[0-9A-Z]{5}$/);
    if (!seen.has(error.sqlstate)) seen.set(error.sqlstate, `${sql} → ${error.message}`);
    return error.sqlstate;
  } finally {
    clearTimeout(timer);
  }
}

async function recreateSchema(): Promise<void> {
  for (const sql of schema) await session.execute(sql);
}

async function checkNothingLost(): Promise<void> {
  const [vault] = await session.execute("SELECT id, payload, n FROM zz_vault_q WHERE id = 'keep'");
  expect(vault!.rows).toEqual([vaultRow]);
  const [all] = await session.execute('SELECT * FROM zz_vault_q');
  expect(all!.rows).toEqual([vaultRow]);
  // Every fuzzed table that survived can still be read whole.
  for (const table of ['users', 'events', 'accounts']) {
    if ((await session.catalog.lookupTable('acme', table)) === undefined) continue;
    await session.execute(`SELECT * FROM ${table}`);
  }
}

/** Valid statements of the forms the session runs (and some it refuses); the mutations start from these. */
const corpus: readonly string[] = [
  'CREATE TABLE IF NOT EXISTS users (id text PRIMARY KEY, name text NOT NULL, age int DEFAULT 18)',
  'CREATE TABLE t2 (a text, b bigint, c text, PRIMARY KEY (a, b))',
  'DROP TABLE IF EXISTS t2',
  "INSERT INTO users (id, name, age) VALUES ('c', 'Cy', 31), ('d', 'Di', DEFAULT) ON CONFLICT (id) DO NOTHING RETURNING *",
  "INSERT INTO events (user_id, ts, kind) VALUES ('a', 30, 'z') RETURNING ts, kind",
  "INSERT INTO accounts (id, balance, note, at, raw, ok, f) VALUES ('z', 5, '{\"k\": [1, 2]}', '2024-01-01 00:00:00+00', '\\x00ff', true, 1.5)",
  "SELECT * FROM users WHERE id = 'a'",
  "SELECT name, age + 1 AS next FROM users WHERE id IN ('a', 'b', 'a')",
  "SELECT kind, ts FROM events WHERE user_id = 'a' AND ts BETWEEN 10 AND 20 ORDER BY ts DESC LIMIT 5 OFFSET 1",
  "SELECT * FROM events WHERE user_id = 'a' AND kind LIKE 'x%'",
  'SELECT id FROM users WHERE age > 30 AND name IS NOT NULL',
  'SELECT age, count(*), sum(age), min(name), max(id), avg(age) FROM users WHERE age > 1 GROUP BY age HAVING count(*) > 0 ORDER BY 2 DESC, age NULLS FIRST LIMIT 3 OFFSET 1',
  'SELECT DISTINCT kind FROM events ORDER BY kind DESC LIMIT 2',
  'SELECT count(*), max(balance) FROM accounts',
  'SELECT name FROM users ORDER BY age * 2, name LIMIT 10',
  "select case when age is not null then -age::int % 3 else coalesce(age, 7) end, name || '!' from users where id = 'b'",
  "SELECT $1::int, 1.5e3, -9223372036854775808, 'x' || 'y', 2147483647 + 1",
  "UPDATE accounts SET balance = balance - 10 WHERE id = 'a' AND balance >= 10 RETURNING balance",
  "UPDATE users SET age = age + 1, name = upper(name) WHERE id = 'a'",
  "DELETE FROM users WHERE id = 'b' RETURNING *",
  "DELETE FROM events WHERE user_id = 'a' AND ts = 10",
  "EXPLAIN ANALYZE SELECT * FROM users WHERE id = 'a'",
  "EXPLAIN SELECT * FROM events WHERE user_id = 'a' AND ts >= 5",
  'BEGIN; COMMIT; ROLLBACK',
  "SET search_path TO public; SHOW ALL; SELECT 1/0",
];

/** Identifiers the fuzzing may name: the fuzzed tables, their columns, a few unknown ones. */
const identifiers = ['users', 'events', 'accounts', 't2', 'id', 'name', 'age', 'user_id', 'ts', 'kind', 'balance', 'note', 'at', 'raw', 'ok', 'f', 'nope', 'public', 'excluded'];

/** Tokens of every kind, including broken ones, for the soups and the insertions. */
const vocabulary: readonly string[] = [
  ...['SELECT', 'FROM', 'WHERE', 'INSERT', 'INTO', 'VALUES', 'UPDATE', 'SET', 'DELETE', 'CREATE', 'TABLE', 'DROP', 'IF', 'EXISTS'],
  ...['NOT', 'NULL', 'AND', 'OR', 'IS', 'IN', 'BETWEEN', 'LIKE', 'ILIKE', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST', 'AS', 'ON'],
  ...['CONFLICT', 'DO', 'NOTHING', 'RETURNING', 'ORDER', 'BY', 'GROUP', 'HAVING', 'LIMIT', 'OFFSET', 'ALL', 'DISTINCT', 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST'],
  ...['count(*)', 'count(', 'sum(', 'min(', 'max(', 'avg('],
  ...['PRIMARY', 'KEY', 'DEFAULT', 'EXPLAIN', 'ANALYZE', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SHOW', 'TRUE', 'FALSE', 'UNIQUE', 'CHECK'],
  ...['int', 'bigint', 'text', 'float8', 'boolean', 'jsonb', 'bytea', 'timestamptz', 'smallint', 'varchar(3)', 'count', 'coalesce', 'upper'],
  ...identifiers,
  ...['"Q"', '""', '"users"', '"open', "'s'", "'it''s'", "'a'", "''", "E'\\n'", "E'\\xff'", "'open", '$$x$$', '$0', '$1', '$2'],
  ...["'{\"k\":1}'", "'2024-01-01'", "'\\x00'", "'nan'", "'-0'", "'99999999999'"],
  ...['0', '1', '-1', '42', '2147483647', '2147483648', '9223372036854775807', '9223372036854775808', '1.5', '.5', '1e308', '1e400', '1e', '12abc'],
  ...['(', ')', ',', ';', '.', '*', '=', '<>', '!=', '<', '<=', '>', '>=', '+', '-', '/', '%', '^', '||', '::', '->>', '@'],
  ...['/* c */', '/* open', '-- c\n', '{', '\\', '[', ':', '?'],
];

const whitespace = fc.constantFrom(' ', '', '\n', '\t', ' /* c */ ');

/** Parameter lists: none, or a few values of mixed types. */
const params: fc.Arbitrary<SqlValue[]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<SqlValue[]>([]) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constant(null), fc.boolean(), fc.double()), { maxLength: 3 }) },
);

describe('SqlSession.execute under fuzzing: results or an SqlError, never anything else', () => {
  it('random strings of SQL characters and of any characters', async () => {
    const sqlCharacters = fc.constantFrom(..."abcSELECTfromusers_ 019.,;()*'\"$E\\-/+=<>!|:%^@\n\u00e9\ud83d\ude00\ud800");
    const text = fc.oneof(fc.string({ unit: sqlCharacters, maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 80 }));
    await fc.assert(
      fc.asyncProperty(text, async (sql) => {
        await resultsOrSqlError(sql);
      }),
      { numRuns: fuzzRuns(400) },
    );
    await checkNothingLost();
  });

  it('soups of the dialect tokens', async () => {
    const soup = fc.array(fc.tuple(fc.constantFrom(...vocabulary), whitespace), { maxLength: 30 });
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(soup, params, async (parts, values) => {
        await recreateSchema();
        if ((await resultsOrSqlError(parts.map(([word, space]) => word + space).join(''), values)) === 'ok') ran++;
      }),
      { numRuns: fuzzRuns(500) },
    );
    expect(ran).toBeGreaterThan(0); // the empty soup at least
    await checkNothingLost();
  });

  it('soups led by a statement keyword and a table', async () => {
    const lead = fc.constantFrom('SELECT * FROM users WHERE', 'UPDATE users SET', 'DELETE FROM events WHERE', 'INSERT INTO accounts VALUES (', 'SELECT', 'EXPLAIN ANALYZE SELECT * FROM events WHERE');
    const soup = fc.array(fc.tuple(fc.constantFrom(...vocabulary), whitespace), { maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(lead, soup, params, async (start, parts, values) => {
        await recreateSchema();
        await resultsOrSqlError(`${start} ${parts.map(([word, space]) => word + space).join('')}`, values);
      }),
      { numRuns: fuzzRuns(500) },
    );
    await checkNothingLost();
  });

  it('valid statements with tokens deleted, duplicated, swapped, inserted, case-flipped or quoted', async () => {
    type Kind = 'delete' | 'duplicate' | 'swap' | 'insert' | 'case' | 'quote';
    type Mutation = { readonly kind: Kind; readonly at: number; readonly other: number; readonly word: string; readonly quote: string };
    const mutation = fc.record({
      kind: fc.constantFrom<Kind>('delete', 'duplicate', 'swap', 'insert', 'case', 'quote'),
      at: fc.nat(),
      other: fc.nat(),
      word: fc.constantFrom(...vocabulary),
      quote: fc.constantFrom("'", '"', '$$', "''", '""', 'E\''),
    }) as fc.Arbitrary<Mutation>;
    const flipCase = (image: string) => [...image].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
    const outcomes = { ok: 0, error: 0 };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...corpus), fc.array(mutation, { minLength: 1, maxLength: 3 }), params, async (statement, mutations, values) => {
        await recreateSchema();
        const words = sqlLexer.tokenize(statement).tokens.map((token) => token.image);
        for (const { kind, at, other, word, quote } of mutations) {
          const index = at % (words.length + 1);
          const second = other % Math.max(words.length, 1);
          if (kind === 'delete') words.splice(index, 1);
          else if (kind === 'duplicate' && index < words.length) words.splice(index, 0, words[index] as string);
          else if (kind === 'swap' && index < words.length) [words[index], words[second]] = [words[second] as string, words[index] as string];
          else if (kind === 'case' && index < words.length) words[index] = flipCase(words[index] as string);
          else if (kind === 'quote' && index < words.length) {
            const image = words[index] as string;
            const cut = other % (image.length + 1);
            words[index] = image.slice(0, cut) + quote + image.slice(cut);
          } else words.splice(index, 0, word);
        }
        if ((await resultsOrSqlError(words.join(' '), values)) === 'ok') outcomes.ok++;
        else outcomes.error++;
      }),
      { numRuns: fuzzRuns(700) },
    );
    // Some mutations (flipped case, swapped names) still run; most must not.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.error).toBeGreaterThan(0);
    await checkNothingLost();
  });

  it('refuses $0 with 42P02, as PostgreSQL does', async () => {
    for (const sql of ['SELECT $0', "SELECT * FROM users WHERE id = $0", "UPDATE users SET age = $0 WHERE id = 'a'"]) {
      expect(await resultsOrSqlError(sql, [1n])).toBe('42P02');
    }
  });

  it('refuses a column in LIMIT or OFFSET with 42P10, as PostgreSQL does', async () => {
    for (const sql of [
      "SELECT kind FROM events WHERE user_id = 'a' AND ts BETWEEN 10 AND 20 ORDER BY ts DESC LIMIT 5 OFFSET ts",
      "SELECT kind FROM events WHERE user_id = 'a' ORDER BY ts LIMIT ts",
      "SELECT * FROM events WHERE user_id = 'a' AND ts > 1 LIMIT ts",
    ]) {
      expect(await resultsOrSqlError(sql)).toBe('42P10');
    }
  });

  it('the unmutated corpus runs or refuses cleanly, and the known row survives it', async () => {
    for (const sql of corpus) {
      await recreateSchema();
      await resultsOrSqlError(sql, [7n]);
    }
    await checkNothingLost();
  });
});
