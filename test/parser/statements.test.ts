/**
 * The AST of every statement form, written out in full (positions are checked
 * in their own section below), and the spans of several statements in one string.
 */
import { describe, expect, it } from 'vitest';
import type { Statement } from '../../parser/ast.js';
import { childNodes, descendantNodes } from '../../parser/ast-children.js';
import { parseStatement, parseStatements } from '../../parser/parse.js';
import { parsed, parsedAll, syntaxError } from './helpers.js';

const column = (name: string, table: string | null = null) => ({ kind: 'ColumnReference', table, column: name });
const integer = (value: number) => ({ kind: 'IntegerLiteral', text: String(value), value: BigInt(value) });
const string = (value: string) => ({ kind: 'StringLiteral', value });
const identifier = (name: string) => ({ kind: 'Identifier', name });
const table = (name: string, schema: string | null = null) => ({ kind: 'TableName', schema, name });
const type = (name: string, written = name, modifiers: number[] = []) => ({ kind: 'TypeName', schema: null, name, written, modifiers });
const item = (expression: unknown, alias: string | null = null) => ({ kind: 'SelectItem', expression, alias });
const star = { kind: 'AllColumns', table: null };
const binary = (operator: string, left: unknown, right: unknown) => ({ kind: 'BinaryExpression', operator, left, right });

const emptySelect = { distinct: false, from: null, where: null, groupBy: [], having: null, orderBy: [], limit: null, offset: null };

describe('CREATE TABLE', () => {
  it("reads DEFAULT as PostgreSQL's b_expr, so NOT NULL after it is a constraint", () => {
    const statement = parseStatement("CREATE TABLE t (id text PRIMARY KEY, s text DEFAULT 'x' || 'y' NOT NULL, n int DEFAULT -1 NULL)");
    if (statement.kind !== 'CreateTableStatement') throw new Error('expected CREATE TABLE');
    const [, s, n] = statement.columns;
    expect(s).toMatchObject({ nullability: 'notNull', default: { kind: 'BinaryExpression' } });
    expect(n).toMatchObject({ nullability: 'null', default: { kind: 'IntegerLiteral' } });
    expect(() => parseStatement('CREATE TABLE t (id int PRIMARY KEY DEFAULT 1 = 1)')).toThrow(/syntax error at or near "="/);
  });

  it('with column constraints', () => {
    expect(parsed('CREATE TABLE IF NOT EXISTS users (id text PRIMARY KEY, name text NOT NULL, age int NULL DEFAULT 0)')).toEqual({
      kind: 'CreateTableStatement',
      ifNotExists: true,
      table: table('users'),
      columns: [
        { kind: 'ColumnDefinition', name: 'id', type: type('text'), primaryKey: true, nullability: 'unspecified', default: null },
        { kind: 'ColumnDefinition', name: 'name', type: type('text'), primaryKey: false, nullability: 'notNull', default: null },
        { kind: 'ColumnDefinition', name: 'age', type: type('int4', 'int'), primaryKey: false, nullability: 'null', default: integer(0) },
      ],
      constraints: [],
    });
  });

  it('with a table primary key of hash and sort column', () => {
    expect(parsed('create table events (user_id text, ts bigint, kind text, primary key (user_id, ts))')).toEqual({
      kind: 'CreateTableStatement',
      ifNotExists: false,
      table: table('events'),
      columns: [
        { kind: 'ColumnDefinition', name: 'user_id', type: type('text'), primaryKey: false, nullability: 'unspecified', default: null },
        { kind: 'ColumnDefinition', name: 'ts', type: type('int8', 'bigint'), primaryKey: false, nullability: 'unspecified', default: null },
        { kind: 'ColumnDefinition', name: 'kind', type: type('text'), primaryKey: false, nullability: 'unspecified', default: null },
      ],
      constraints: [{ kind: 'PrimaryKeyConstraint', columns: [identifier('user_id'), identifier('ts')] }],
    });
  });

  it('records each type by its canonical name and as written', () => {
    const statement = parsed(
      `create table t (a text, b varchar, c character varying(20), d integer, e int, f int4, g smallint, h int2, i bigint, j int8,
        k double precision, l float8, m real, n float(24), o float(25), p boolean, q bool, r bytea, s timestamptz,
        t timestamp with time zone, u timestamp(3) without time zone, v jsonb, w numeric(10, 2), x "Int4", y pg_catalog.int8)`,
    );
    if (statement.kind !== 'CreateTableStatement') throw new Error('expected CREATE TABLE');
    expect(statement.columns.map((definition) => [definition.name, definition.type])).toEqual([
      ['a', type('text')],
      ['b', type('varchar')],
      ['c', type('varchar', 'character varying', [20])],
      ['d', type('int4', 'integer')],
      ['e', type('int4', 'int')],
      ['f', type('int4')],
      ['g', type('int2', 'smallint')],
      ['h', type('int2')],
      ['i', type('int8', 'bigint')],
      ['j', type('int8')],
      ['k', type('float8', 'double precision')],
      ['l', type('float8')],
      ['m', type('float4', 'real')],
      ['n', type('float4', 'float')],
      ['o', type('float8', 'float')],
      ['p', type('bool', 'boolean')],
      ['q', type('bool')],
      ['r', type('bytea')],
      ['s', type('timestamptz')],
      ['t', type('timestamptz', 'timestamp with time zone')],
      ['u', type('timestamp', 'timestamp without time zone', [3])],
      ['v', type('jsonb')],
      ['w', type('numeric', 'numeric', [10, 2])],
      ['x', type('Int4')],
      ['y', { kind: 'TypeName', schema: 'pg_catalog', name: 'int8', written: 'int8', modifiers: [] }],
    ]);
  });

  it('passes unknown type names through, even ones that are JavaScript property names', () => {
    const statement = parsed('create table t (a toString, b constructor, c __proto__, d hasOwnProperty)');
    if (statement.kind !== 'CreateTableStatement') throw new Error('expected CREATE TABLE');
    expect(statement.columns.map((definition) => definition.type.name)).toEqual(['tostring', 'constructor', '__proto__', 'hasownproperty']);
  });

  it('allows no columns, as PostgreSQL does (the compiler asks for a key)', () => {
    expect(parsed('create table t ()')).toMatchObject({ columns: [], constraints: [] });
  });
});

