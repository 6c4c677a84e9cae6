/**
 * Every token of dmachine's SQL, in one ordered file (STYLE 10). The order of
 * `allTokens` is the lexer's order: the first pattern that matches at an offset
 * wins, so comments come before operators, literals before identifiers, longer
 * keywords before their prefixes, and known operators after the generic one.
 *
 * The lexical rules are PostgreSQL's (src/backend/parser/scan.l, standard_conforming_strings
 * on): keywords are case-insensitive and only whole words (`selected` is an
 * identifier), block comments nest, string literals separated by whitespace that
 * holds a newline are one literal, a number or parameter followed by identifier
 * characters is "trailing junk", and an operator is the longest run of operator
 * characters with PostgreSQL's trailing `+`/`-` rule.
 *
 * Lexing never throws. A literal that cannot be read (unterminated, a bad escape,
 * junk after a number) is still one token, and its payload carries the problem;
 * parse.ts reports it in the order PostgreSQL would (a syntax error earlier in the
 * text wins), always as an SqlSyntaxError.
 */
import { createToken, Lexer, type CustomPatternMatcherReturn, type TokenType } from 'chevrotain';

// ---------------------------------------------------------------------------
// Payloads carried by literal tokens

/** A problem found while reading one token; `offset` is where PostgreSQL points (UTF-16 offset). */
export interface LexicalProblem {
  readonly sqlstate: string;
  readonly message: string;
  readonly hint?: string;
  readonly offset: number;
}

/** The payload of StringLiteral and QuotedIdentifier tokens: the decoded text, or why there is none. */
export type TextPayload = { readonly value: string; readonly problem?: undefined } | { readonly value?: undefined; readonly problem: LexicalProblem };

/** The payload of NumberLiteral tokens. */
export type NumberPayload =
  | { readonly form: 'integer' | 'numeric'; readonly problem?: undefined }
  | { readonly form?: undefined; readonly problem: LexicalProblem };

/** The payload of Parameter tokens: the parameter number of `$n`. */
export type ParameterPayload = { readonly index: number; readonly problem?: undefined } | { readonly index?: undefined; readonly problem: LexicalProblem };

/** Where a lexical error message quotes the text, PostgreSQL quotes from the token to the end of input. */
function problemAt(text: string, offset: number, what: string): LexicalProblem {
  return { sqlstate: '42601', message: `${what} at or near "${text.slice(offset)}"`, offset };
}

function matched(image: string, payload: unknown): CustomPatternMatcherReturn {
  return Object.assign([image] as [string], { payload });
}

// ---------------------------------------------------------------------------
// Character classes (scan.l: ident_start, ident_cont, op_chars)

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isHexDigit = (code: number): boolean => isDigit(code) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
/** Letters, `_`, and every non-ASCII character, as PostgreSQL reads UTF-8 identifiers. */
const isIdentifierStart = (code: number): boolean => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code >= 0x80;
const isIdentifierPart = (code: number): boolean => isIdentifierStart(code) || isDigit(code) || code === 36;

const identifierPattern = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/;

/** End of the identifier characters starting at `offset` (which may be `offset` itself). */
function identifierPartsEnd(text: string, offset: number): number {
  let end = offset;
  while (end < text.length && isIdentifierPart(text.charCodeAt(end))) end++;
  return end;
}

// ---------------------------------------------------------------------------
// Block comments: nested, as in PostgreSQL

/** Offset just past the `*\/` closing the comment opened at `offset`, or -1 when it never closes. */
function blockCommentEnd(text: string, offset: number): number {
  let depth = 0;
  let index = offset;
  while (index < text.length - 1) {
    const pair = text.slice(index, index + 2);
    if (pair === '/*') {
      depth++;
      index += 2;
    } else if (pair === '*/') {
      depth--;
      index += 2;
      if (depth === 0) return index;
    } else {
      index++;
    }
  }
  return -1;
}

function matchBlockComment(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (!text.startsWith('/*', offset)) return null;
  const end = blockCommentEnd(text, offset);
  return end < 0 ? null : [text.slice(offset, end)];
}

