/**
 * Syntax errors: PostgreSQL's message, SQLSTATE and position for the same text
 * (recorded from PostgreSQL 15.18 over the wire), what the grammar expected,
 * the lexical errors, the ones raised while building the AST, and the limits.
 */
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { characterPosition, nestingDepthMax, parseStatements, SqlSyntaxError } from '../../parser/parse.js';
import { syntaxError } from './helpers.js';

/** [statement text, SQLSTATE, message, position] as PostgreSQL 15 answered them. */
const postgresAnswers: readonly (readonly [string, string, string, number])[] = [
  ['SELECT * FROM', '42601', 'syntax error at end of input', 14],
  ['SELECT * FROM users WHERE', '42601', 'syntax error at end of input', 26],
  ['SELEC 1', '42601', 'syntax error at or near "SELEC"', 1],
  ['SELECT 1 2', '42601', 'syntax error at or near "2"', 10],
  ['select 1; select from from', '42601', 'syntax error at or near "from"', 23],
  ["SELECT 'abc", '42601', `unterminated quoted string at or near "'abc"`, 8],
  ['SELECT "abc', '42601', 'unterminated quoted identifier at or near ""abc"', 8],
  ['SELECT 1 /* x /* y */', '42601', 'unterminated /* comment at or near "/* x /* y */"', 10],
  ['select 1 = 1 = 1', '42601', 'syntax error at or near "="', 14],
  ['SELECT $$abc', '42601', 'unterminated dollar-quoted string at or near "$$abc"', 8],
  ['SELECT ""', '42601', 'zero-length delimited identifier at or near """"', 8],
  ['CREATE FOO', '42601', 'syntax error at or near "FOO"', 8],
  ['CREATE TABLE t (a int,)', '42601', 'syntax error at or near ")"', 23],
  ['select 1 + ', '42601', 'syntax error at end of input', 12],
  ['insert into t values (1', '42601', 'syntax error at end of input', 24],
  ['select 123abc', '42601', 'trailing junk after numeric literal at or near "123abc"', 8],
  ["select E'\\u12'", '22025', 'invalid Unicode escape', 10],
  ['select 1 between 0 and 2 between false and true', '42601', 'syntax error at or near "between"', 26],
  ['update t set', '42601', 'syntax error at end of input', 13],
  ['SELECT { 1', '42601', 'syntax error at or near "{"', 8],
  ['select 1 {', '42601', 'syntax error at or near "{"', 10],
  ["select 'é' from from", '42601', 'syntax error at or near "from"', 17],
  ["select '😀😀' from from", '42601', 'syntax error at or near "from"', 18],
  ['select 1;\nselect 2 +;\n', '42601', 'syntax error at or near ";"', 21],
  ['create table t (a int null not null)', '42601', 'conflicting NULL/NOT NULL declarations for column "a" of table "t"', 28],
  ['create table t (a int default 1 default 2)', '42601', 'multiple default values specified for column "a" of table "t"', 33],
  ['create table t (j int precision)', '42601', 'syntax error at or near "precision"', 23],
  ['select 1::varchar(1.5)', '42601', 'syntax error at or near "1.5"', 19],
  ["select from from 'abc", '42601', 'syntax error at or near "from"', 13],
  ['select 1 from t where a is', '42601', 'syntax error at end of input', 27],
  ['delete t', '42601', 'syntax error at or near "t"', 8],
  ['drop foo x', '42601', 'syntax error at or near "foo"', 6],
  ['select $1a', '42601', 'trailing junk after parameter at or near "$1a"', 8],
  ['select 1e', '42601', 'trailing junk after numeric literal at or near "1e"', 8],
  ['select cast(1 as)', '42601', 'syntax error at or near ")"', 17],
  ['select case when end', '42601', 'syntax error at or near "end"', 18],
  ['select count(*', '42601', 'syntax error at end of input', 15],
  ['select f(,)', '42601', 'syntax error at or near ","', 10],
  ['set x', '42601', 'syntax error at end of input', 6],
  ['show', '42601', 'syntax error at end of input', 5],
  ["select 'x' ''", '42601', `syntax error at or near "''"`, 12],
  ['select 1 limit', '42601', 'syntax error at end of input', 15],
  ['insert into t (a,) values (1)', '42601', 'syntax error at or near ")"', 18],
  ['select 1 !=', '42601', 'syntax error at end of input', 12],
  ['explain explain select 1', '42601', 'syntax error at or near "explain"', 9],
  ['create table t (a float(0))', '22023', 'precision for type float must be at least 1 bit', 25],
  ['create table t (a float(54))', '22023', 'precision for type float must be less than 54 bits', 25],
];

describe('errors as PostgreSQL reports them', () => {
  it.each(postgresAnswers)('%j', (text, sqlstate, message, position) => {
    const error = syntaxError(text);
    expect({ sqlstate: error.sqlstate, message: error.message, position: error.position }).toEqual({ sqlstate, message, position });
  });

  it('are SqlErrors, with the position PostgreSQL puts in the ErrorResponse', () => {
    const error = syntaxError('SELECT * FORM users');
    expect(error).toBeInstanceOf(SqlError);
    expect(error).toBeInstanceOf(SqlSyntaxError);
    expect(error.name).toBe('SqlSyntaxError');
    expect(error.position).toBe(10);
  });

  it('keep the hint PostgreSQL gives', () => {
    expect(syntaxError("select E'\\u12'").hint).toBe('Unicode escapes must be \\uXXXX or \\UXXXXXXXX.');
    expect(syntaxError('insert into t values (1) on conflict do update set a = 1')).toMatchObject({
      sqlstate: '42601',
      message: 'ON CONFLICT DO UPDATE requires inference specification or constraint name',
      hint: 'For example, ON CONFLICT (column_name).',
      position: 26,
    });
  });
});