describe('DROP TABLE', () => {
  it('with and without IF EXISTS, and schema-qualified', () => {
    expect(parsedAll('DROP TABLE IF EXISTS users; drop table public.users')).toEqual([
      { kind: 'DropTableStatement', ifExists: true, table: table('users') },
      { kind: 'DropTableStatement', ifExists: false, table: table('users', 'public') },
    ]);
  });
});

describe('INSERT', () => {
  it('with columns, several rows and DEFAULT', () => {
    expect(parsed("INSERT INTO users (id, name, age) VALUES ('a', 'Ann', 31), ('b', 'Bo', DEFAULT)")).toEqual({
      kind: 'InsertStatement',
      table: table('users'),
      columns: [identifier('id'), identifier('name'), identifier('age')],
      rows: [
        [string('a'), string('Ann'), integer(31)],
        [string('b'), string('Bo'), { kind: 'DefaultValue' }],
      ],
      onConflict: null,
      returning: null,
    });
  });

  it('without columns, ON CONFLICT DO NOTHING, RETURNING *', () => {
    expect(parsed('insert into t values (1) on conflict do nothing returning *')).toEqual({
      kind: 'InsertStatement',
      table: table('t'),
      columns: null,
      rows: [[integer(1)]],
      onConflict: { kind: 'OnConflictClause', target: null, action: { kind: 'ConflictDoNothing' } },
      returning: [star],
    });
  });

  it('ON CONFLICT (target) DO UPDATE SET with excluded and WHERE, RETURNING expressions', () => {
    expect(
      parsed('insert into counters (id, n) values ($1, 1) on conflict (id) do update set n = counters.n + excluded.n where counters.n < 10 returning id, n as total'),
    ).toEqual({
      kind: 'InsertStatement',
      table: table('counters'),
      columns: [identifier('id'), identifier('n')],
      rows: [[{ kind: 'Parameter', index: 1 }, integer(1)]],
      onConflict: {
        kind: 'OnConflictClause',
        target: [identifier('id')],
        action: {
          kind: 'ConflictDoUpdate',
          assignments: [{ kind: 'Assignment', column: identifier('n'), value: binary('+', column('n', 'counters'), column('n', 'excluded')) }],
          where: binary('<', column('n', 'counters'), integer(10)),
        },
      },
      returning: [item(column('id')), item(column('n'), 'total')],
    });
  });
});