function matchUnterminatedBlockComment(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (!text.startsWith('/*', offset)) return null;
  return matched(text.slice(offset), { problem: problemAt(text, offset, 'unterminated /* comment') });
}

// ---------------------------------------------------------------------------
// String literals: '...', E'...', $tag$...$tag$

/**
 * A literal continues after its closing quote when whitespace holding a newline
 * (and possibly `--` comments) leads to another quote (scan.l: quotecontinue).
 */
const quoteContinuation = /(?:[ \t\f\v]|--[^\n\r]*)*[\n\r](?:[ \t\n\r\f\v]|--[^\n\r]*)*'/y;

function continuationEnd(text: string, offset: number): number {
  quoteContinuation.lastIndex = offset;
  return quoteContinuation.test(text) ? quoteContinuation.lastIndex : -1;
}

/** scan.l's unescape_single_char; any other escaped character stands for itself. */
const singleCharacterEscapes: ReadonlyMap<string, string> = new Map([
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);

const unicodeEscapeHint = 'Unicode escapes must be \\uXXXX or \\UXXXXXXXX.';

/** Decoded text of an E'' literal; byte escapes (`\ooo`, `\xhh`) must add up to valid UTF-8. */
class EscapedTextBuilder {
  private readonly parts: string[] = [];
  private bytes: number[] = [];
  problem: LexicalProblem | undefined;

  constructor(private readonly literalOffset: number) {}

  text(value: string): void {
    this.flushBytes();
    this.parts.push(value);
  }

  byte(value: number): void {
    this.bytes.push(value & 0xff);
  }

  finish(): string {
    this.flushBytes();
    return this.parts.join('');
  }

  private flushBytes(): void {
    if (this.bytes.length === 0) return;
    const bytes = Uint8Array.from(this.bytes);
    this.bytes = [];
    const zero = bytes.indexOf(0);
    let decoded: string | undefined;
    if (zero < 0) {
      try {
        decoded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        decoded = undefined;
      }
    }
    if (decoded === undefined) {
      const shown = zero >= 0 ? '0x00' : Array.from(bytes, (byte) => `0x${byte.toString(16).padStart(2, '0')}`).join(' ');
      this.problem ??= { sqlstate: '22021', message: `invalid byte sequence for encoding "UTF8": ${shown}`, offset: this.literalOffset };
      return;
    }
    this.parts.push(decoded);
  }
}

/**
 * Reads the body of one quoted segment starting after its opening quote.
 * Returns the offset just past the closing quote, or -1 if the input ends first.
 */
function readPlainSegment(text: string, start: number, out: string[]): number {
  let index = start;
  for (;;) {
    const quote = text.indexOf("'", index);
    if (quote < 0) return -1;
    out.push(text.slice(index, quote));
    if (text.charCodeAt(quote + 1) === 39) {
      out.push("'");
      index = quote + 2;
    } else {
      return quote + 1;
    }
  }
}

function readEscapedSegment(text: string, start: number, out: EscapedTextBuilder): number {
  let index = start;
  let pendingHighSurrogate = -1;
  const surrogateProblem = (offset: number): void => {
    out.problem ??= { sqlstate: '42601', message: `invalid Unicode surrogate pair at or near "${text.slice(offset, offset + 1)}"`, offset };
  };
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (pendingHighSurrogate >= 0 && !(code === 92 && text.charCodeAt(index + 1) === 117)) {
      surrogateProblem(index);
      pendingHighSurrogate = -1;
    }
    if (code === 39) {
      if (text.charCodeAt(index + 1) === 39) {
        out.text("'");
        index += 2;
        continue;
      }
      return index + 1;
    }
    if (code !== 92) {
      const next = text.indexOf("'", index);
      const backslash = text.indexOf('\\', index);
      const end = Math.min(next < 0 ? text.length : next, backslash < 0 ? text.length : backslash);
      out.text(text.slice(index, end));
      index = end;
      continue;
    }
    // A backslash escape.
    const escaped = text.charCodeAt(index + 1);
    if (Number.isNaN(escaped)) return -1;
    const letter = String.fromCharCode(escaped);
    if (letter === 'u' || letter === 'U') {
      const digits = letter === 'u' ? 4 : 8;
      const hex = text.slice(index + 2, index + 2 + digits);
      if (hex.length !== digits || ![...hex].every((character) => isHexDigit(character.charCodeAt(0)))) {
        out.problem ??= { sqlstate: '22025', message: 'invalid Unicode escape', hint: unicodeEscapeHint, offset: index };
        index += 2;
        continue;
      }
      const value = Number.parseInt(hex, 16);
      index += 2 + digits;
      if (pendingHighSurrogate >= 0) {
        if (value >= 0xdc00 && value <= 0xdfff) out.text(String.fromCharCode(pendingHighSurrogate, value));
        else surrogateProblem(index - 2 - digits);
        pendingHighSurrogate = -1;
      } else if (value >= 0xd800 && value <= 0xdbff) {
        pendingHighSurrogate = value;
      } else if (value >= 0xdc00 && value <= 0xdfff) {
        surrogateProblem(index);
      } else if (value === 0 || value > 0x10ffff) {
        const escapeStart = index - 2 - digits;
        out.problem ??= { sqlstate: '42601', message: `invalid Unicode escape value at or near "${text.slice(escapeStart, index)}"`, offset: escapeStart };
      } else {
        out.text(String.fromCodePoint(value));
      }
      continue;
    }
    if (escaped >= 48 && escaped <= 55) {
      let end = index + 1;
      while (end < index + 4 && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 55) end++;
      out.byte(Number.parseInt(text.slice(index + 1, end), 8));
      index = end;
      continue;
    }
    if (letter === 'x' && isHexDigit(text.charCodeAt(index + 2))) {
      const end = isHexDigit(text.charCodeAt(index + 3)) ? index + 4 : index + 3;
      out.byte(Number.parseInt(text.slice(index + 2, end), 16));
      index = end;
      continue;
    }
    // An escaped surrogate pair written literally (a character outside the BMP) stays whole.
    const width = escaped >= 0xd800 && escaped <= 0xdbff ? 2 : 1;
    out.text(singleCharacterEscapes.get(letter) ?? text.slice(index + 1, index + 1 + width));
    index += 1 + width;
  }
  return -1;
}

