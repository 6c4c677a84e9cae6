/**
 * Expressions: PostgreSQL's precedence and associativity, printed fully
 * parenthesized, and the primary forms (calls, casts, typed literals, CASE).
 */
import { describe, expect, it } from 'vitest';
import { expression, rendered, syntaxError } from './helpers.js';

describe('precedence, loosest to tightest', () => {
  it.each([
    // OR < AND < NOT
    ['a OR b AND c', '(a OR (b AND c))'],
    ['a AND b OR c AND d', '((a AND b) OR (c AND d))'],
    ['NOT a AND b', '((NOT a) AND b)'],
    ['NOT a OR NOT b', '((NOT a) OR (NOT b))'],
    ['NOT NOT a', '(NOT (NOT a))'],
    // NOT < IS < comparison
    ['NOT a IS NULL', '(NOT (a IS NULL))'],
    ['NOT a = b', '(NOT (a = b))'],
    ['a = b IS TRUE', '((a = b) IS TRUE)'],
    ['a IS NULL AND b IS NOT NULL', '((a IS NULL) AND (b IS NOT NULL))'],
    ['a IS NULL IS NOT FALSE', '((a IS NULL) IS NOT FALSE)'],
    ['a IS NOT UNKNOWN', '(a IS NOT UNKNOWN)'],
    ['a IS DISTINCT FROM b + 1', '(a IS DISTINCT FROM (b + 1))'],
    ['a IS NOT DISTINCT FROM b AND c', '((a IS NOT DISTINCT FROM b) AND c)'],
    // comparison < BETWEEN, IN, LIKE
    ['a BETWEEN 1 AND 2 = TRUE', '((a BETWEEN 1 AND 2) = TRUE)'],
    ['a < b AND c >= d OR e <> f', '(((a < b) AND (c >= d)) OR (e <> f))'],
    ['a LIKE b = c', '((a LIKE b) = c)'],
    ['a IN (1) = b', '((a IN (1)) = b)'],
    // BETWEEN's AND is its own; the bounds bind tighter
    ['a BETWEEN 1 AND 2 AND b', '((a BETWEEN 1 AND 2) AND b)'],
    ['a NOT BETWEEN b + 1 AND c * 2', '(a NOT BETWEEN (b + 1) AND (c * 2))'],
    // BETWEEN, IN, LIKE < || and other operators
    ["a LIKE 'x' || '%'", "(a LIKE ('x' || '%'))"],
    ["a NOT ILIKE b || c ESCAPE '!'", "(a NOT ILIKE (b || c) ESCAPE '!')"],
    ['a || b IN (c)', '((a || b) IN (c))'],
    ["body ->> 'k' = 'v'", "((body ->> 'k') = 'v')"],
    // || < + -
    ['a || b + c', '(a || (b + c))'],
    ['a + b || c', '((a + b) || c)'],
    ['a || b || c', '((a || b) || c)'],
    // + - < * / %
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['a % b / c * d', '(((a % b) / c) * d)'],
    ['(1 + 2) * 3', '((1 + 2) * 3)'],
    // * < ^, left associative as in PostgreSQL
    ['2 * 3 ^ 2', '(2 * (3 ^ 2))'],
    ['2 ^ 3 ^ 2', '((2 ^ 3) ^ 2)'],
    // ^ < unary minus: -2 ^ 2 is (-2) ^ 2
    ['-2 ^ 2', '(-2 ^ 2)'],
    ['- a ^ 2', '((-a) ^ 2)'],
    ['1 + - 2', '(1 + -2)'],
    ['1 - -a', '(1 - (-a))'],
    // unary minus < ::
    ['-a::int', '(-(a::int4))'],
    ['-1::int', '(-(1::int4))'],
    ['a::int + b::int', '((a::int4) + (b::int4))'],
    ['a::text::bytea', '((a::text)::bytea)'],
  ])('%s', (text, expected) => {
    expect(rendered(text)).toBe(expected);
  });

  it('flattens a chain of one logical operator into one node, parenthesized or not', () => {
    expect(rendered('a AND b AND c OR d OR e')).toBe('((a AND b AND c) OR d OR e)');
    expect(rendered('(a OR b) OR (c OR d)')).toBe('(a OR b OR c OR d)');
    expect(rendered('a AND (b OR c)')).toBe('(a AND (b OR c))');
  });

  it('does not chain comparisons, BETWEEN or LIKE, as PostgreSQL does not', () => {
    expect(syntaxError('select 1 = 1 = 1')).toMatchObject({ message: 'syntax error at or near "="', position: 14 });
    expect(syntaxError('select a < b < c')).toMatchObject({ message: 'syntax error at or near "<"', position: 14 });
    expect(syntaxError("select 'a' like 'b' like 'c'")).toMatchObject({ message: 'syntax error at or near "like"', position: 21 });
  });
});