describe('SELECT', () => {
  it('a point read', () => {
    expect(parsed("SELECT * FROM users WHERE id = 'a'")).toEqual({
      kind: 'SelectStatement',
      ...emptySelect,
      items: [star],
      from: { kind: 'TableReference', table: table('users'), alias: null },
      where: binary('=', column('id'), string('a')),
    });
  });

  it('a range read with ORDER BY and LIMIT', () => {
    expect(parsed("SELECT kind, ts FROM events WHERE user_id = 'a' AND ts BETWEEN 10 AND 20 ORDER BY ts DESC LIMIT 5")).toEqual({
      kind: 'SelectStatement',
      ...emptySelect,
      items: [item(column('kind')), item(column('ts'))],
      from: { kind: 'TableReference', table: table('events'), alias: null },
      where: {
        kind: 'LogicalExpression',
        operator: 'and',
        operands: [
          binary('=', column('user_id'), string('a')),
          { kind: 'BetweenExpression', operand: column('ts'), low: integer(10), high: integer(20), negated: false },
        ],
      },
      orderBy: [{ kind: 'OrderByItem', expression: column('ts'), direction: 'desc', nulls: 'first' }],
      limit: integer(5),
    });
  });

  it('aggregates, DISTINCT, alias, GROUP BY, HAVING, NULLS, OFFSET before LIMIT', () => {
    expect(
      parsed('select distinct u.kind k, count(*), avg(age) as "Average" from users as u where age > 30 group by u.kind having count(*) > 1 order by 1, k asc nulls first offset 2 limit all'),
    ).toEqual({
      kind: 'SelectStatement',
      ...emptySelect,
      distinct: true,
      items: [
        item(column('kind', 'u'), 'k'),
        item({ kind: 'FunctionCall', schema: null, name: 'count', arguments: [], star: true, distinct: false }),
        item({ kind: 'FunctionCall', schema: null, name: 'avg', arguments: [column('age')], star: false, distinct: false }, 'Average'),
      ],
      from: { kind: 'TableReference', table: table('users'), alias: 'u' },
      where: binary('>', column('age'), integer(30)),
      groupBy: [column('kind', 'u')],
      having: binary('>', { kind: 'FunctionCall', schema: null, name: 'count', arguments: [], star: true, distinct: false }, integer(1)),
      orderBy: [
        { kind: 'OrderByItem', expression: integer(1), direction: 'asc', nulls: 'last' },
        { kind: 'OrderByItem', expression: column('k'), direction: 'asc', nulls: 'first' },
      ],
      limit: null,
      offset: integer(2),
    });
  });

  it('without FROM', () => {
    expect(parsedAll('SELECT 1; SELECT version(); SELECT $1::int; select current_timestamp')).toEqual([
      { kind: 'SelectStatement', ...emptySelect, items: [item(integer(1))] },
      { kind: 'SelectStatement', ...emptySelect, items: [item({ kind: 'FunctionCall', schema: null, name: 'version', arguments: [], star: false, distinct: false })] },
      { kind: 'SelectStatement', ...emptySelect, items: [item({ kind: 'CastExpression', operand: { kind: 'Parameter', index: 1 }, type: type('int4', 'int') })] },
      { kind: 'SelectStatement', ...emptySelect, items: [item({ kind: 'SqlValueFunction', name: 'current_timestamp' })] },
    ]);
  });

  it('table.* and count(DISTINCT x)', () => {
    expect(parsed('select t.*, count(distinct x) from t')).toMatchObject({
      items: [
        { kind: 'AllColumns', table: 't' },
        item({ kind: 'FunctionCall', schema: null, name: 'count', arguments: [column('x')], star: false, distinct: true }),
      ],
    });
  });

  it('with an empty select list, as PostgreSQL allows', () => {
    expect(parsed('select from t')).toMatchObject({ items: [], from: { table: table('t') } });
  });
});