/** Dollar-quote delimiter at `offset` (`$$` or `$tag$`), or undefined. */
function dollarDelimiterAt(text: string, offset: number): string | undefined {
  if (text.charCodeAt(offset) !== 36) return undefined;
  let end = offset + 1;
  if (end < text.length && isIdentifierStart(text.charCodeAt(end))) {
    end++;
    while (end < text.length && (isIdentifierStart(text.charCodeAt(end)) || isDigit(text.charCodeAt(end)))) end++;
  }
  return text.charCodeAt(end) === 36 ? text.slice(offset, end + 1) : undefined;
}

function matchStringLiteral(text: string, offset: number): CustomPatternMatcherReturn | null {
  const first = text.charCodeAt(offset);
  if (first === 36) {
    const delimiter = dollarDelimiterAt(text, offset);
    if (delimiter === undefined) return null;
    const bodyStart = offset + delimiter.length;
    const close = text.indexOf(delimiter, bodyStart);
    if (close < 0) return matched(text.slice(offset), { problem: problemAt(text, offset, 'unterminated dollar-quoted string') });
    return matched(text.slice(offset, close + delimiter.length), { value: text.slice(bodyStart, close) });
  }
  const escaped = (first === 69 || first === 101) && text.charCodeAt(offset + 1) === 39;
  if (first !== 39 && !escaped) return null;
  const plainParts: string[] = [];
  const escapedText = new EscapedTextBuilder(offset);
  let index = offset + (escaped ? 2 : 1);
  for (;;) {
    const end = escaped ? readEscapedSegment(text, index, escapedText) : readPlainSegment(text, index, plainParts);
    if (end < 0) return matched(text.slice(offset), { problem: problemAt(text, offset, 'unterminated quoted string') });
    const next = continuationEnd(text, end);
    if (next < 0) {
      const value = escaped ? escapedText.finish() : plainParts.join('');
      const payload: TextPayload = escapedText.problem ? { problem: escapedText.problem } : { value };
      return matched(text.slice(offset, end), payload);
    }
    index = next;
  }
}

