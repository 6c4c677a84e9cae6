/**
 * EXPLAIN and EXPLAIN ANALYZE through SqlSession.execute: the columns, the
 * indentation of loop bodies, the textual key in the comments, the counts of an
 * analyzed run and its effects (an analyzed INSERT inserts); and the golden
 * listings in golden/, one per statement shape.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../compiler/catalog.js';
import { SqlSession, type StatementResult } from '../../compiler/session.js';
import { LocalMemory } from '../../store/local-memory.js';
import { sqlTextOutput } from '../../vm/sql-operations.js';
import { listingRows } from '../../vm/text-format.js';
import { sqlstateOf, temporaryDirectoryPerTest } from '../store/helpers.js';

const directory = temporaryDirectoryPerTest('compiler-explain');
let memory: LocalMemory;
let session: SqlSession;
let now = 0;
beforeEach(async () => {
  memory = LocalMemory.open(directory());
  now = 0;
  // Each clock reading advances 0.25 ms, so an analyzed run takes exactly 0.25 ms.
  // A fixed generation id keeps the catalog check's definition bytes, and so the golden listings, stable.
  const catalog = new Catalog({ memory, random: (count) => new Uint8Array(count).fill(7) });
  // A fixed wall clock too: enqueued_at and lease times in the golden results.
  session = new SqlSession({ memory, account: 'acme', catalog, clock: () => (now += 0.25), wallClock: () => 1_700_000_000_000 });
  await session.execute('CREATE TABLE kv (k text PRIMARY KEY, v int, note text)');
});
afterEach(async () => {
  await memory.close();
});

async function one(sql: string): Promise<StatementResult> {
  const results = await session.execute(sql);
  expect(results).toHaveLength(1);
  return results[0]!;
}

describe('EXPLAIN', () => {
  it('answers one row per instruction, addr | opcode | args | comment, tagged EXPLAIN', async () => {
    const result = await one("EXPLAIN SELECT v FROM kv WHERE k = 'a'");
    expect(result.commandTag).toBe('EXPLAIN');
    expect(result.fields).toEqual([
      { name: 'addr', typeOid: 23 },
      { name: 'opcode', typeOid: 25 },
      { name: 'args', typeOid: 25 },
      { name: 'comment', typeOid: 25 },
    ]);
    const program = await session.compileProgram("SELECT v FROM kv WHERE k = 'a'");
    expect(result.rows).toHaveLength(program.code.length);
    expect(result.rows.map((row) => row[0])).toEqual(program.code.map((_, address) => BigInt(address)));
    expect(result.rows.map((row) => String(row[1]).trim())).toEqual(program.code.map((instruction) => instruction.op));
    expect(result.rows.some((row) => typeof row[3] === 'string' && row[3].includes('acme/kv/rnd/a'))).toBe(true);
  });

  it('indents the opcode two spaces per nesting level, as the text listing does', async () => {
    const sql = 'SELECT k, v FROM kv WHERE v > 1';
    const result = await one(`EXPLAIN ${sql}`);
    const depths = listingRows(await session.compileProgram(sql)).map((row) => row.depth);
    expect(Math.max(...depths)).toBeGreaterThan(0);
    result.rows.forEach((row, address) => expect(row[1]).toMatch(new RegExp(`^ {${2 * depths[address]!}}[a-z]`)));
    expect(result.rows.some((row) => typeof row[3] === 'string' && row[3].includes('SCAN acme/kv/rnd/*'))).toBe(true);
  });

  it('shows the textual key, and the pointer where the hash key is a literal', async () => {
    await session.execute('CREATE TABLE users (id text PRIMARY KEY, name text)');
    const comments = async (sql: string) => (await one(`EXPLAIN ${sql}`)).rows.map((row) => row[3]).join('\n');
    // The pointer `dmachine key acme/users/rnd/alice` prints (README).
    expect(await comments("SELECT name FROM users WHERE id = 'alice'")).toContain('acme/users/rnd/alice  ptr 2fdffc5d0d4ebab1…');
    expect(await comments('SELECT name FROM users WHERE id = $1')).toMatch(/acme\/users\/rnd\/\$1(?!  ptr)/);
  });

  it('does not run the statement', async () => {
    await one("EXPLAIN INSERT INTO kv VALUES ('a', 1)");
    expect((await one('SELECT * FROM kv')).rows).toEqual([]);
  });

  it('gives the error of a statement that does not compile', async () => {
    expect(await sqlstateOf(() => session.execute('EXPLAIN SELECT * FROM nope'))).toBe('42P01');
    expect(await sqlstateOf(() => session.execute('EXPLAIN SELECT missing FROM kv'))).toBe('42703');
  });
});

describe('EXPLAIN ANALYZE', () => {
  it('runs the statement, as PostgreSQL does: an analyzed INSERT inserts', async () => {
    const result = await one("EXPLAIN ANALYZE INSERT INTO kv VALUES ('a', 1)");
    expect(result.commandTag).toBe('EXPLAIN');
    expect(result.fields.map((field) => [field.name, field.typeOid])).toEqual([
      ['addr', 23],
      ['opcode', 25],
      ['args', 25],
      ['comment', 25],
      ['count', 20],
    ]);
    expect((await one('SELECT k, v FROM kv')).rows).toEqual([['a', 1n]]);
    expect(session.lastRuns.map((run) => run.sql)).toEqual(['SELECT k, v FROM kv']);
  });

  it('counts executions of each instruction and ends with the summary rows', async () => {
    await session.execute("INSERT INTO kv VALUES ('a', 1), ('b', 2), ('c', 3)");
    const result = await one('EXPLAIN ANALYZE SELECT k FROM kv WHERE v > 1');
    const stats = session.lastRuns[0]!.stats;
    const instructionRows = result.rows.filter((row) => row[0] !== null);
    expect(instructionRows.map((row) => row[4])).toEqual(Array.from(stats.counts, (count) => BigInt(count)));
    expect(instructionRows.reduce((sum, row) => sum + (row[4] as bigint), 0n)).toBe(BigInt(stats.instructions));
    // A loop body runs once per row scanned: some instruction ran three times.
    expect(instructionRows.some((row) => row[4] === 3n)).toBe(true);
    const summary = result.rows.filter((row) => row[0] === null);
    expect(summary).toEqual([
      [null, '', '', 'memory: 0 loads, 0 writes, 0 CAS (0 retries), 0 deletes, 1 scans', null],
      [null, '', '', `instructions: ${stats.instructions}`, null],
      [null, '', '', 'time: 0.250 ms', null],
    ]);
  });

  it('reports the CAS of an analyzed UPDATE', async () => {
    await session.execute("INSERT INTO kv VALUES ('a', 1)");
    const result = await one("EXPLAIN ANALYZE UPDATE kv SET v = v + 1 WHERE k = 'a'");
    expect(result.rows.map((row) => row[3])).toContain('memory: 1 loads, 0 writes, 1 CAS (0 retries), 0 deletes, 0 scans');
    expect((await one("SELECT v FROM kv WHERE k = 'a'")).rows).toEqual([[2n]]);
  });
});

/*
 * Golden EXPLAIN listings, one per statement shape (STYLE 8): each file in
 * golden/ holds the schema, the seed rows, the statement, the expected listing
 * and the expected result. The test compiles the statement and compares the
 * listing, then runs it against the seeded data and compares the result.
 * `UPDATE_GOLDEN=1 npx vitest run test/compiler/explain.test.ts`
 * rewrites the listing and result sections; review the diff.
 *
 * File format: sections headed `-- schema`, `-- seed`, `-- statement`,
 * `-- listing`, `-- result`; the result is the command tag, then one line per
 * row with the values' text forms separated by ` | ` (NULL for null).
 */