describe('UPDATE and DELETE', () => {
  it('UPDATE with a conditional WHERE', () => {
    expect(parsed("UPDATE accounts SET balance = balance - 10 WHERE id = 'a' AND balance >= 10")).toEqual({
      kind: 'UpdateStatement',
      table: { kind: 'TableReference', table: table('accounts'), alias: null },
      assignments: [{ kind: 'Assignment', column: identifier('balance'), value: binary('-', column('balance'), integer(10)) }],
      where: {
        kind: 'LogicalExpression',
        operator: 'and',
        operands: [binary('=', column('id'), string('a')), binary('>=', column('balance'), integer(10))],
      },
      returning: null,
    });
  });

  it('UPDATE with an alias, DEFAULT and RETURNING', () => {
    expect(parsed('update users u set age = default, name = upper(u.name) returning *')).toEqual({
      kind: 'UpdateStatement',
      table: { kind: 'TableReference', table: table('users'), alias: 'u' },
      assignments: [
        { kind: 'Assignment', column: identifier('age'), value: { kind: 'DefaultValue' } },
        {
          kind: 'Assignment',
          column: identifier('name'),
          value: { kind: 'FunctionCall', schema: null, name: 'upper', arguments: [column('name', 'u')], star: false, distinct: false },
        },
      ],
      where: null,
      returning: [star],
    });
  });

  it('DELETE with WHERE and RETURNING', () => {
    expect(parsed("DELETE FROM users WHERE id = 'a' RETURNING *")).toEqual({
      kind: 'DeleteStatement',
      table: { kind: 'TableReference', table: table('users'), alias: null },
      where: binary('=', column('id'), string('a')),
      returning: [star],
    });
    expect(parsed('delete from users')).toEqual({
      kind: 'DeleteStatement',
      table: { kind: 'TableReference', table: table('users'), alias: null },
      where: null,
      returning: null,
    });
  });
});

describe('EXPLAIN', () => {
  it('wraps a data statement, with or without ANALYZE (or ANALYSE)', () => {
    expect(parsedAll("EXPLAIN SELECT * FROM users WHERE id = 'a'; explain analyse delete from users")).toEqual([
      {
        kind: 'ExplainStatement',
        analyze: false,
        statement: {
          kind: 'SelectStatement',
          ...emptySelect,
          items: [star],
          from: { kind: 'TableReference', table: table('users'), alias: null },
          where: binary('=', column('id'), string('a')),
        },
      },
      {
        kind: 'ExplainStatement',
        analyze: true,
        statement: { kind: 'DeleteStatement', table: { kind: 'TableReference', table: table('users'), alias: null }, where: null, returning: null },
      },
    ]);
  });

  it('refuses session statements and EXPLAIN itself', () => {
    expect(syntaxError('explain begin').message).toBe('syntax error at or near "begin"');
    expect(syntaxError('explain explain select 1').position).toBe(9);
  });
});