// ---------------------------------------------------------------------------
// Quoted identifiers: "Mixed Case", with "" for a quote

function matchQuotedIdentifier(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 34) return null;
  const parts: string[] = [];
  let index = offset + 1;
  for (;;) {
    const quote = text.indexOf('"', index);
    if (quote < 0) return matched(text.slice(offset), { problem: problemAt(text, offset, 'unterminated quoted identifier') });
    parts.push(text.slice(index, quote));
    if (text.charCodeAt(quote + 1) === 34) {
      parts.push('"');
      index = quote + 2;
      continue;
    }
    const image = text.slice(offset, quote + 1);
    const value = parts.join('');
    if (value === '') return matched(image, { problem: { sqlstate: '42601', message: `zero-length delimited identifier at or near "${image}"`, offset } });
    return matched(image, { value });
  }
}

// ---------------------------------------------------------------------------
// Numbers and parameters

/** decinteger, numeric (`1.`, `.5`, `1.5`) and real (`1e5`, `1.5E-3`); identifier characters right after are junk. */
function matchNumberLiteral(text: string, offset: number): CustomPatternMatcherReturn | null {
  let index = offset;
  while (isDigit(text.charCodeAt(index))) index++;
  let form: 'integer' | 'numeric' = 'integer';
  if (index === offset) {
    if (text.charCodeAt(index) !== 46 || !isDigit(text.charCodeAt(index + 1))) return null;
  }
  // `1..2` is an integer followed by `..`, as in PostgreSQL.
  if (text.charCodeAt(index) === 46 && text.charCodeAt(index + 1) !== 46) {
    form = 'numeric';
    index++;
    while (isDigit(text.charCodeAt(index))) index++;
  }
  let junk = false;
  const exponent = text.charCodeAt(index);
  if (exponent === 69 || exponent === 101) {
    let digits = index + 1;
    const sign = text.charCodeAt(digits);
    if (sign === 43 || sign === 45) digits++;
    if (isDigit(text.charCodeAt(digits))) {
      form = 'numeric';
      index = digits;
      while (isDigit(text.charCodeAt(index))) index++;
    } else if (digits > index + 1) {
      junk = true;
      index = digits;
    }
  }
  if (junk || isIdentifierStart(text.charCodeAt(index))) {
    const image = text.slice(offset, identifierPartsEnd(text, index));
    return matched(image, { problem: { sqlstate: '42601', message: `trailing junk after numeric literal at or near "${image}"`, offset } });
  }
  return matched(text.slice(offset, index), { form });
}

/** PostgreSQL reads `$n` into an int; dmachine refuses what does not fit one rather than wrap. */
export const parameterIndexMax = 2 ** 31 - 1;

function matchParameter(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 36 || !isDigit(text.charCodeAt(offset + 1))) return null;
  let index = offset + 1;
  while (isDigit(text.charCodeAt(index))) index++;
  if (isIdentifierStart(text.charCodeAt(index))) {
    const image = text.slice(offset, identifierPartsEnd(text, index));
    return matched(image, { problem: { sqlstate: '42601', message: `trailing junk after parameter at or near "${image}"`, offset } });
  }
  const image = text.slice(offset, index);
  const parameterIndex = Number(image.slice(1));
  if (parameterIndex > parameterIndexMax) return matched(image, { problem: { sqlstate: '42601', message: `parameter number too large at or near "${image}"`, offset } });
  return matched(image, { index: parameterIndex });
}

// ---------------------------------------------------------------------------
// Operators (scan.l: {operator})

const operatorCharacters = '~!@#^&|`?+-*/%<>=';
const isOperatorCharacter = (character: string): boolean => operatorCharacters.includes(character);
/** A trailing `+` or `-` stays part of an operator only if one of these is in it, so `a<-1` is `a < -1`. */
const operatorKeepsTrailingSign = '~!@#^&|`?%';
/** The operators with their own tokens; every other run of operator characters is a GenericOperator. */
const knownOperators = new Set(['=', '<>', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '^']);

