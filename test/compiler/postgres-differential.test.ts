/**
 * Side by side with PostgreSQL 15: the same tables, rows and queries on both, the
 * answers compared as text (PostgreSQL's output format) or, for errors, by
 * SQLSTATE. This is how the semantics of NULL logic, ordering, LIMIT/OFFSET,
 * aggregates, GROUP BY, HAVING and DISTINCT are checked against the reference
 * rather than against what we think it does.
 *
 * Rows are compared in order when the query's ORDER BY decides it completely,
 * else as sorted lists. Where dmachine's types differ on purpose (avg is float8
 * here, numeric in PostgreSQL) the query casts, so both print alike.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { SqlSession } from '../../compiler/session.js';
import { LocalMemory } from '../../store/local-memory.js';
import { sqlTextOutput } from '../../vm/sql-operations.js';
import { startPostgres, type PostgresServer } from '../postgres-server.js';

const schema = [
  'CREATE TABLE t (id int PRIMARY KEY, g text, n bigint, f float8, b boolean)',
  'CREATE TABLE e (k text, s bigint, v text, PRIMARY KEY (k, s))',
  'CREATE TABLE ev (u text, at timestamptz, v int, PRIMARY KEY (u, at))',
  'CREATE TABLE tk (at timestamptz PRIMARY KEY, v int)',
];

function seedRows(): string[] {
  const groups = ["'red'", "'blue'", "'grün'", "'a/b%'", 'NULL'];
  const values: string[] = [];
  for (let id = 1; id <= 40; id++) {
    const n = id % 7 === 0 ? 'NULL' : String((id * 37) % 23 - 11);
    const f = id % 5 === 0 ? 'NULL' : String(((id * 13) % 17) / 4 - 2);
    const b = id % 3 === 0 ? 'NULL' : id % 2 === 0 ? 'true' : 'false';
    values.push(`(${id}, ${groups[id % groups.length]}, ${n}, ${f}, ${b})`);
  }
  const events: string[] = [];
  for (const k of ['x', 'y', 'z/1']) for (let s = -3; s <= 8; s++) events.push(`('${k}', ${s * (k === 'y' ? 1000 : 1)}, '${k}${(s * 7) % 5}')`);
  const instants = ['-infinity', '1969-12-31 23:59:59.999999+00', '1970-01-01 00:00:00+00', '2024-02-29 12:00:00.5+00', '2024-03-01 00:00:00+01', 'infinity'];
  const timed = instants.flatMap((at, index) => [`('a', '${at}', ${index})`, `('', '${at}', ${-index})`]);
  return [
    `INSERT INTO t VALUES ${values.join(', ')}`,
    `INSERT INTO e VALUES ${events.join(', ')}`,
    `INSERT INTO ev VALUES ${timed.join(', ')}`,
    `INSERT INTO tk VALUES ${instants.map((at, index) => `('${at}', ${index})`).join(', ')}`,
  ];
}

/** [sql, ordered]: ordered when ORDER BY fixes the order of every row. */
const queries: readonly (readonly [string, boolean])[] = [
  // NULL logic and filters
  ['SELECT id FROM t WHERE n > 0 OR g IS NULL', false],
  ['SELECT id FROM t WHERE NOT (n > 0)', false],
  ['SELECT id FROM t WHERE n IN (1, 2, NULL)', false],
  ['SELECT id FROM t WHERE n NOT IN (1, 2, NULL)', false],
  ['SELECT id FROM t WHERE n BETWEEN -3 AND 3 AND b IS NOT FALSE', false],
  ["SELECT id, g || '-' || id FROM t WHERE g LIKE '%r%'", false],
  ['SELECT id FROM t WHERE f > 0 AND b', false],
  // aggregates without GROUP BY
  ['SELECT count(*), count(n), count(g), sum(n), min(n), max(n) FROM t', true],
  ['SELECT min(g), max(g), min(f), max(f), sum(f) FROM t', true],
  ['SELECT avg(n)::float8, avg(f) FROM t', true],
  ['SELECT count(*), sum(n), avg(n)::float8, max(g) FROM t WHERE id > 1000', true],
  ['SELECT count(*) FROM t WHERE n IS NULL', true],
  ['SELECT avg(n)::float8, sum(n), min(g) FROM t WHERE n IS NULL', true],
  ['SELECT g, avg(f), count(f) FROM t WHERE f IS NULL GROUP BY g', false],
  ['SELECT sum(n) + 1, count(*) * 2 AS twice FROM t', true],
  // GROUP BY, HAVING
  ['SELECT g, count(*), sum(n), min(f), max(id) FROM t GROUP BY g', false],
  ['SELECT g, b, count(*) FROM t GROUP BY g, b', false],
  ['SELECT n % 3, count(*) FROM t GROUP BY n % 3', false],
  ['SELECT g, count(*) FROM t GROUP BY 1 HAVING count(*) > 7', false],
  ['SELECT g AS team, avg(n)::float8 FROM t GROUP BY team', false],
  ['SELECT count(*) FROM t GROUP BY g', false],
  ['SELECT g FROM t GROUP BY g HAVING max(n) > 9', false],
  ['SELECT g, count(*) FROM t WHERE id > 1000 GROUP BY g', false],
  ['SELECT count(*) FROM t HAVING count(*) > 1000', true],
  ['SELECT upper(g), count(*) FROM t GROUP BY upper(g) ORDER BY 1 NULLS FIRST', true],
  // ORDER BY, LIMIT, OFFSET
  ['SELECT id, n FROM t ORDER BY n, id', true],
  ['SELECT id, n FROM t ORDER BY n DESC, id', true],
  ['SELECT id, n FROM t ORDER BY n NULLS FIRST, id DESC', true],
  ['SELECT id, n FROM t ORDER BY n DESC NULLS LAST, id LIMIT 5', true],
  ['SELECT id FROM t ORDER BY f, id LIMIT 3 OFFSET 4', true],
  ['SELECT id FROM t ORDER BY id LIMIT 0', true],
  ['SELECT id FROM t ORDER BY id OFFSET 38', true],
  ['SELECT id FROM t ORDER BY id LIMIT NULL OFFSET 35', true],
  ['SELECT id, g FROM t ORDER BY g DESC, 1', true],
  ['SELECT id AS key, n FROM t ORDER BY key DESC LIMIT 4', true],
  ['SELECT id FROM t ORDER BY n * -1, id LIMIT 6', true],
  ['SELECT g, count(*) AS c FROM t GROUP BY g ORDER BY c DESC, g NULLS FIRST', true],
  ['SELECT g, sum(n) FROM t GROUP BY g ORDER BY sum(n) DESC NULLS LAST, g LIMIT 2 OFFSET 1', true],
  ['SELECT b, count(*) FROM t GROUP BY b ORDER BY b', true],
  // DISTINCT
  ['SELECT DISTINCT g FROM t', false],
  ['SELECT DISTINCT g, b FROM t ORDER BY g, b', true],
  ['SELECT DISTINCT n % 4 FROM t ORDER BY 1 DESC', true],
  ['SELECT DISTINCT b FROM t ORDER BY b NULLS FIRST LIMIT 2', true],
  // sort-key ranges, with and without the scan's order
  ["SELECT s, v FROM e WHERE k = 'x'", true],
  ["SELECT s, v FROM e WHERE k = 'y' AND s >= 0 ORDER BY s DESC LIMIT 3", true],
  ["SELECT s, v FROM e WHERE k = 'z/1' AND s BETWEEN 2 AND 5 ORDER BY v, s", true],
  ["SELECT v, count(*) FROM e WHERE k = 'x' GROUP BY v ORDER BY v", true],
  ['SELECT k, min(s), max(s), count(*) FROM e GROUP BY k ORDER BY k', true],
  ["SELECT s FROM e WHERE k = 'x' ORDER BY s LIMIT 2 OFFSET 3", true],
  // timestamptz keys, and the empty text key
  ["SELECT at, v FROM ev WHERE u = 'a'", true],
  ["SELECT at, v FROM ev WHERE u = '' AND at >= '1970-01-01 00:00:00+00' ORDER BY at DESC", true],
  ["SELECT v FROM ev WHERE u = 'a' AND at BETWEEN '1969-12-31 23:00:00+00' AND '2024-03-01 00:00:00+00'", true],
  ["SELECT v FROM ev WHERE u = 'a' AND at = '2024-02-29 13:00:00.5+01'", true],
  ["SELECT v FROM tk WHERE at = 'infinity'", true],
  ["SELECT v FROM tk WHERE at IN ('-infinity', '1970-01-01 00:00:00+00', 'epoch')", false],
  ['SELECT u, count(*), min(at), max(at) FROM ev GROUP BY u ORDER BY u', true],
  // errors
  ['SELECT g, n FROM t GROUP BY g', false],
  ['SELECT id FROM t ORDER BY 9', false],
  ['SELECT sum(g) FROM t', false],
  ['SELECT count(*) FROM t WHERE sum(n) > 1', false],
  ['SELECT DISTINCT g FROM t ORDER BY n', false],
  ['SELECT n FROM t LIMIT -1', false],
  ['SELECT n FROM t OFFSET -1', false],
  ['SELECT max(count(*)) FROM t', false],
  ['SELECT id FROM t GROUP BY count(*)', false],
];

