/**
 * The lexical rules (parser/tokens.ts), checked through what the parser makes of
 * them: keywords and names, folding and quoting, literals of every form,
 * operators split as PostgreSQL splits them, comments.
 */
import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../parser/parse.js';
import { sqlLexer } from '../../parser/tokens.js';
import { expression, parsed, rendered, selectItems, syntaxError } from './helpers.js';

const tokenNames = (text: string): string[] => sqlLexer.tokenize(text).tokens.map((token) => token.tokenType.name);

describe('keywords', () => {
  it('are case-insensitive', () => {
    expect(parsed('SeLeCt 1 FrOm t')).toEqual(parsed('select 1 from t'));
  });

  it('match whole words only, so a longer word is an identifier', () => {
    expect(tokenNames('selected select_ select$ inserted into in timestamp time current_user_id current_user')).toEqual([
      'Identifier',
      'Identifier',
      'Identifier',
      'Identifier',
      'Into',
      'In',
      'Identifier',
      'Time',
      'Identifier',
      'CurrentUser',
    ]);
  });

  it('unreserved ones are also names; reserved ones only when quoted', () => {
    expect(selectItems('select key, time, level, first, values from t').map((item) => item.expression)).toEqual(
      ['key', 'time', 'level', 'first', 'values'].map((column) => ({ kind: 'ColumnReference', table: null, column })),
    );
    expect(syntaxError('create table select (a int)').message).toBe('syntax error at or near "select"');
    expect(parsed('create table "select" (a int)')).toMatchObject({ table: { name: 'select' } });
  });

  it('any keyword may follow AS in an alias, but only an identifier may be an alias without AS', () => {
    expect(selectItems('select 1 as from, 2 as "Two", 3 three').map((item) => item.alias)).toEqual(['from', 'Two', 'three']);
    expect(syntaxError('select 1 from').message).toBe('syntax error at end of input');
  });
});

describe('names', () => {
  it('fold ASCII letters to lower case unless quoted', () => {
    expect(expression('MiXeD')).toEqual({ kind: 'ColumnReference', table: null, column: 'mixed' });
    expect(expression('"MiXeD"')).toEqual({ kind: 'ColumnReference', table: null, column: 'MiXeD' });
    expect(expression('T.Col')).toEqual({ kind: 'ColumnReference', table: 't', column: 'col' });
  });

  it('leave non-ASCII letters as written, as PostgreSQL does for UTF-8', () => {
    expect(expression('ÄBC_Ö')).toEqual({ kind: 'ColumnReference', table: null, column: 'Äbc_Ö' });
  });

  it('read "" inside quotes as a quote, and keep spaces', () => {
    expect(expression('"Mixed ""Case"" name"')).toEqual({ kind: 'ColumnReference', table: null, column: 'Mixed "Case" name' });
  });

  it('are truncated to 63 bytes at a character boundary, quoted or not', () => {
    expect(expression('a'.repeat(70))).toMatchObject({ column: 'a'.repeat(63) });
    expect(expression(`"${'B'.repeat(64)}"`)).toMatchObject({ column: 'B'.repeat(63) });
    // 40 two-byte characters are 80 bytes; 31 of them (62 bytes) fit.
    expect(expression('é'.repeat(40))).toMatchObject({ column: 'é'.repeat(31) });
    // A four-byte character that would end past byte 63 is dropped whole.
    expect(expression(`${'a'.repeat(61)}😀`)).toMatchObject({ column: 'a'.repeat(61) });
    expect(expression(`${'a'.repeat(59)}😀x`)).toMatchObject({ column: `${'a'.repeat(59)}😀` });
  });
});

describe('string literals', () => {
  it("double a quote inside '...'", () => {
    expect(expression("'it''s'")).toEqual({ kind: 'StringLiteral', value: "it's" });
    expect(expression("''")).toEqual({ kind: 'StringLiteral', value: '' });
  });

  it('keep backslashes in standard strings', () => {
    expect(expression("'a\\nb'")).toEqual({ kind: 'StringLiteral', value: 'a\\nb' });
  });

  it("read escapes in E'...'", () => {
    expect(expression("E'a\\nb\\tc\\\\d\\'e''f\\bg\\fh\\ri'")).toEqual({ kind: 'StringLiteral', value: "a\nb\tc\\d'e'f\bg\fh\ri" });
    expect(expression("e'\\q\\x'")).toEqual({ kind: 'StringLiteral', value: 'qx' });
  });

  it("read octal, hex and Unicode escapes in E'...' into UTF-8 text", () => {
    expect(expression("E'\\101\\x42\\u00e9\\U0001F600'")).toEqual({ kind: 'StringLiteral', value: 'ABé😀' });
    expect(expression("E'\\xc3\\xa9'")).toEqual({ kind: 'StringLiteral', value: 'é' });
    expect(expression("E'\\uD83D\\uDE00'")).toEqual({ kind: 'StringLiteral', value: '😀' });
  });

  it('join literals separated by whitespace that holds a newline', () => {
    expect(expression("'a'\n'b'   \n  'c'")).toEqual({ kind: 'StringLiteral', value: 'abc' });
    expect(expression("'a' -- note\n'b'")).toEqual({ kind: 'StringLiteral', value: 'ab' });
    expect(expression("E'a\\n'\n'\\t'")).toEqual({ kind: 'StringLiteral', value: 'a\n\t' });
    expect(syntaxError("select 'a' 'b'")).toMatchObject({ message: `syntax error at or near "'b'"`, position: 12 });
  });

  it('may be dollar-quoted, with or without a tag', () => {
    expect(expression("$$it's $1 \\n$$")).toEqual({ kind: 'StringLiteral', value: "it's $1 \\n" });
    expect(expression('$body$ a $$ b $body$')).toEqual({ kind: 'StringLiteral', value: ' a $$ b ' });
    expect(expression('$$$$')).toEqual({ kind: 'StringLiteral', value: '' });
  });
});