/** Length of the operator starting at `offset`, by PostgreSQL's rules; 0 if there is none. */
function operatorLength(text: string, offset: number): number {
  let end = offset;
  while (end < text.length && isOperatorCharacter(text.charAt(end))) end++;
  let length = end - offset;
  const run = text.slice(offset, end);
  // A comment start ends the operator.
  for (const commentStart of ['--', '/*']) {
    const at = run.indexOf(commentStart);
    if (at >= 0 && at < length) length = at;
  }
  if (length > 1 && '+-'.includes(run.charAt(length - 1))) {
    const keeps = [...run.slice(0, length - 1)].some((character) => operatorKeepsTrailingSign.includes(character));
    if (!keeps) {
      do length--;
      while (length > 1 && '+-'.includes(run.charAt(length - 1)));
    }
  }
  return length;
}

function matchGenericOperator(text: string, offset: number): CustomPatternMatcherReturn | null {
  const length = operatorLength(text, offset);
  if (length === 0) return null;
  const image = text.slice(offset, offset + length);
  return knownOperators.has(image) ? null : [image] as [string];
}

// ---------------------------------------------------------------------------
// Token types

/** Category of every token that can be a name without quotes: identifiers and unreserved keywords. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA, label: 'a name' });
/** Category of every name and every keyword, reserved or not: what may follow AS in an alias (PostgreSQL's ColLabel). */
export const Label = createToken({ name: 'Label', pattern: Lexer.NA, label: 'a name' });
/**
 * Category of the unreserved keywords that may also be an alias without AS (`SELECT 1 read`,
 * `FROM jobs ack`), as PostgreSQL's bare labels may. Only words that were plain identifiers
 * before they became keywords are in it (the queue words), so no alias that worked stops working;
 * none of them can follow a select target or a table reference, so the grammar stays unambiguous.
 */
export const BareAliasKeyword = createToken({ name: 'BareAliasKeyword', pattern: Lexer.NA, label: 'an alias' });
/** Category of CURRENT_TIMESTAMP, CURRENT_USER and the other functions written without parentheses. */
export const SqlValueFunctionKeyword = createToken({ name: 'SqlValueFunctionKeyword', pattern: Lexer.NA, label: 'a SQL value function' });
export const ComparisonOperator = createToken({ name: 'ComparisonOperator', pattern: Lexer.NA, label: 'a comparison operator' });
export const AdditiveOperator = createToken({ name: 'AdditiveOperator', pattern: Lexer.NA, label: "'+' or '-'" });
export const MultiplicativeOperator = createToken({ name: 'MultiplicativeOperator', pattern: Lexer.NA, label: "'*', '/' or '%'" });

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\n\r\f\v]+/, group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: { exec: matchBlockComment },
  start_chars_hint: ['/'],
  line_breaks: true,
  group: Lexer.SKIPPED,
});
/** Only ever matches a comment that does not close; its payload carries the error. */
export const UnterminatedBlockComment = createToken({
  name: 'UnterminatedBlockComment',
  pattern: { exec: matchUnterminatedBlockComment },
  start_chars_hint: ['/'],
  line_breaks: true,
});

export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: { exec: matchStringLiteral },
  start_chars_hint: ["'", 'e', 'E', '$'],
  line_breaks: true,
  label: 'a string literal',
});
export const QuotedIdentifier = createToken({
  name: 'QuotedIdentifier',
  pattern: { exec: matchQuotedIdentifier },
  start_chars_hint: ['"'],
  line_breaks: true,
  categories: [Name, Label],
  label: 'a quoted identifier',
});
export const Parameter = createToken({ name: 'Parameter', pattern: { exec: matchParameter }, start_chars_hint: ['$'], label: 'a parameter' });
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: { exec: matchNumberLiteral },
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '.'],
  label: 'a number',
});

export const Identifier = createToken({ name: 'Identifier', pattern: identifierPattern, categories: [Name, Label], label: 'an identifier' });

type KeywordClass = 'reserved' | 'unreserved' | 'unreservedBareAlias' | 'sqlValueFunction';