describe('primary expressions', () => {
  it('literals and parameters', () => {
    expect(rendered("TRUE AND FALSE OR NULL IS NULL OR 'x' = $3")).toBe("((TRUE AND FALSE) OR (NULL IS NULL) OR ('x' = $3))");
    expect(expression('null')).toEqual({ kind: 'NullLiteral' });
    expect(expression('false')).toEqual({ kind: 'BooleanLiteral', value: false });
  });

  it('function calls, qualified, with DISTINCT or *', () => {
    expect(rendered('coalesce(a, b, 1)')).toBe('coalesce(a, b, 1)');
    expect(rendered('pg_catalog.now()')).toBe('pg_catalog.now()');
    expect(rendered('count(*) + count(DISTINCT a) + sum(ALL b)')).toBe('((count(*) + count(DISTINCT a)) + sum(b))');
    expect(expression('Upper(x)')).toEqual({ kind: 'FunctionCall', schema: null, name: 'upper', arguments: [{ kind: 'ColumnReference', table: null, column: 'x' }], star: false, distinct: false });
  });

  it('SQL value functions written without parentheses', () => {
    expect(rendered('current_timestamp')).toBe('CURRENT_TIMESTAMP');
    expect(['current_date', 'current_time', 'localtime', 'localtimestamp', 'current_user', 'session_user', 'user', 'current_role', 'current_catalog', 'current_schema'].map(rendered)).toEqual([
      'CURRENT_DATE',
      'CURRENT_TIME',
      'LOCALTIME',
      'LOCALTIMESTAMP',
      'CURRENT_USER',
      'SESSION_USER',
      'USER',
      'CURRENT_ROLE',
      'CURRENT_CATALOG',
      'CURRENT_SCHEMA',
    ]);
  });

  it('casts with :: and CAST, to multi-word and modified types', () => {
    expect(expression('CAST(a AS double precision)')).toEqual({
      kind: 'CastExpression',
      operand: { kind: 'ColumnReference', table: null, column: 'a' },
      type: { kind: 'TypeName', schema: null, name: 'float8', written: 'double precision', modifiers: [] },
    });
    expect(rendered('a::varchar(10)')).toBe('(a::varchar(10))');
    expect(rendered('a::timestamp(3) with time zone')).toBe('(a::timestamptz(3))');
    expect(rendered('a::character varying(5)')).toBe('(a::varchar(5))');
  });

  it('typed literals, as PostgreSQL reads them: a cast of the string', () => {
    expect(rendered("timestamptz '2024-01-01 00:00:00+00'")).toBe("('2024-01-01 00:00:00+00'::timestamptz)");
    expect(rendered("double precision '1.5'")).toBe("('1.5'::float8)");
    expect(rendered("timestamp with time zone '2024-01-01'")).toBe("('2024-01-01'::timestamptz)");
    expect(rendered("int '5' + jsonb '{}'")).toBe("(('5'::int4) + ('{}'::jsonb))");
  });

  it('CASE with and without an operand', () => {
    expect(rendered("CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END")).toBe("(CASE WHEN (a > 0) THEN 'pos' WHEN (a < 0) THEN 'neg' ELSE 'zero' END)");
    expect(rendered('case a when 1 then b end')).toBe('(CASE a WHEN 1 THEN b END)');
    expect(rendered('case when case when a then b end then c end')).toBe('(CASE WHEN (CASE WHEN a THEN b END) THEN c END)');
  });

  it('IN lists of expressions', () => {
    expect(rendered('a IN (1, 2 + 3, b)')).toBe('(a IN (1, (2 + 3), b))');
    expect(rendered('a NOT IN (NULL)')).toBe('(a NOT IN (NULL))');
  });
});