describe('numbers', () => {
  it('keep integers exact beyond 2^53 and beyond int8', () => {
    expect(expression('9007199254740993')).toEqual({ kind: 'IntegerLiteral', text: '9007199254740993', value: 9007199254740993n });
    expect(expression('9223372036854775807')).toEqual({ kind: 'IntegerLiteral', text: '9223372036854775807', value: 9223372036854775807n });
    expect(expression('123456789012345678901234567890')).toEqual({
      kind: 'IntegerLiteral',
      text: '123456789012345678901234567890',
      value: 123456789012345678901234567890n,
    });
    expect(expression('007')).toEqual({ kind: 'IntegerLiteral', text: '007', value: 7n });
  });

  it('fold a minus into the literal, as PostgreSQL does, so the int8 minimum is one constant', () => {
    expect(expression('-9223372036854775808')).toEqual({ kind: 'IntegerLiteral', text: '-9223372036854775808', value: -9223372036854775808n });
    expect(expression('- 5')).toEqual({ kind: 'IntegerLiteral', text: '-5', value: -5n });
    expect(expression('- -5')).toEqual({ kind: 'IntegerLiteral', text: '5', value: 5n });
    expect(expression('-(5)')).toEqual({ kind: 'IntegerLiteral', text: '-5', value: -5n });
    expect(expression('-1.5e3')).toEqual({ kind: 'NumericLiteral', text: '-1.5e3' });
    expect(expression('+5')).toEqual({ kind: 'UnaryExpression', operator: '+', operand: { kind: 'IntegerLiteral', text: '5', value: 5n } });
  });

  it('keep numerics as text', () => {
    expect(['1.5', '.5', '5.', '1e10', '1.5E-3', '2.e+4'].map((text) => expression(text))).toEqual(
      ['1.5', '.5', '5.', '1e10', '1.5E-3', '2.e+4'].map((text) => ({ kind: 'NumericLiteral', text })),
    );
  });
});

describe('parameters', () => {
  it('are numbered from the digits after $', () => {
    expect(expression('$1')).toEqual({ kind: 'Parameter', index: 1 });
    expect(expression('$12::int')).toEqual({
      kind: 'CastExpression',
      operand: { kind: 'Parameter', index: 12 },
      type: { kind: 'TypeName', schema: null, name: 'int4', written: 'int', modifiers: [] },
    });
  });
});

describe('operators', () => {
  it('split a trailing sign off, as PostgreSQL does, unless the operator holds ~!@#^&|`?%', () => {
    expect(rendered('a<-1')).toBe('(a < -1)');
    expect(rendered('a=-1')).toBe('(a = -1)');
    expect(rendered('a*-b')).toBe('(a * (-b))');
    expect(rendered('a>=+1')).toBe('(a >= (+1))');
    expect(rendered('2^-1')).toBe('(2 ^- 1)');
    expect(rendered('a@-b')).toBe('(a @- b)');
  });

  it('read any other run of operator characters as one operator', () => {
    expect(rendered("body->>'task' || 'x'")).toBe("((body ->> 'task') || 'x')");
    expect(rendered("a @> '{}'")).toBe("(a @> '{}')");
  });

  it('read != as <>', () => {
    expect(rendered('a != b')).toBe('(a <> b)');
  });
});

describe('comments', () => {
  it('are skipped wherever whitespace may be', () => {
    expect(parsed('select/* a */1 -- trailing')).toEqual(parsed('select 1'));
    expect(parsed('select 1--')).toEqual(parsed('select 1'));
    expect(parsed('select/**/1')).toEqual(parsed('select 1'));
  });

  it('nest, as in PostgreSQL', () => {
    expect(parsed('select /* outer /* inner */ still a comment */ 1')).toEqual(parsed('select 1'));
  });

  it('end an operator where they start', () => {
    expect(rendered('1 +-- comment\n2')).toBe('(1 + 2)');
    expect(rendered('1 +/* comment */2')).toBe('(1 + 2)');
  });

  it('count as whitespace between statements, and a statement of only comments is empty', () => {
    expect(parseStatement('-- leading\n/* block */ select 1; -- trailing').kind).toBe('SelectStatement');
  });
});