/**
 * Reserved keywords (PostgreSQL's reserved and type_func_name classes, plus BETWEEN)
 * cannot be names without quotes; unreserved ones can, so a column may be called
 * `key`, `time` or `level`. Some reserved words are here only so that SQL dmachine
 * does not support yet (JOIN, UNION, ...) fails at the word, not one word later.
 */
function keyword(name: string, keywordClass: KeywordClass, pattern?: RegExp): TokenType {
  const label = name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  const categoriesByClass: Record<KeywordClass, TokenType[]> = {
    reserved: [Label],
    unreserved: [Name, Label],
    unreservedBareAlias: [Name, Label, BareAliasKeyword],
    sqlValueFunction: [SqlValueFunctionKeyword, Label],
  };
  const categories = categoriesByClass[keywordClass];
  return createToken({
    name,
    pattern: pattern ?? new RegExp(label.toLowerCase(), 'i'),
    longer_alt: Identifier,
    categories,
    label,
  });
}

export const Abort = keyword('Abort', 'unreserved');
export const Ack = keyword('Ack', 'unreservedBareAlias');
export const All = keyword('All', 'reserved');
export const Alter = keyword('Alter', 'unreserved');
export const Analyze = keyword('Analyze', 'reserved', /analy[sz]e/i);
export const And = keyword('And', 'reserved');
export const As = keyword('As', 'reserved');
export const Asc = keyword('Asc', 'reserved');
export const Begin = keyword('Begin', 'unreserved');
export const Between = keyword('Between', 'reserved');
export const By = keyword('By', 'unreserved');
export const Case = keyword('Case', 'reserved');
export const Cast = keyword('Cast', 'reserved');
export const Check = keyword('Check', 'reserved');
export const Commit = keyword('Commit', 'unreserved');
export const Conflict = keyword('Conflict', 'unreserved');
export const Constraint = keyword('Constraint', 'reserved');
export const Create = keyword('Create', 'reserved');
export const Cross = keyword('Cross', 'reserved');
export const CurrentCatalog = keyword('CurrentCatalog', 'sqlValueFunction');
export const CurrentDate = keyword('CurrentDate', 'sqlValueFunction');
export const CurrentRole = keyword('CurrentRole', 'sqlValueFunction');
export const CurrentSchema = keyword('CurrentSchema', 'sqlValueFunction');
export const CurrentTime = keyword('CurrentTime', 'sqlValueFunction');
export const CurrentTimestamp = keyword('CurrentTimestamp', 'sqlValueFunction');
export const CurrentUser = keyword('CurrentUser', 'sqlValueFunction');
export const Default = keyword('Default', 'reserved');
export const Delete = keyword('Delete', 'unreserved');
export const Dequeue = keyword('Dequeue', 'unreservedBareAlias');
export const Desc = keyword('Desc', 'reserved');
export const Distinct = keyword('Distinct', 'reserved');
export const Do = keyword('Do', 'reserved');
export const Drop = keyword('Drop', 'unreserved');
export const Else = keyword('Else', 'reserved');
export const End = keyword('End', 'reserved');
export const Enqueue = keyword('Enqueue', 'unreservedBareAlias');
export const Escape = keyword('Escape', 'unreserved');
export const Except = keyword('Except', 'reserved');
export const Exists = keyword('Exists', 'unreserved');
export const Explain = keyword('Explain', 'unreserved');
export const False = keyword('False', 'reserved');
export const Fetch = keyword('Fetch', 'reserved');
export const First = keyword('First', 'unreserved');
export const For = keyword('For', 'reserved');
export const Foreign = keyword('Foreign', 'reserved');
export const From = keyword('From', 'reserved');
export const Full = keyword('Full', 'reserved');
export const Group = keyword('Group', 'reserved');
export const Having = keyword('Having', 'reserved');
export const If = keyword('If', 'unreserved');
export const Ilike = keyword('Ilike', 'reserved');
export const In = keyword('In', 'reserved');
export const Inner = keyword('Inner', 'reserved');
export const Insert = keyword('Insert', 'unreserved');
export const Intersect = keyword('Intersect', 'reserved');
export const Into = keyword('Into', 'reserved');
export const Is = keyword('Is', 'reserved');
export const Isolation = keyword('Isolation', 'unreserved');
export const Join = keyword('Join', 'reserved');
export const Key = keyword('Key', 'unreserved');
export const Last = keyword('Last', 'unreserved');
export const Level = keyword('Level', 'unreserved');
export const Like = keyword('Like', 'reserved');
export const Limit = keyword('Limit', 'reserved');
export const Local = keyword('Local', 'unreserved');
export const Localtime = keyword('Localtime', 'sqlValueFunction');
export const Localtimestamp = keyword('Localtimestamp', 'sqlValueFunction');
export const Natural = keyword('Natural', 'reserved');
export const Not = keyword('Not', 'reserved');
export const Nothing = keyword('Nothing', 'unreserved');
export const Null = keyword('Null', 'reserved');
export const Nulls = keyword('Nulls', 'unreserved');
export const Offset = keyword('Offset', 'reserved');
export const On = keyword('On', 'reserved');
export const Or = keyword('Or', 'reserved');
export const Order = keyword('Order', 'reserved');
export const Outer = keyword('Outer', 'reserved');
export const Password = keyword('Password', 'unreserved');
export const Precision = keyword('Precision', 'unreserved');
export const Primary = keyword('Primary', 'reserved');
export const Queue = keyword('Queue', 'unreservedBareAlias');
export const Read = keyword('Read', 'unreservedBareAlias');
export const References = keyword('References', 'reserved');
export const Reset = keyword('Reset', 'unreserved');
export const Returning = keyword('Returning', 'reserved');
export const Rollback = keyword('Rollback', 'unreserved');
export const Select = keyword('Select', 'reserved');
export const Session = keyword('Session', 'unreserved');
export const SessionUser = keyword('SessionUser', 'sqlValueFunction');
/** Named SetKeyword so that it does not hide the global Set; its token name is still Set. */
export const SetKeyword = keyword('Set', 'unreserved');
export const Show = keyword('Show', 'unreserved');
export const Start = keyword('Start', 'unreserved');
export const Table = keyword('Table', 'reserved');
export const Then = keyword('Then', 'reserved');
export const Time = keyword('Time', 'unreserved');
export const To = keyword('To', 'reserved');
export const Transaction = keyword('Transaction', 'unreserved');
export const True = keyword('True', 'reserved');
export const Union = keyword('Union', 'reserved');
export const Unique = keyword('Unique', 'reserved');
export const Unknown = keyword('Unknown', 'unreserved');
export const Update = keyword('Update', 'unreserved');
export const User = keyword('User', 'sqlValueFunction');
export const Using = keyword('Using', 'reserved');
export const Values = keyword('Values', 'unreserved');
export const Varying = keyword('Varying', 'unreserved');
export const Visibility = keyword('Visibility', 'unreservedBareAlias');
export const When = keyword('When', 'reserved');
export const Where = keyword('Where', 'reserved');
export const With = keyword('With', 'reserved');
export const Without = keyword('Without', 'unreserved');
export const Work = keyword('Work', 'unreserved');
export const Zone = keyword('Zone', 'unreserved');

