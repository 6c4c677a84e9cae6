/**
 * Whatever the text, the parser returns statements or throws an SqlSyntaxError,
 * quickly: random strings, soups of SQL tokens, and valid statements with
 * tokens deleted, duplicated, swapped or inserted. Parsed trees also satisfy the
 * AST's invariants; and valid statements mean the same with other whitespace,
 * comments and letter case.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Statement } from '../../parser/ast.js';
import { descendantNodes } from '../../parser/ast-children.js';
import { characterPosition, parseStatements, SqlSyntaxError } from '../../parser/parse.js';
import { sqlLexer } from '../../parser/tokens.js';
import { withoutPositions } from './helpers.js';

/** SQLSTATEs the parser may raise: syntax, bad escapes (22025, 22021), float(p) out of range (22023), nesting (54001). */
const parserSqlStates = new Set(['42601', '22025', '22021', '22023', '54001']);

/** One parse must not take longer than this, whatever the input (inputs are bounded below). */
const parseMillisecondsMax = 500;

function checkTree(text: string, statements: readonly Statement[]): void {
  let previousEnd = 0;
  for (const statement of statements) {
    expect(statement.span.start).toBeGreaterThanOrEqual(previousEnd);
    expect(statement.span.end).toBeGreaterThan(statement.span.start);
    expect(statement.span.end).toBeLessThanOrEqual(text.length);
    previousEnd = statement.span.end;
    for (const node of descendantNodes(statement)) {
      expect(Object.isFrozen(node)).toBe(true);
      if ('location' in node) {
        expect(node.location).toBeGreaterThanOrEqual(statement.span.start);
        expect(node.location).toBeLessThan(statement.span.end);
      }
    }
  }
}

/** Parses `text` and checks the outcome: a well-formed tree or a well-formed SqlSyntaxError. */
function parsesOrRefuses(text: string): 'parsed' | 'refused' {
  const started = performance.now();
  let outcome: 'parsed' | 'refused';
  try {
    checkTree(text, parseStatements(text));
    outcome = 'parsed';
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    expect(parserSqlStates.has(error.sqlstate), `${error.sqlstate} ${error.message}`).toBe(true);
    expect(Number.isInteger(error.position)).toBe(true);
    expect(error.position).toBeGreaterThanOrEqual(1);
    expect(error.position).toBeLessThanOrEqual(characterPosition(text, text.length));
    expect(error.message.length).toBeGreaterThan(0);
    outcome = 'refused';
  }
  expect(performance.now() - started).toBeLessThan(parseMillisecondsMax);
  return outcome;
}

/** Valid statements of every form; the mutations start from these. */
const corpus: readonly string[] = [
  'CREATE TABLE IF NOT EXISTS users (id text PRIMARY KEY, name text NOT NULL, age int DEFAULT 0)',
  'CREATE TABLE events (user_id text, ts bigint, kind text, PRIMARY KEY (user_id, ts))',
  'create table t (a double precision, b character varying(10), c timestamp(3) with time zone, d jsonb null)',
  'DROP TABLE IF EXISTS users',
  "INSERT INTO users (id, name, age) VALUES ('a', 'Ann', 31), ('b', 'Bo', DEFAULT) ON CONFLICT (id) DO NOTHING RETURNING *",
  'insert into c (id, n) values ($1, 1) on conflict (id) do update set n = c.n + excluded.n where c.n < 10 returning id, n as total',
  "SELECT * FROM users WHERE id = 'a'",
  "SELECT kind, ts FROM events WHERE user_id = 'a' AND ts BETWEEN 10 AND 20 ORDER BY ts DESC NULLS LAST LIMIT 5 OFFSET 1",
  'select distinct u.kind k, count(*), avg(age) as "Avg" from users as u where age > 30 group by u.kind having count(*) > 1',
  "select case when a is not null then -a::int % 3 else coalesce(b, 'x' || c) end from t where d not like 'p%' and e in (1, 2)",
  "select $1::int, current_timestamp, timestamptz '2024-01-01', E'\\n', $$dollar$$, 1.5e3, -9223372036854775808",
  "UPDATE accounts SET balance = balance - 10 WHERE id = 'a' AND balance >= 10 RETURNING balance",
  "DELETE FROM users WHERE id = 'a' RETURNING *",
  'EXPLAIN ANALYZE SELECT count(*) FROM users WHERE a IS DISTINCT FROM b',
  'BEGIN; COMMIT; ROLLBACK WORK; START TRANSACTION; END',
  "SET search_path TO \"$user\", public; SET LOCAL x = 5; SET TIME ZONE 'UTC'; SHOW ALL; RESET ALL",
  "CREATE USER bob WITH PASSWORD 'secret'; ALTER USER bob PASSWORD 'new'; DROP USER IF EXISTS bob",
  'CREATE QUEUE IF NOT EXISTS jobs WITH (visibility = 30, body_bytes_max = -1); DROP QUEUE IF EXISTS jobs',
  `ENQUEUE INTO jobs VALUES ('{"task": 1}'), ($1 || 'x') RETURNING id, body AS b`,
  'DEQUEUE FROM jobs LIMIT 5; READ FROM jobs LIMIT $1 VISIBILITY 30; read from jobs visibility 10 limit 2; ACK jobs 17, 18',
  'EXPLAIN ANALYZE READ FROM jobs; explain ack jobs 1; select read, ack r from queue visibility',
];