const goldenDirectory = fileURLToPath(new URL('./golden/', import.meta.url));
const updateGolden = process.env['UPDATE_GOLDEN'] === '1';
const sectionNames = ['schema', 'seed', 'statement', 'listing', 'result'] as const;
type SectionName = (typeof sectionNames)[number];
type GoldenFile = Record<SectionName, string>;

function parseGolden(text: string, file: string): GoldenFile {
  const sections: Partial<Record<SectionName, string[]>> = {};
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const header = /^-- (\w+)$/.exec(line);
    if (header && (sectionNames as readonly string[]).includes(header[1]!)) {
      current = sections[header[1] as SectionName] = [];
    } else if (current) {
      current.push(line);
    } else if (line.trim() !== '') {
      throw new Error(`${file}: text before the first section: ${line}`);
    }
  }
  const golden = {} as GoldenFile;
  for (const name of sectionNames) golden[name] = (sections[name] ?? []).join('\n').trim();
  return golden;
}

function formatGolden(golden: GoldenFile): string {
  return sectionNames.map((name) => `-- ${name}\n${golden[name]}${golden[name] === '' ? '' : '\n'}`).join('\n');
}

const goldenFiles = readdirSync(goldenDirectory)
  .filter((name) => name.endsWith('.txt'))
  .sort();

describe('golden EXPLAIN listings', () => {
  it('has one file per statement shape', () => {
    expect(goldenFiles.length).toBeGreaterThanOrEqual(8);
  });

  it.each(goldenFiles)('%s', async (file) => {
    const path = join(goldenDirectory, file);
    const golden = parseGolden(readFileSync(path, 'utf8'), file);
    if (golden.schema !== '') await session.execute(golden.schema);
    const listing = (await session.explain(golden.statement)).trim();
    if (golden.seed !== '') await session.execute(golden.seed);
    const [result] = await session.execute(golden.statement);
    const resultText = [result!.commandTag, ...result!.rows.map((row) => row.map((value) => sqlTextOutput(value) ?? 'NULL').join(' | '))].join('\n');
    if (updateGolden) {
      writeFileSync(path, formatGolden({ ...golden, listing, result: resultText }));
      return;
    }
    expect(listing).toBe(golden.listing);
    expect(resultText).toBe(golden.result);
  });
});