/**
 * Every keyword, longest spelling first: a keyword that is a prefix of another
 * (`in` of `insert`, `time` of `timestamp`) must be tried after it, because
 * longer_alt falls back to Identifier, not to the longer keyword.
 */
const keywords: readonly TokenType[] = [
  Abort, Ack, All, Alter, Analyze, And, As, Asc, Begin, Between, By, Case, Cast, Check, Commit, Conflict, Constraint, Create, Cross,
  CurrentCatalog, CurrentDate, CurrentRole, CurrentSchema, CurrentTime, CurrentTimestamp, CurrentUser, Default, Delete, Dequeue, Desc,
  Distinct, Do, Drop, Else, End, Enqueue, Escape, Except, Exists, Explain, False, Fetch, First, For, Foreign, From, Full, Group, Having,
  If, Ilike, In, Inner, Insert, Intersect, Into, Is, Isolation, Join, Key, Last, Level, Like, Limit, Local, Localtime,
  Localtimestamp, Natural, Not, Nothing, Null, Nulls, Offset, On, Or, Order, Outer, Password, Precision, Primary, Queue, Read,
  References, Reset, Returning, Rollback, Select, Session, SessionUser, SetKeyword, Show, Start, Table, Then, Time, To, Transaction, True, Union,
  Unique, Unknown, Update, User, Using, Values, Varying, Visibility, When, Where, With, Without, Work, Zone,
];