describe('what was expected, in the detail', () => {
  it.each([
    ['CREATE FOO', 'Expected TABLE, USER or QUEUE.'],
    ['SELECT * FROM', 'Expected a name.'],
    ['select * from t where', 'Expected an expression.'],
    ['insert into t values (1', "Expected an operator, ',' or ')'."],
    ['set x', "Expected '.', TO or '='."],
    ['update t set a', "Expected '='."],
    ['select 1 from t order by a desc nulls', 'Expected FIRST or LAST.'],
    ['insert into t values (1) on conflict (a) do', 'Expected NOTHING or UPDATE.'],
    ['SELEC 1', "Expected a statement, ';' or the end of the input."],
    ['SELECT 1 2', "Expected an operator, AS, an alias, ',', FROM, WHERE, GROUP, HAVING, ORDER, LIMIT, OFFSET, ';' or the end of the input."],
  ])('%s', (text, detail) => {
    expect(syntaxError(text).detail).toBe(detail);
  });
});

describe('lexical errors', () => {
  it.each([
    ["select E'\\xff'", '22021', 'invalid byte sequence for encoding "UTF8": 0xff', 8],
    ["select E'\\0'", '22021', 'invalid byte sequence for encoding "UTF8": 0x00', 8],
    ["select E'\\uD800'", '42601', `invalid Unicode surrogate pair at or near "'"`, 16],
    ["select E'\\uDC00'", '42601', `invalid Unicode surrogate pair at or near "'"`, 16],
    ["select E'\\U00110000'", '42601', 'invalid Unicode escape value at or near "\\U00110000"', 10],
    ["select E'abc", '42601', `unterminated quoted string at or near "E'abc"`, 8],
    ["select 'a'\n'b", '42601', `unterminated quoted string at or near "'a'\n'b"`, 8],
    ['select $tag$ x $other$', '42601', 'unterminated dollar-quoted string at or near "$tag$ x $other$"', 8],
    ['select 1 /* a /* b */', '42601', 'unterminated /* comment at or near "/* a /* b */"', 10],
    ['select 1 : 2', '42601', 'syntax error at or near ":"', 10],
    ['select 1 \\ 2', '42601', 'syntax error at or near "\\"', 10],
    ['select 😀 ` 1 [', '42601', 'syntax error at or near "["', 14],
    ['select $99999999999', '42601', 'parameter number too large at or near "$99999999999"', 8],
    ['select 1.5.6', '42601', 'syntax error at or near ".6"', 11],
  ])('%j', (text, sqlstate, message, position) => {
    const error = syntaxError(text);
    expect({ sqlstate: error.sqlstate, message: error.message, position: error.position }).toEqual({ sqlstate, message, position });
  });

  it('come after a syntax error earlier in the text, as PostgreSQL reads as it parses', () => {
    expect(syntaxError("select from from 'unterminated")).toMatchObject({ message: 'syntax error at or near "from"', position: 13 });
    expect(syntaxError('select 1 2 "unterminated')).toMatchObject({ message: 'syntax error at or near "2"', position: 10 });
    expect(syntaxError('select 1 2 { 3')).toMatchObject({ message: 'syntax error at or near "2"', position: 10 });
    // chevrotain stops at `x` (SET TIME ZONE or a name?), yet the grammar accepts up to the string: the string is the error.
    expect(syntaxError("set x 'unterminated")).toMatchObject({ message: `unterminated quoted string at or near "'unterminated"`, position: 7 });
    expect(syntaxError("select 1; select 'unterminated")).toMatchObject({ message: `unterminated quoted string at or near "'unterminated"`, position: 18 });
  });
});

describe('positions', () => {
  it('count characters, not UTF-16 code units, over the whole text', () => {
    expect(characterPosition('ab', 0)).toBe(1);
    expect(characterPosition('😀x', 2)).toBe(2);
    expect(characterPosition('a😀😀b', 5)).toBe(4);
    expect(characterPosition('abc', 3)).toBe(4);
    expect(syntaxError("select '😀' as x from\n;").position).toBe(22);
  });
});

describe('limits', () => {
  it(`refuses parentheses nested deeper than ${nestingDepthMax} with PostgreSQL's stack depth error`, () => {
    const nested = (depth: number) => `select ${'('.repeat(depth)}1${')'.repeat(depth)}`;
    expect(parseStatements(nested(nestingDepthMax))).toHaveLength(1);
    const error = syntaxError(nested(nestingDepthMax + 1));
    expect(error).toMatchObject({ sqlstate: '54001', message: 'stack depth limit exceeded', position: 8 + nestingDepthMax });
  });

  it('counts CASE as nesting too', () => {
    const nested = (depth: number) => `select ${'case when true then '.repeat(depth)}1${' end'.repeat(depth)}`;
    expect(parseStatements(nested(nestingDepthMax))).toHaveLength(1);
    expect(syntaxError(nested(nestingDepthMax + 1)).sqlstate).toBe('54001');
  });

  it('reads long chains of prefixes and operators without recursion', () => {
    expect(parseStatements(`select ${'not '.repeat(10_000)}true`)).toHaveLength(1);
    expect(parseStatements(`select ${'- '.repeat(10_000)}a`)).toHaveLength(1);
    expect(parseStatements(`select ${Array.from({ length: 5_000 }, (_, index) => `a = ${index}`).join(' or ')}`)).toHaveLength(1);
    expect(parseStatements(`select 1${'::int'.repeat(5_000)}`)).toHaveLength(1);
  });

  it('parses normally after refusing a statement', () => {
    syntaxError(`select ${'('.repeat(1000)}`);
    expect(parseStatements('select (1)')).toHaveLength(1);
  });
});
