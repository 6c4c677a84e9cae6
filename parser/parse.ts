/**
 * The parser's entry points: text in, frozen AST out, or an SqlSyntaxError
 * that reads like PostgreSQL's (same message, same position, 1-based in
 * characters of the whole text) with what was expected in its detail.
 *
 * Order of work: lex everything; if a token could not be read (unterminated
 * literal or comment, bad escape, junk after a number, a stray character),
 * parse only the tokens before it, because PostgreSQL reads as it parses and
 * reports a syntax error earlier in the text first; else parse all; then build
 * the AST. Nothing but an SqlSyntaxError leaves these functions for any input.
 */
import { EOF, tokenMatcher, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import { assert } from '../common/sql-error.js';
import type { Statement } from './ast.js';
import { AstBuilder } from './cst-to-ast.js';
import type { StatementListCstNode } from './cst-types.js';
import { sqlGrammar } from './grammar.js';
import { SqlSyntaxError, syntaxErrorAt } from './syntax-error.js';
import * as token from './tokens.js';

export { characterPosition, SqlSyntaxError } from './syntax-error.js';

/**
 * Parentheses and CASE nested deeper than this are refused before parsing, as
 * PostgreSQL refuses what passes max_stack_depth: each level costs the
 * recursive-descent parser a call of every precedence level's rule, and the
 * default JavaScript stack runs out near 130 levels. Half of that leaves room
 * for the caller's own frames. (Prefix NOT and signs and operator chains are
 * loops; a RangeError that still escapes becomes the same 54001 error.)
 */
export const nestingDepthMax = 64;

/**
 * Content assist re-reads the statement from its start to the error, at some
 * tens of microseconds a token; past this many tokens an error goes without the
 * "Expected ..." detail, so that refusing a huge statement stays cheap.
 */
export const expectedTokensPrefixMax = 500;

/** Expected tokens listed in an error's detail before it says "...". */
const expectedTokensListedMax = 14;

const builder = new AstBuilder();

/** Every statement in `text`, separated by `;`; empty statements (`;;`, comments only) are skipped. */
export function parseStatements(text: string): Statement[] {
  try {
    const tokens = readTokens(text);
    const tree = parseTokens(tokens);
    const exception = sqlGrammar.errors[0];
    if (tree === undefined) {
      assert(exception !== undefined, 'a failed parse records its error');
      throw describeParseError(text, tokens, findOffendingToken(tokens, exception));
    }
    return builder.build(tree, text);
  } catch (error) {
    if (error instanceof SqlSyntaxError) throw error;
    if (error instanceof RangeError) throw tooDeep(text, 0);
    throw error;
  } finally {
    // Do not keep the last statement's tokens (and so its text) alive until the next parse.
    sqlGrammar.input = [];
  }
}

/**
 * Exactly one statement, as the extended query protocol's Parse needs. Empty
 * text is a syntax error here; a caller that must answer EmptyQueryResponse
 * checks parseStatements(text).length first.
 */
export function parseStatement(text: string): Statement {
  const statements = parseStatements(text);
  const [first, second] = statements;
  if (first === undefined) throw syntaxErrorAt(text, text.length, 'syntax error at end of input');
  if (second !== undefined) throw syntaxErrorAt(text, second.span.start, 'cannot insert multiple commands into a prepared statement');
  return first;
}

/**
 * Lexes, and finds the first token that could not be read (or that nests too
 * deep); that one is reported, unless a syntax error comes before it.
 */
function readTokens(text: string): IToken[] {
  const lexed = token.sqlLexer.tokenize(text);
  const tokens = lexed.tokens;
  const stray = lexed.errors[0];
  const strayError = (): SqlSyntaxError => {
    const offset = stray?.offset ?? text.length;
    return syntaxErrorAt(text, offset, `syntax error at or near "${String.fromCodePoint(text.codePointAt(offset) ?? 0)}"`);
  };
  let depth = 0;
  for (let index = 0; index < tokens.length; index++) {
    const current = tokens[index] as IToken;
    // The lexer tracks start offsets only (cheaper); the grammar's node locations, hence statement spans, need ends.
    current.endOffset = current.startOffset + current.image.length - 1;
    if (stray !== undefined && current.startOffset > stray.offset) throwUnlessEarlierSyntaxError(text, tokens.slice(0, index), strayError());
    const problem = (current.payload as { problem?: token.LexicalProblem } | undefined)?.problem;
    if (problem !== undefined) throwUnlessEarlierSyntaxError(text, tokens.slice(0, index), lexicalError(text, problem));
    const type = current.tokenType;
    if (type === token.LeftParenthesis || type === token.Case) {
      depth++;
      if (depth > nestingDepthMax) throwUnlessEarlierSyntaxError(text, tokens.slice(0, index), tooDeep(text, current.startOffset));
    } else if (type === token.RightParenthesis || type === token.End) {
      depth--;
    }
  }
  if (stray !== undefined) throwUnlessEarlierSyntaxError(text, tokens, strayError());
  return tokens;
}

function throwUnlessEarlierSyntaxError(text: string, tokensBefore: IToken[], error: SqlSyntaxError): never {
  const tree = parseTokens(tokensBefore);
  const exception = sqlGrammar.errors[0];
  if (tree === undefined && exception !== undefined) {
    const offending = findOffendingToken(tokensBefore, exception);
    // Running out of tokens means the grammar was happy up to the unreadable token: that is the error to report.
    if (offending.index < tokensBefore.length) throw describeParseError(text, tokensBefore, offending);
  }
  throw error;
}

function lexicalError(text: string, problem: token.LexicalProblem): SqlSyntaxError {
  return syntaxErrorAt(text, problem.offset, problem.message, { sqlstate: problem.sqlstate, ...(problem.hint === undefined ? {} : { hint: problem.hint }) });
}

function tooDeep(text: string, offset: number): SqlSyntaxError {
  return syntaxErrorAt(text, offset, 'stack depth limit exceeded', {
    sqlstate: '54001',
    hint: `Expressions may nest at most ${nestingDepthMax} parentheses or CASE deep.`,
  });
}

function parseTokens(tokens: IToken[]): StatementListCstNode | undefined {
  sqlGrammar.input = tokens;
  const tree = sqlGrammar.statementList() as StatementListCstNode;
  return sqlGrammar.errors.length === 0 ? tree : undefined;
}

// ---------------------------------------------------------------------------
// Syntax errors: PostgreSQL's message, and what the grammar expected

interface OffendingToken {
  /** Index in the token list; the list's length for the end of the input. */
  readonly index: number;
  /** What the grammar allows there, or undefined if it could not tell. */
  readonly allowed: TokenType[] | undefined;
}

/**
 * PostgreSQL's parser (LR) fails at the first token that no statement can
 * continue with. chevrotain stops earlier when a choice needs more than one token
 * of lookahead (`SET x` fails its SET TIME ZONE-or-name choice at `x`), so the
 * offending token is found again: from where chevrotain stopped, move forward
 * while the grammar allows the next token after the ones before it.
 */
function findOffendingToken(tokens: IToken[], exception: IRecognitionException): OffendingToken {
  const stoppedAt = exception.token.tokenType === EOF ? tokens.length : tokens.indexOf(exception.token);
  let index = stoppedAt < 0 ? tokens.length : stoppedAt;
  let allowed = allowedNext(tokens, index);
  for (;;) {
    const next = tokens[index];
    if (next === undefined || allowed === undefined || !allowed.some((type) => tokenMatcher(next, type))) return { index, allowed };
    index++;
    allowed = allowedNext(tokens, index);
  }
}

function describeParseError(text: string, tokens: IToken[], offending: OffendingToken): SqlSyntaxError {
  const expected = offending.allowed === undefined ? undefined : describeExpected(offending.allowed);
  const options = expected === undefined ? {} : { detail: `Expected ${expected}.` };
  const at = tokens[offending.index];
  if (at === undefined) return syntaxErrorAt(text, text.length, 'syntax error at end of input', options);
  return syntaxErrorAt(text, at.startOffset, `syntax error at or near "${at.image}"`, options);
}

/**
 * The token types the grammar allows after tokens[0, index), from chevrotain's
 * content assist over the current statement only (statements end at `;`);
 * undefined if it cannot tell or the statement is too long to ask.
 */
function allowedNext(tokens: IToken[], index: number): TokenType[] | undefined {
  let start = index;
  while (start > 0 && (tokens[start - 1] as IToken).tokenType !== token.Semicolon) start--;
  if (index - start > expectedTokensPrefixMax) return undefined;
  try {
    return [...new Set(sqlGrammar.computeContentAssist('statementList', tokens.slice(start, index)).map((path) => path.nextTokenType))];
  } catch {
    return undefined;
  }
}

/** The tokens that may start an expression; listed as "an expression" when all of the primary ones are expected. */
const expressionStarts: ReadonlySet<TokenType> = new Set([
  token.NumberLiteral,
  token.StringLiteral,
  token.True,
  token.False,
  token.Null,
  token.Parameter,
  token.SqlValueFunctionKeyword,
  token.LeftParenthesis,
  token.Cast,
  token.Case,
  token.Name,
  token.Not,
  token.AdditiveOperator,
]);

/** The tokens that may continue an expression; listed as "an operator". */
const operatorContinuations: ReadonlySet<TokenType> = new Set([
  token.GenericOperator,
  token.ComparisonOperator,
  token.AdditiveOperator,
  token.MultiplicativeOperator,
  token.Caret,
  token.DoubleColon,
  token.Is,
  token.Not,
  token.Between,
  token.In,
  token.Like,
  token.Ilike,
  token.And,
  token.Or,
]);

/** The words that start a statement, from the grammar; listed as "a statement" when all are expected. */
const statementStarts: ReadonlySet<TokenType> = new Set(sqlGrammar.computeContentAssist('statement', []).map((path) => path.nextTokenType));

/** The allowed token types in words a user reads: "an expression", "an operator", keywords, punctuation. */
function describeExpected(allowed: readonly TokenType[]): string | undefined {
  if (allowed.length === 0) return undefined;
  const words: string[] = [];
  const expectsExpression = allowed.includes(token.NumberLiteral) && allowed.includes(token.Case);
  const expectsOperator = allowed.filter((type) => operatorContinuations.has(type)).length >= 3;
  const expectsStatement = [...statementStarts].every((type) => allowed.includes(type));
  for (const type of allowed) {
    if (expectsStatement && statementStarts.has(type)) words.push('a statement');
    else if (expectsExpression && expressionStarts.has(type)) words.push('an expression');
    else if (expectsOperator && operatorContinuations.has(type)) words.push('an operator');
    else if (type === token.Semicolon) words.push("';'", 'the end of the input');
    // Only an alias without AS is a bare identifier rather than any name.
    else if (type === token.Identifier || type === token.QuotedIdentifier || type === token.BareAliasKeyword) words.push('an alias');
    else words.push(type.LABEL ?? type.name);
  }
  const listed = [...new Set(words)];
  if (listed.length > expectedTokensListedMax) return `one of ${listed.slice(0, expectedTokensListedMax).join(', ')}, ...`;
  if (listed.length === 1) return listed[0];
  return `${listed.slice(0, -1).join(', ')} or ${listed[listed.length - 1]}`;
}