/** Tokens of every kind, including broken ones, for the soups and the insertions. */
const vocabulary: readonly string[] = [
  ...['SELECT', 'FROM', 'WHERE', 'INSERT', 'INTO', 'VALUES', 'UPDATE', 'SET', 'DELETE', 'CREATE', 'TABLE', 'DROP', 'IF', 'EXISTS'],
  ...['NOT', 'NULL', 'AND', 'OR', 'IS', 'IN', 'BETWEEN', 'LIKE', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST', 'AS', 'ON'],
  ...['CONFLICT', 'DO', 'NOTHING', 'RETURNING', 'ORDER', 'BY', 'GROUP', 'HAVING', 'LIMIT', 'OFFSET', 'ALL', 'DISTINCT'],
  ...['PRIMARY', 'KEY', 'DEFAULT', 'EXPLAIN', 'ANALYZE', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SHOW', 'RESET', 'TIME', 'ZONE'],
  ...['QUEUE', 'ENQUEUE', 'DEQUEUE', 'READ', 'ACK', 'VISIBILITY', 'visibility', 'body_bytes_max'],
  ...['USER', 'PASSWORD', 'WITH', 'DOUBLE', 'PRECISION', 'NULLS', 'FIRST', 'current_user', 'excluded', 'users', 'id', 'a'],
  ...['"Q"', '""', '"open', "'s'", "'it''s'", "E'\\n'", "E'\\u12'", "E'\\xff'", "'open", '$$x$$', '$t$', '$1', '$0', '$1a'],
  ...['0', '42', '9223372036854775808', '1.5', '.5', '1e5', '1e', '12abc'],
  ...['(', ')', ',', ';', '.', '*', '=', '<>', '!=', '<', '<=', '>', '>=', '+', '-', '/', '%', '^', '||', '::', '->>', '@'],
  ...['/* c */', '/* open', '-- c\n', '{', '\\', '[', ':', '?'],
];

const whitespace = fc.constantFrom(' ', '', '\n', '\t', ' /* c */ ', ' -- c\n');

describe('fuzzing', () => {
  it('random strings of any characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (text) => {
        parsesOrRefuses(text);
      }),
      { numRuns: 1500 },
    );
  });

  it('random strings of SQL characters', () => {
    const sqlCharacters = fc.constantFrom(..."abcSELECTfrom_ 019.,;()*'\"$E\\-/+=<>!|:%^@\n\u00e9\ud83d\ude00\ud800");
    fc.assert(
      fc.property(fc.string({ unit: sqlCharacters, maxLength: 120 }), (text) => {
        parsesOrRefuses(text);
      }),
      { numRuns: 1500 },
    );
  });

  it('soups of SQL tokens', () => {
    const soup = fc.array(fc.tuple(fc.constantFrom(...vocabulary), whitespace), { maxLength: 40 });
    fc.assert(
      fc.property(soup, (parts) => {
        parsesOrRefuses(parts.map(([word, space]) => word + space).join(''));
      }),
      { numRuns: 2000 },
    );
  });

  it('valid statements with tokens deleted, duplicated, swapped or inserted', () => {
    type Mutation = { readonly kind: 'delete' | 'duplicate' | 'swap' | 'insert'; readonly at: number; readonly other: number; readonly word: string };
    const mutation = fc.record({
      kind: fc.constantFrom('delete', 'duplicate', 'swap', 'insert'),
      at: fc.nat(),
      other: fc.nat(),
      word: fc.constantFrom(...vocabulary),
    }) as fc.Arbitrary<Mutation>;
    let parsed = 0;
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.array(mutation, { minLength: 1, maxLength: 3 }), (statement, mutations) => {
        const words = sqlLexer.tokenize(statement).tokens.map((token) => token.image);
        for (const { kind, at, other, word } of mutations) {
          const index = at % (words.length + 1);
          const second = other % Math.max(words.length, 1);
          if (kind === 'delete') words.splice(index, 1);
          else if (kind === 'duplicate' && index < words.length) words.splice(index, 0, words[index] as string);
          else if (kind === 'swap' && index < words.length) [words[index], words[second]] = [words[second] as string, words[index] as string];
          else words.splice(index, 0, word);
        }
        if (parsesOrRefuses(words.join(' ')) === 'parsed') parsed++;
      }),
      { numRuns: 2000 },
    );
    // Some mutations (a swapped pair of names, a duplicated comma-free word) still parse; most must not.
    expect(parsed).toBeGreaterThan(0);
  });

  it('valid statements mean the same with other whitespace, comments and letter case', () => {
    const changeCase = (image: string, upper: boolean) => (/^[A-Za-z_]+$/.test(image) ? (upper ? image.toUpperCase() : image.toLowerCase()) : image);
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.infiniteStream(fc.tuple(fc.constantFrom(' ', '\n', '\t', ' /* c /* nested */ */ ', ' -- c\n'), fc.boolean())), (statement, choices) => {
        const expected = withoutPositions(parseStatements(statement));
        const tokens = sqlLexer.tokenize(statement).tokens;
        const iterator = choices[Symbol.iterator]();
        const respelled = tokens
          .map((token) => {
            const [space, upper] = iterator.next().value as [string, boolean];
            return changeCase(token.image, upper) + space;
          })
          .join('');
        expect(withoutPositions(parseStatements(respelled))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