const longestSpellingFirst = (a: TokenType, b: TokenType): number => (b.PATTERN as RegExp).source.length - (a.PATTERN as RegExp).source.length;

export const DoubleColon = createToken({ name: 'DoubleColon', pattern: '::', label: "'::'" });
export const GenericOperator = createToken({
  name: 'GenericOperator',
  pattern: { exec: matchGenericOperator },
  start_chars_hint: [...operatorCharacters],
  label: 'an operator',
});
export const NotEquals = createToken({ name: 'NotEquals', pattern: /<>|!=/, categories: [ComparisonOperator], label: "'<>'" });
export const LessOrEqual = createToken({ name: 'LessOrEqual', pattern: '<=', categories: [ComparisonOperator], label: "'<='" });
export const GreaterOrEqual = createToken({ name: 'GreaterOrEqual', pattern: '>=', categories: [ComparisonOperator], label: "'>='" });
export const Less = createToken({ name: 'Less', pattern: '<', categories: [ComparisonOperator], label: "'<'" });
export const Greater = createToken({ name: 'Greater', pattern: '>', categories: [ComparisonOperator], label: "'>'" });
export const Equals = createToken({ name: 'Equals', pattern: '=', categories: [ComparisonOperator], label: "'='" });
export const Plus = createToken({ name: 'Plus', pattern: '+', categories: [AdditiveOperator], label: "'+'" });
export const Minus = createToken({ name: 'Minus', pattern: '-', categories: [AdditiveOperator], label: "'-'" });
export const Star = createToken({ name: 'Star', pattern: '*', categories: [MultiplicativeOperator], label: "'*'" });
export const Slash = createToken({ name: 'Slash', pattern: '/', categories: [MultiplicativeOperator], label: "'/'" });
export const Percent = createToken({ name: 'Percent', pattern: '%', categories: [MultiplicativeOperator], label: "'%'" });
export const Caret = createToken({ name: 'Caret', pattern: '^', label: "'^'" });
export const LeftParenthesis = createToken({ name: 'LeftParenthesis', pattern: '(', label: "'('" });
export const RightParenthesis = createToken({ name: 'RightParenthesis', pattern: ')', label: "')'" });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: "','" });
export const Semicolon = createToken({ name: 'Semicolon', pattern: ';', label: "';'" });
export const Period = createToken({ name: 'Period', pattern: '.', label: "'.'" });

/** The lexer's order (see the file comment). Categories come first: chevrotain needs them in the vocabulary. */
export const allTokens: readonly TokenType[] = [
  Name,
  Label,
  SqlValueFunctionKeyword,
  BareAliasKeyword,
  ComparisonOperator,
  AdditiveOperator,
  MultiplicativeOperator,
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  StringLiteral,
  QuotedIdentifier,
  Parameter,
  NumberLiteral,
  ...[...keywords].sort(longestSpellingFirst),
  Identifier,
  DoubleColon,
  GenericOperator,
  NotEquals,
  LessOrEqual,
  GreaterOrEqual,
  Less,
  Greater,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Caret,
  LeftParenthesis,
  RightParenthesis,
  Comma,
  Semicolon,
  Period,
];

/** Keywords a name can be without quotes; exported for the grammar docs. */
export const unreservedKeywords: readonly TokenType[] = keywords.filter((token) => token.CATEGORIES?.includes(Name));
export const reservedKeywords: readonly TokenType[] = keywords.filter((token) => !token.CATEGORIES?.includes(Name));
export const bareAliasKeywords: readonly TokenType[] = keywords.filter((token) => token.CATEGORIES?.includes(BareAliasKeyword));

export const sqlLexer = new Lexer([...allTokens], { positionTracking: 'onlyOffset', ensureOptimizations: true });
