/**
 * SELECT without FROM, end to end: parse → compile → prepare → run on a real
 * LocalMemory, checking rows, field names and OIDs, inferred parameter types,
 * and the errors (SQLSTATE, PostgreSQL's message, 1-based position).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { compileSelectWithoutFrom, type CompiledStatement } from '../../compiler/select-without-from.js';
import type { SelectStatement } from '../../parser/ast.js';
import { parseStatement } from '../../parser/parse.js';
import { LocalMemory } from '../../store/local-memory.js';
import { programRunner, type EngineName } from '../../vm/engine.js';
import { prepareProgram } from '../../vm/prepared-program.js';
import type { SqlValue } from '../../vm/sql-values.js';
import { disassemble } from '../../vm/text-format.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';

const directory = temporaryDirectoryPerTest('compiler-select');
let memory: LocalMemory;
beforeEach(() => {
  memory = LocalMemory.open(directory());
});
afterEach(async () => {
  await memory.close();
});

function compile(sql: string): CompiledStatement {
  const statement = parseStatement(sql);
  if (statement.kind !== 'SelectStatement') throw new Error(`not a SELECT: ${sql}`);
  return compileSelectWithoutFrom(statement as SelectStatement, { sourceText: sql });
}

async function run(sql: string, params: SqlValue[] = [], engine: EngineName = 'compiled'): Promise<CompiledStatement & { rows: SqlValue[][] }> {
  const compiled = compile(sql);
  const result = await programRunner(prepareProgram(compiled.program), engine).run({ memory, account: 'test', params });
  return { ...compiled, rows: result.rows };
}

/** The one row of a SELECT without FROM. */
async function row(sql: string, params: SqlValue[] = [], engine: EngineName = 'compiled'): Promise<SqlValue[]> {
  const { rows } = await run(sql, params, engine);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function value(sql: string, params: SqlValue[] = []): Promise<SqlValue> {
  return (await row(sql, params))[0]!;
}

interface Failure {
  readonly sqlstate: string;
  readonly message: string;
  readonly position: number | undefined;
}

/** How compiling or running `sql` fails. */
async function failure(sql: string, params: SqlValue[] = []): Promise<Failure> {
  try {
    await run(sql, params);
  } catch (error) {
    if (!(error instanceof SqlError)) throw error;
    const position = error instanceof SqlError ? error.position : undefined;
    return { sqlstate: error.sqlstate, message: error.message, position };
  }
  throw new Error(`expected ${sql} to fail`);
}

const fieldsOf = (compiled: CompiledStatement): [string, number][] => compiled.fields.map((field) => [field.name, field.typeOid]);

describe('SELECT without FROM', () => {
  it('SELECT 1 is one int4 column named ?column?', async () => {
    const result = await run('SELECT 1');
    expect(result.rows).toEqual([[1n]]);
    expect(result.fields).toEqual([{ name: '?column?', typeOid: 23, type: 'int4' }]);
    expect(result.parameterTypes).toEqual([]);
    expect(result.commandTag).toBe('SELECT');
  });

  it('SELECT version() names the PostgreSQL version first', async () => {
    const result = await run('SELECT version()');
    expect(fieldsOf(result)).toEqual([['version', 25]]);
    expect(result.rows[0]![0]).toMatch(/^PostgreSQL 15\.\d+ .*dmachine/);
  });

  it('computes arithmetic with PostgreSQL result types', async () => {
    const result = await run('SELECT 1 + 2 * 3, 7 / 2, -7 % 3, 2.5 * 2, 1 + 2.5, -(5), 2147483648 - 1');
    expect(result.rows).toEqual([[7n, 3n, -1n, 5, 3.5, -5n, 2147483647n]]);
    expect(result.fields.map((field) => field.typeOid)).toEqual([23, 23, 23, 701, 701, 23, 20]);
  });

  it('range-checks int4 results and promotes to int8 only with an int8 side', async () => {
    expect(await failure('SELECT 2147483647 + 1')).toMatchObject({ sqlstate: '22003', message: 'integer out of range' });
    expect(await failure('SELECT -2147483648 * -1')).toMatchObject({ sqlstate: '22003', message: 'integer out of range' });
    expect(await failure('SELECT -(-2147483647 - 1)')).toMatchObject({ sqlstate: '22003' });
    const result = await run('SELECT 2147483647::int8 + 1, 2147483647 + 1::bigint, -2147483648');
    expect(result.rows).toEqual([[2147483648n, 2147483648n, -2147483648n]]);
    expect(result.fields.map((field) => field.typeOid)).toEqual([20, 20, 23]);
  });

  it('keeps bigint extremes exact and traps past them', async () => {
    const result = await run('SELECT 9223372036854775807, -9223372036854775808, 9223372036854775807 - 1');
    expect(result.rows).toEqual([[9223372036854775807n, -9223372036854775808n, 9223372036854775806n]]);
    expect(result.fields.map((field) => field.typeOid)).toEqual([20, 20, 20]);
    expect(await failure('SELECT 9223372036854775807 + 1')).toMatchObject({ sqlstate: '22003', message: 'bigint out of range' });
    expect(await failure('SELECT -9223372036854775808 / -1')).toMatchObject({ sqlstate: '22003' });
    expect(await failure('SELECT 9223372036854775808')).toEqual({
      sqlstate: '22003',
      message: 'value "9223372036854775808" is out of range for type bigint',
      position: 8,
    });
  });

  it('traps division by zero with 22012', async () => {
    for (const sql of ['SELECT 1 / 0', 'SELECT 5 % 0', 'SELECT 1.5 / 0', 'SELECT 9223372036854775807 / 0']) {
      expect(await failure(sql)).toMatchObject({ sqlstate: '22012', message: 'division by zero' });
    }
  });

  describe('three-valued logic', () => {
    const values = [true, false, null] as const;
    const literal = (v: boolean | null): string => (v === null ? 'NULL' : String(v));
    // PostgreSQL's truth tables, written out: false wins AND, true wins OR, NULL otherwise when NULL is involved.
    const and = (a: boolean | null, b: boolean | null): boolean | null => (a === false || b === false ? false : a === null || b === null ? null : true);
    const or = (a: boolean | null, b: boolean | null): boolean | null => (a === true || b === true ? true : a === null || b === null ? null : false);

    for (const engine of ['compiled', 'interpreter'] as const) {
      it(`AND, OR, NOT, IS and equality on every pair (${engine})`, async () => {
        for (const a of values) {
          for (const b of values) {
            const sql = `SELECT ${literal(a)} AND ${literal(b)}, ${literal(a)} OR ${literal(b)}, NOT ${literal(a)}, ${literal(a)} = ${literal(b)}, ${literal(a)} IS DISTINCT FROM ${literal(b)}, ${literal(a)} IS NOT DISTINCT FROM ${literal(b)}`;
            const equal = a === null || b === null ? null : a === b;
            const distinct = a === null || b === null ? (a === null) !== (b === null) : a !== b;
            expect(await row(sql, [], engine), sql).toEqual([and(a, b), or(a, b), a === null ? null : !a, equal, distinct, !distinct]);
          }
          const tests = `SELECT ${literal(a)} IS TRUE, ${literal(a)} IS NOT TRUE, ${literal(a)} IS FALSE, ${literal(a)} IS NOT FALSE, ${literal(a)} IS NULL, ${literal(a)} IS NOT NULL, ${literal(a)} IS UNKNOWN`;
          expect(await row(tests, [], engine), tests).toEqual([a === true, a !== true, a === false, a !== false, a === null, a !== null, a === null]);
        }
      });
    }

    it('IN and BETWEEN are NULL when no match is certain', async () => {
      expect(await row('SELECT 1 IN (1, NULL), 2 IN (1, NULL), 2 IN (1, 3), 2 NOT IN (1, NULL), 2 NOT IN (1, 3), NULL IN (1, 2)')).toEqual([
        true,
        null,
        false,
        null,
        true,
        null,
      ]);
      expect(await row('SELECT 2 BETWEEN 1 AND 3, 5 BETWEEN 1 AND 3, NULL BETWEEN 1 AND 3, 2 BETWEEN NULL AND 3, 5 BETWEEN NULL AND 3, 5 NOT BETWEEN 1 AND 3')).toEqual([
        true,
        false,
        null,
        null,
        false,
        true,
      ]);
      expect(await row("SELECT 'b' IN ('a', 'b'), 1.5 BETWEEN 1 AND 2, 2 IN (2.0, 3)")).toEqual([true, true, true]);
    });
  });

  it('concatenates text with ||, other types as their text', async () => {
    const result = await run("SELECT 'a' || 'b', 'n=' || 1, 1 || 'x', 'a' || NULL, 'x' || true, $1 || '!'", ['hi']);
    expect(result.rows).toEqual([['ab', 'n=1', '1x', null, 'xtrue', 'hi!']]);
    expect(result.fields.every((field) => field.typeOid === 25)).toBe(true);
    expect(result.parameterTypes).toEqual(['text']);
  });

  it('matches LIKE, NOT LIKE and ILIKE', async () => {
    expect(await row("SELECT 'abc' LIKE 'a%', 'abc' LIKE 'a_c', 'abc' LIKE 'b%', 'abc' NOT LIKE 'b%', 'ABC' ILIKE 'a%', NULL LIKE 'a', 'a%' LIKE 'a\\%'")).toEqual([
      true,
      true,
      false,
      true,
      true,
      null,
      true,
    ]);
    expect(await failure("SELECT 1 LIKE 'a'")).toMatchObject({ sqlstate: '42883', message: 'operator does not exist: integer ~~ unknown', position: 10 });
  });

  it('casts as PostgreSQL does, naming the column after the type', async () => {
    const result = await run("SELECT '42'::int4, CAST('7' AS bigint), 1::text, '1.5'::float8, 't'::boolean, 3.5::int, 1::int::boolean, '\\x0a'::bytea, NULL::int");
    expect(result.rows).toEqual([[42n, 7n, '1', 1.5, true, 4n, true, new Uint8Array([10]), null]]);
    expect(fieldsOf(result)).toEqual([
      ['int4', 23],
      ['int8', 20],
      ['text', 25],
      ['float8', 701],
      ['bool', 16],
      ['int4', 23],
      ['bool', 16],
      ['bytea', 17],
      ['int4', 23],
    ]);
    expect(await failure("SELECT 'abc'::int")).toEqual({ sqlstate: '22P02', message: 'invalid input syntax for type integer: "abc"', position: 8 });
    // Not a literal: converted at run time, with the same error.
    expect(await failure("SELECT ('a' || 'b')::int")).toMatchObject({ sqlstate: '22P02', message: 'invalid input syntax for type integer: "ab"' });
    expect(await failure("SELECT '3000000000'::int")).toMatchObject({ sqlstate: '22003' });
    expect(await failure('SELECT true::bytea')).toMatchObject({ sqlstate: '42846', message: 'cannot cast type boolean to bytea' });
    expect(await failure('SELECT 1::int8::boolean')).toMatchObject({ sqlstate: '42846', message: 'cannot cast type bigint to boolean' });
    expect(await failure('SELECT 1::nosuchtype')).toMatchObject({ sqlstate: '42704', message: 'type "nosuchtype" does not exist', position: 11 });
  });

  it('infers parameter types from their context, else text', async () => {
    const result = await run("SELECT $1 + 1, $2 || 'x', $3, $4 = 1.5, $5 AND true, $6::bigint", [41n, 'a', 'z', 1.5, true, 9n]);
    expect(result.parameterTypes).toEqual(['int4', 'text', 'text', 'float8', 'boolean', 'int8']);
    expect(result.rows).toEqual([[42n, 'ax', 'z', true, true, 9n]]);
    expect(fieldsOf(result)).toEqual([
      ['?column?', 23],
      ['?column?', 25],
      ['?column?', 25],
      ['?column?', 16],
      ['?column?', 16],
      ['int8', 20],
    ]);
    // A later use types a parameter an earlier column used untyped.
    const later = await run('SELECT $1, $1 + 1', [1n]);
    expect(later.parameterTypes).toEqual(['int4']);
    expect(fieldsOf(later)).toEqual([
      ['?column?', 23],
      ['?column?', 23],
    ]);
    expect((await run('SELECT $2', [null, 'b'])).parameterTypes).toEqual(['text', 'text']);
    expect(await failure('SELECT $1 + 1', [2147483647n])).toMatchObject({ sqlstate: '22003', message: 'integer out of range' });
  });

  it('reports name and type errors with PostgreSQL wording and positions', async () => {
    expect(await failure('SELECT x')).toEqual({ sqlstate: '42703', message: 'column "x" does not exist', position: 8 });
    expect(await failure('SELECT 1, t.y')).toMatchObject({ sqlstate: '42P01', position: 11 });
    // A character outside the BMP counts once, as in PostgreSQL.
    expect(await failure("SELECT '😀' || x")).toMatchObject({ sqlstate: '42703', position: 15 });
    expect(await failure("SELECT 'a'::text + 1")).toEqual({ sqlstate: '42883', message: 'operator does not exist: text + integer', position: 18 });
    expect(await failure('SELECT 1 || 2')).toMatchObject({ sqlstate: '42883', message: 'operator does not exist: integer || integer', position: 10 });
    expect(await failure('SELECT 1.5 % 2')).toMatchObject({ sqlstate: '42883', message: 'operator does not exist: double precision % integer' });
    expect(await failure("SELECT 1 = 'a'::text")).toMatchObject({ sqlstate: '42883', message: 'operator does not exist: integer = text', position: 10 });
    expect(await failure("SELECT 1 = 'a'")).toMatchObject({ sqlstate: '22P02', message: 'invalid input syntax for type integer: "a"', position: 12 });
    expect(await failure('SELECT 1 AND true')).toEqual({ sqlstate: '42804', message: 'argument of AND must be type boolean, not type integer', position: 8 });
    expect(await failure('SELECT NOT 2')).toMatchObject({ sqlstate: '42804', message: 'argument of NOT must be type boolean, not type integer', position: 12 });
    expect(await failure('SELECT CASE WHEN 1 THEN 2 END')).toMatchObject({ sqlstate: '42804', message: 'argument of CASE/WHEN must be type boolean, not type integer' });
    expect(await failure('SELECT CASE WHEN true THEN 1 ELSE false END')).toMatchObject({
      sqlstate: '42804',
      message: 'CASE types integer and boolean cannot be matched',
      position: 35,
    });
    expect(await failure('SELECT lower(1)')).toMatchObject({ sqlstate: '42883', message: 'function lower(integer) does not exist', position: 8 });
    expect(await failure("SELECT nosuch(1, 'a')")).toMatchObject({ sqlstate: '42883', message: 'function nosuch(integer, unknown) does not exist' });
    expect(await failure('SELECT *')).toMatchObject({ sqlstate: '42601', position: 8 });
  });

  it('runs lower, upper, length, coalesce and CASE', async () => {
    const result = await run("SELECT lower('AbC'), upper('x'), length('héllo'), coalesce(NULL, 'b', 'c'), coalesce(NULL, 1, 2.5), coalesce(NULL, NULL)");
    expect(result.rows).toEqual([['abc', 'X', 5n, 'b', 1, null]]);
    expect(fieldsOf(result)).toEqual([
      ['lower', 25],
      ['upper', 25],
      ['length', 23],
      ['coalesce', 25],
      ['coalesce', 701],
      ['coalesce', 25],
    ]);
    const cases = await run("SELECT CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' END, CASE WHEN NULL THEN 1 ELSE 0 END, CASE 3 WHEN 1 THEN 'x' END, CASE WHEN 1 < 2 THEN 1 ELSE 2.5 END");
    expect(cases.rows).toEqual([['two', 0n, null, 1]]);
    expect(fieldsOf(cases)).toEqual([
      ['case', 25],
      ['case', 23],
      ['case', 25],
      ['case', 701],
    ]);
  });

  it('names columns as PostgreSQL does', async () => {
    const result = await run("SELECT 1 AS one, true, NULL, 'a', 'a'::varchar, 1 + 1 AS \"Sum\", coalesce(1)");
    expect(result.fields.map((field) => field.name)).toEqual(['one', 'bool', '?column?', '?column?', 'varchar', 'Sum', 'coalesce']);
    expect(result.fields.map((field) => field.typeOid)).toEqual([23, 16, 25, 25, 25, 23, 23]);
  });

  it('emits no row when WHERE is not true', async () => {
    expect((await run('SELECT 1 WHERE false')).rows).toEqual([]);
    expect((await run('SELECT 1 WHERE NULL')).rows).toEqual([]);
    expect((await run('SELECT 1 WHERE 1 < 2')).rows).toEqual([[1n]]);
    expect(await failure('SELECT 1 WHERE 1')).toEqual({ sqlstate: '42804', message: 'argument of WHERE must be type boolean, not type integer', position: 16 });
    expect((await run("SELECT 1 WHERE 'yes'")).rows).toEqual([[1n]]);
  });

  it('lists SELECT 1 + $1 as the golden program', () => {
    expect(disassemble(compile('SELECT 1 + $1').program)).toBe(
      [
        '.params 1',
        '.const sql 1                    ; #0',
        '',
        '0  row.new 1                    ; SELECT without FROM: compute each column, emit one row',
        '1  const #0                     ; sql 1',
        '2  param.get 0                  ; $1',
        '3  sql.add',
        '4  sql.cast int4                ; int4 + int4 stays in int4',
        '5  row.set 0                    ; ?column?',
        '6  row.emit',
        '7  end',
        '',
      ].join('\n'),
    );
  });
});