describe('session statements', () => {
  it('BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT with their noise words', () => {
    expect(parsedAll('BEGIN; begin transaction; BEGIN WORK; START TRANSACTION; COMMIT; commit work; END TRANSACTION; ROLLBACK; rollback work; ABORT').map((statement) => statement.kind)).toEqual([
      'BeginStatement',
      'BeginStatement',
      'BeginStatement',
      'BeginStatement',
      'CommitStatement',
      'CommitStatement',
      'CommitStatement',
      'RollbackStatement',
      'RollbackStatement',
      'RollbackStatement',
    ]);
  });

  it('SET in its forms', () => {
    expect(
      parsedAll(`SET search_path TO "$user", public; set session DateStyle = 'ISO', MDY; SET LOCAL statement_timeout = 5000;
        set extra_float_digits = -3; set app.tenant to on; set x = default; SET TIME ZONE 'UTC'; set time zone local; set time zone -8`),
    ).toEqual([
      {
        kind: 'SetStatement',
        scope: 'session',
        name: 'search_path',
        values: [
          { kind: 'SettingValue', form: 'word', text: '$user' },
          { kind: 'SettingValue', form: 'word', text: 'public' },
        ],
      },
      {
        kind: 'SetStatement',
        scope: 'session',
        name: 'datestyle',
        values: [
          { kind: 'SettingValue', form: 'string', text: 'ISO' },
          { kind: 'SettingValue', form: 'word', text: 'mdy' },
        ],
      },
      { kind: 'SetStatement', scope: 'local', name: 'statement_timeout', values: [{ kind: 'SettingValue', form: 'number', text: '5000' }] },
      { kind: 'SetStatement', scope: 'session', name: 'extra_float_digits', values: [{ kind: 'SettingValue', form: 'number', text: '-3' }] },
      { kind: 'SetStatement', scope: 'session', name: 'app.tenant', values: [{ kind: 'SettingValue', form: 'word', text: 'on' }] },
      { kind: 'SetStatement', scope: 'session', name: 'x', values: null },
      { kind: 'SetStatement', scope: 'session', name: 'timezone', values: [{ kind: 'SettingValue', form: 'string', text: 'UTC' }] },
      { kind: 'SetStatement', scope: 'session', name: 'timezone', values: null },
      { kind: 'SetStatement', scope: 'session', name: 'timezone', values: [{ kind: 'SettingValue', form: 'number', text: '-8' }] },
    ]);
  });

  it('SHOW and RESET', () => {
    expect(parsedAll('SHOW server_version; show all; SHOW TIME ZONE; show transaction isolation level; RESET statement_timeout; reset all; reset time zone')).toEqual([
      { kind: 'ShowStatement', name: 'server_version' },
      { kind: 'ShowStatement', name: 'all' },
      { kind: 'ShowStatement', name: 'timezone' },
      { kind: 'ShowStatement', name: 'transaction_isolation' },
      { kind: 'ResetStatement', name: 'statement_timeout' },
      { kind: 'ResetStatement', name: 'all' },
      { kind: 'ResetStatement', name: 'timezone' },
    ]);
  });

  it('CREATE, ALTER and DROP USER', () => {
    expect(
      parsedAll("CREATE USER Alice WITH PASSWORD 'it''s secret'; create user bob password 'x'; create user carol; ALTER USER alice WITH PASSWORD 'new'; alter user \"Bob\" password 'y'; DROP USER IF EXISTS alice; drop user bob"),
    ).toEqual([
      { kind: 'CreateUserStatement', name: 'alice', password: "it's secret" },
      { kind: 'CreateUserStatement', name: 'bob', password: 'x' },
      { kind: 'CreateUserStatement', name: 'carol', password: null },
      { kind: 'AlterUserStatement', name: 'alice', password: 'new' },
      { kind: 'AlterUserStatement', name: 'Bob', password: 'y' },
      { kind: 'DropUserStatement', ifExists: true, name: 'alice' },
      { kind: 'DropUserStatement', ifExists: false, name: 'bob' },
    ]);
  });
});