type Outcome = { rows: string[][] } | { sqlstate: string };

let server: PostgresServer;
let client: pg.Client;
let memory: LocalMemory;
let session: SqlSession;
let directory: string;

beforeAll(async () => {
  server = startPostgres(40000 + randomInt(20000));
  // Every value as PostgreSQL's text, the form dmachine's values are printed in too.
  client = new pg.Client({ host: server.socketDirectory, port: server.port, user: server.user, database: 'postgres', options: '-c TimeZone=UTC', types: { getTypeParser: () => (value: string) => value } });
  await client.connect();
  directory = mkdtempSync(join(tmpdir(), 'dmachine-differential-'));
  memory = LocalMemory.open(directory);
  session = new SqlSession({ memory, account: 'acme' });
  for (const sql of [...schema, ...seedRows()]) {
    await client.query(sql);
    await session.execute(sql);
  }
}, 60_000);

afterAll(async () => {
  await client?.end();
  await memory?.close();
  server?.stop();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

async function onPostgres(sql: string): Promise<Outcome> {
  try {
    const result = await client.query({ text: sql, rowMode: 'array' });
    return { rows: (result.rows as (string | null)[][]).map((row) => row.map((value) => value ?? 'NULL')) };
  } catch (error) {
    return { sqlstate: (error as { code: string }).code };
  }
}

async function onDmachine(sql: string): Promise<Outcome> {
  try {
    const [result] = await session.execute(sql);
    return { rows: result!.rows.map((row) => row.map((value) => sqlTextOutput(value) ?? 'NULL')) };
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    return { sqlstate: error.sqlstate };
  }
}

function normalized(outcome: Outcome, ordered: boolean): Outcome {
  if ('sqlstate' in outcome || ordered) return outcome;
  return { rows: [...outcome.rows].sort((left, right) => (JSON.stringify(left) < JSON.stringify(right) ? -1 : 1)) };
}

describe('the same answers as PostgreSQL 15', () => {
  it.each(queries)('%s', async (sql, ordered) => {
    const expected = normalized(await onPostgres(sql), ordered);
    const actual = normalized(await onDmachine(sql), ordered);
    expect(actual).toEqual(expected);
  });

  it('runs the cached programs of these queries to the same answers again', async () => {
    for (const [sql, ordered] of queries.slice(0, 20)) {
      expect(normalized(await onDmachine(sql), ordered), sql).toEqual(normalized(await onPostgres(sql), ordered));
    }
    expect(session.statementCacheStats!.hits).toBeGreaterThanOrEqual(20);
  });
});