describe('several statements in one string', () => {
  const text = "  SELECT 1;\n-- comment\nINSERT INTO t VALUES ('a;b'); ;; /* x; */ UPDATE t SET a = 2  ;";

  it('skips empty statements and records each span in the whole text', () => {
    const statements = parseStatements(text);
    expect(statements.map((statement) => statement.kind)).toEqual(['SelectStatement', 'InsertStatement', 'UpdateStatement']);
    expect(statements.map((statement) => text.slice(statement.span.start, statement.span.end))).toEqual([
      'SELECT 1',
      "INSERT INTO t VALUES ('a;b')",
      'UPDATE t SET a = 2',
    ]);
  });

  it('gives locations in the whole text, not the statement', () => {
    const [, insert] = parseStatements(text);
    if (insert?.kind !== 'InsertStatement') throw new Error('expected INSERT');
    expect(insert.table.location).toBe(text.indexOf('t VALUES'));
    expect(insert.rows[0]?.[0]).toMatchObject({ kind: 'StringLiteral', value: 'a;b', location: text.indexOf("'a;b'") });
  });

  it('gives an EXPLAIN and the statement it explains their own spans', () => {
    const statement = parseStatement('explain analyze  select 1 ');
    if (statement.kind !== 'ExplainStatement') throw new Error('expected EXPLAIN');
    expect(statement.span).toEqual({ start: 0, end: 25 });
    expect(statement.statement.span).toEqual({ start: 17, end: 25 });
  });

  it('returns nothing for empty text, comments and semicolons', () => {
    expect(parseStatements('')).toEqual([]);
    expect(parseStatements(' ;;\n -- nothing\n /* at all */ ;')).toEqual([]);
  });

  it('parseStatement wants exactly one', () => {
    expect(parseStatement('select 1;').kind).toBe('SelectStatement');
    expect(() => parseStatement('')).toThrowError('syntax error at end of input');
    expect(() => parseStatement('select 1; select 2')).toThrowError('cannot insert multiple commands into a prepared statement');
    expect(() => parseStatement(' ; ')).toThrowError('syntax error at end of input');
  });
});

describe('locations', () => {
  const text = "select a + b, f(x) from s.t where c not like 'p%' and d is null and e::int in (1) and - g";
  const statement = parseStatement(text);
  const at = (offset: number) => text.slice(offset, offset + 6);

  it('point where PostgreSQL points: operators, names, keywords', () => {
    const located = [...descendantNodes(statement)]
      .filter((node): node is typeof node & { location: number } => 'location' in node)
      .map((node) => [node.kind, at(node.location)]);
    expect(located).toEqual([
      ['BinaryExpression', '+ b, f'],
      ['ColumnReference', 'a + b,'],
      ['ColumnReference', 'b, f(x'],
      ['FunctionCall', 'f(x) f'],
      ['ColumnReference', 'x) fro'],
      ['TableName', 's.t wh'],
      ['LogicalExpression', "and d "],
      ['LikeExpression', "not li"],
      ['ColumnReference', "c not "],
      ['StringLiteral', "'p%' a"],
      ['IsExpression', 'is nul'],
      ['ColumnReference', 'd is n'],
      ['InListExpression', 'in (1)'],
      ['CastExpression', '::int '],
      ['ColumnReference', 'e::int'],
      ['TypeName', 'int in'],
      ['IntegerLiteral', '1) and'],
      ['UnaryExpression', '- g'],
      ['ColumnReference', 'g'],
    ]);
  });

  it('lie inside the statement span, on every node', () => {
    for (const node of descendantNodes(statement)) {
      if ('location' in node) expect(node.location).toBeGreaterThanOrEqual(statement.span.start);
      if ('location' in node) expect(node.location).toBeLessThan(statement.span.end);
    }
  });
});

describe('AST nodes', () => {
  it('are frozen, arrays included', () => {
    const statements: Statement[] = parseStatements(
      "insert into t (a) values (1), (2) on conflict (a) do update set a = 3 returning *; select case when a in (1, 2) then 1 end from t order by a",
    );
    for (const statement of statements) {
      for (const node of descendantNodes(statement)) {
        expect(Object.isFrozen(node), node.kind).toBe(true);
        for (const value of Object.values(node)) if (Array.isArray(value)) expect(Object.isFrozen(value), `${node.kind} array`).toBe(true);
      }
    }
    expect(Object.isFrozen(statements[0]?.span)).toBe(true);
  });

  it('list their children in source order', () => {
    const statement = parseStatement('select a, b from t where c');
    expect(childNodes(statement).map((node) => node.kind)).toEqual(['SelectItem', 'SelectItem', 'TableReference', 'ColumnReference']);
  });
});
