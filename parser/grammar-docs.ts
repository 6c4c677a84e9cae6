/**
 * docs/sql-grammar.md, rendered from the grammar itself (chevrotain's grammar
 * AST of parser/grammar.ts, printed as EBNF), the token file (keywords), and a
 * description of every AST node kind kept here as a Record<NodeKind, ...>, so a
 * new node does not compile until it is documented. A test compares the file
 * with renderGrammarDocs() and says how to regenerate it.
 */
import {
  Alternation,
  Alternative,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Terminal,
  type IProduction,
  type TokenType,
} from 'chevrotain';
import { nameBytesMax } from '../common/limits.js';
import type { NodeKind } from './ast.js';
import { nodeKinds } from './ast-children.js';
import { sqlGrammar } from './grammar.js';
import { expectedTokensPrefixMax, nestingDepthMax } from './parse.js';
import * as token from './tokens.js';

export const grammarDocsPath = 'docs/sql-grammar.md';
export const regenerateGeneratedFilesCommand = 'UPDATE_DOCS=1 npx vitest run test/parser/generated-files.test.ts';

type NodeGroup = 'statement' | 'part' | 'expression';

const nodeDocs: Readonly<Record<NodeKind, readonly [group: NodeGroup, description: string]>> = {
  SelectStatement: ['statement', 'SELECT [DISTINCT] targets [FROM table [alias]] [WHERE] [GROUP BY] [HAVING] [ORDER BY] [LIMIT] [OFFSET]; FROM is optional (`SELECT 1`).'],
  InsertStatement: ['statement', 'INSERT INTO table [(columns)] VALUES (...), ... [ON CONFLICT ...] [RETURNING ...].'],
  UpdateStatement: ['statement', 'UPDATE table [alias] SET column = value, ... [WHERE] [RETURNING].'],
  DeleteStatement: ['statement', 'DELETE FROM table [alias] [WHERE] [RETURNING].'],
  CreateTableStatement: ['statement', 'CREATE TABLE [IF NOT EXISTS] table (columns and PRIMARY KEY (...)).'],
  DropTableStatement: ['statement', 'DROP TABLE [IF EXISTS] table.'],
  ExplainStatement: ['statement', 'EXPLAIN [ANALYZE] of a SELECT, INSERT, UPDATE, DELETE, ENQUEUE, DEQUEUE, READ or ACK.'],
  CreateQueueStatement: ['statement', 'CREATE QUEUE [IF NOT EXISTS] queue [WITH (setting = integer, ...)].'],
  DropQueueStatement: ['statement', 'DROP QUEUE [IF EXISTS] queue.'],
  EnqueueStatement: ['statement', 'ENQUEUE INTO queue VALUES (body), ... [RETURNING ...]: exactly one value per row.'],
  DequeueStatement: ['statement', 'DEQUEUE FROM queue [LIMIT n] (no LIMIT ALL).'],
  ReadStatement: ['statement', 'READ FROM queue [LIMIT n] [VISIBILITY seconds], the two clauses in either order, each at most once.'],
  AckStatement: ['statement', 'ACK queue id [, id ...].'],
  BeginStatement: ['statement', 'BEGIN [TRANSACTION | WORK], START TRANSACTION.'],
  CommitStatement: ['statement', 'COMMIT or END [TRANSACTION | WORK].'],
  RollbackStatement: ['statement', 'ROLLBACK or ABORT [TRANSACTION | WORK].'],
  SetStatement: ['statement', 'SET [SESSION | LOCAL] name {TO | =} values | DEFAULT; SET TIME ZONE value (name `timezone`).'],
  ShowStatement: ['statement', 'SHOW name | ALL | TIME ZONE | TRANSACTION ISOLATION LEVEL.'],
  ResetStatement: ['statement', 'RESET name | ALL | TIME ZONE.'],
  CreateUserStatement: ['statement', "CREATE USER name [WITH] [PASSWORD 'secret']."],
  AlterUserStatement: ['statement', "ALTER USER name [WITH] PASSWORD 'secret'."],
  DropUserStatement: ['statement', 'DROP USER [IF EXISTS] name.'],
  Identifier: ['part', 'A name in a list (INSERT columns, conflict target, PRIMARY KEY, SET target), with its location.'],
  TableName: ['part', 'A table name, optionally `schema.table`.'],
  TypeName: ['part', 'A type: canonical PostgreSQL name (`int4`, `float8`, `timestamptz`, `varchar`), the words as written, modifiers.'],
  SelectItem: ['part', 'One output column: expression and alias.'],
  AllColumns: ['part', '`*` or `table.*` in a select list or RETURNING.'],
  TableReference: ['part', 'The table of FROM, UPDATE or DELETE, with its alias.'],
  OrderByItem: ['part', 'ORDER BY expression, ASC | DESC, NULLS FIRST | LAST (resolved to PostgreSQL\'s default when not written).'],
  DefaultValue: ['part', 'DEFAULT in place of a value in VALUES or SET.'],
  Assignment: ['part', '`column = value` of UPDATE and ON CONFLICT DO UPDATE.'],
  ConflictDoNothing: ['part', 'ON CONFLICT ... DO NOTHING.'],
  ConflictDoUpdate: ['part', 'ON CONFLICT (...) DO UPDATE SET ... [WHERE]; `excluded.column` is the proposed row.'],
  OnConflictClause: ['part', 'ON CONFLICT [(columns)] and its action.'],
  ColumnDefinition: ['part', 'A column of CREATE TABLE: name, type, PRIMARY KEY, NOT NULL | NULL, DEFAULT.'],
  PrimaryKeyConstraint: ['part', 'PRIMARY KEY (hash column [, sort column]) as a table element.'],
  QueueSetting: ['part', 'One `name = integer` of CREATE QUEUE ... WITH (...) (visibility, body_bytes_max, segment_bytes_max; the compiler checks the name).'],
  SettingValue: ['part', 'One value of SET: a word, a string or a signed number, as text.'],
  IntegerLiteral: ['expression', 'An integer: its text and its exact value as a bigint (a folded unary minus included).'],
  NumericLiteral: ['expression', 'A number with a point or an exponent, kept as text.'],
  StringLiteral: ['expression', "A string ('', E'', $$), decoded."],
  BooleanLiteral: ['expression', 'TRUE or FALSE.'],
  NullLiteral: ['expression', 'NULL.'],
  Parameter: ['expression', '`$n`, numbered from 1.'],
  ColumnReference: ['expression', '`column` or `table.column` (`excluded.column` included).'],
  FunctionCall: ['expression', '`[schema.]name(arguments)`, `count(*)`, `count(DISTINCT x)`; aggregates are function calls.'],
  SqlValueFunction: ['expression', 'CURRENT_TIMESTAMP, CURRENT_USER and the other functions written without parentheses.'],
  UnaryExpression: ['expression', 'Unary `-` or `+` (a minus on a number literal is folded into the literal).'],
  BinaryExpression: ['expression', 'Arithmetic, comparison, `||` and any other operator, by its spelling (`!=` as `<>`).'],
  LogicalExpression: ['expression', 'AND or OR over two or more operands (chains flattened).'],
  NotExpression: ['expression', 'NOT x.'],
  IsExpression: ['expression', 'x IS [NOT] NULL | TRUE | FALSE | UNKNOWN.'],
  DistinctFromExpression: ['expression', 'a IS [NOT] DISTINCT FROM b.'],
  BetweenExpression: ['expression', 'x [NOT] BETWEEN low AND high.'],
  InListExpression: ['expression', 'x [NOT] IN (list).'],
  LikeExpression: ['expression', 'x [NOT] LIKE | ILIKE pattern [ESCAPE e].'],
  CastExpression: ['expression', "`x::type`, `CAST(x AS type)`, and typed literals `type 'text'`."],
  CaseExpression: ['expression', 'CASE [operand] WHEN ... THEN ... [ELSE ...] END.'],
  CaseWhen: ['expression', 'One WHEN ... THEN ... of a CASE.'],
};

const groupTitles: Readonly<Record<NodeGroup, string>> = {
  statement: 'Statements',
  part: 'Parts of statements',
  expression: 'Expressions',
};

// ---------------------------------------------------------------------------
// EBNF from chevrotain's grammar AST

/** Token classes (categories and literals) by what they stand for; keywords print as their word, punctuation quoted. */
const terminalNames = new Map<TokenType, string>([
  [token.Name, 'name'],
  [token.Label, 'label'],
  [token.Identifier, 'identifier'],
  [token.QuotedIdentifier, 'quoted-identifier'],
  [token.StringLiteral, 'string'],
  [token.NumberLiteral, 'number'],
  [token.Parameter, 'parameter'],
  [token.SqlValueFunctionKeyword, 'sql-value-function'],
  [token.BareAliasKeyword, 'bare-alias-keyword'],
  [token.ComparisonOperator, 'comparison-operator'],
  [token.AdditiveOperator, 'sign'],
  [token.MultiplicativeOperator, 'multiplicative-operator'],
  [token.GenericOperator, 'other-operator'],
]);

function terminal(type: TokenType): string {
  const named = terminalNames.get(type);
  if (named !== undefined) return `<${named}>`;
  return type.LABEL ?? type.name;
}

function sequence(productions: readonly IProduction[]): string {
  return productions.map(production).join(' ');
}

/** chevrotain types an alternation's definition as plain productions; each is an Alternative. */
function alternativesOf(alternation: Alternation): string[] {
  return alternation.definition.map((alternative) => production(alternative));
}

function production(item: IProduction): string {
  if (item instanceof Terminal) return terminal(item.terminalType);
  if (item instanceof NonTerminal) return item.nonTerminalName;
  if (item instanceof Option) return `[ ${sequence(item.definition)} ]`;
  if (item instanceof Repetition) return `{ ${sequence(item.definition)} }`;
  if (item instanceof RepetitionMandatory) return `{ ${sequence(item.definition)} }+`;
  if (item instanceof RepetitionWithSeparator) return `[ ${sequence(item.definition)} { ${terminal(item.separator)} ${sequence(item.definition)} } ]`;
  if (item instanceof RepetitionMandatoryWithSeparator) return `${sequence(item.definition)} { ${terminal(item.separator)} ${sequence(item.definition)} }`;
  if (item instanceof Alternation) return `( ${alternativesOf(item).join(' | ')} )`;
  if (item instanceof Alternative) return sequence(item.definition);
  throw new Error(`grammar docs: unknown production ${item.constructor.name}`);
}

export function renderGrammarEbnf(): string {
  const rules = Object.values(sqlGrammar.getGAstProductions());
  const width = Math.max(...rules.map((rule) => rule.name.length));
  return rules
    .map((rule) => {
      const [only] = rule.definition;
      // A rule that is one alternation prints one alternative per line.
      if (rule.definition.length === 1 && only instanceof Alternation) {
        const alternatives = alternativesOf(only);
        return `${rule.name.padEnd(width)} ::= ${alternatives.join(`\n${' '.repeat(width)}   | `)}`;
      }
      return `${rule.name.padEnd(width)} ::= ${sequence(rule.definition)}`;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------
// The document

const keywordList = (keywords: readonly TokenType[]): string =>
  keywords
    .map((keyword) => keyword.LABEL ?? keyword.name)
    .sort()
    .map((word) => `\`${word}\``)
    .join(' ');

export function renderGrammarDocs(): string {
  const nodeSections = (Object.keys(groupTitles) as NodeGroup[]).map((group) => {
    const rows = nodeKinds.filter((kind) => nodeDocs[kind][0] === group).map((kind) => `| \`${kind}\` | ${nodeDocs[kind][1]} |`);
    return [`### ${groupTitles[group]}`, '', '| kind | what it is |', '|---|---|', ...rows].join('\n');
  });
  return `# dmachine SQL grammar

<!-- Generated from parser/grammar.ts, parser/tokens.ts and parser/grammar-docs.ts. Do not edit; regenerate with: ${regenerateGeneratedFilesCommand} -->

The SQL dmachine reads (DESIGN §5 and §6), as the parser in \`parser/\` implements it: a chevrotain
lexer (\`tokens.ts\`), a grammar without actions (\`grammar.ts\`), a visitor from the concrete syntax
tree to frozen, tagged AST nodes (\`cst-to-ast.ts\`, \`ast.ts\`), and the entry points \`parseStatements\`
and \`parseStatement\` (\`parse.ts\`). The parser knows no tables, types or functions: the compiler
resolves them.

## Lexical structure

As PostgreSQL's scanner with \`standard_conforming_strings\` on:

* Keywords are case-insensitive and whole words only: \`selected\` is an identifier.
* Identifiers fold to lower case (ASCII letters only, as PostgreSQL does for UTF-8) unless double-quoted:
  \`"Mixed Case"\`, with \`""\` for a quote inside; \`""\` alone is an error. Names longer than
  ${nameBytesMax} bytes are truncated at a character boundary, silently (PostgreSQL adds a NOTICE).
* Strings: \`'it''s'\`; \`E'...'\` with \`\\b \\f \\n \\r \\t \\\\ \\'\`, octal \`\\ooo\`, hex \`\\xhh\`,
  \`\\uXXXX\` and \`\\UXXXXXXXX\` (byte escapes must add up to valid UTF-8, as PostgreSQL checks); dollar
  quotes \`$$...$$\` and \`$tag$...$tag$\`. Two literals separated by whitespace holding a newline are one.
* Numbers: integers (\`42\`, kept exactly at any size), numerics (\`1.5\`, \`.5\`, \`5.\`, \`1e10\`, kept as
  text). Identifier characters right after a number or parameter are "trailing junk", an error.
* Parameters: \`$1\`, \`$2\`, ...
* Operators: \`= <> != < <= > >= + - * / % ^ || :: ( ) , ; .\`; any other run of \`\` ~!@#^&|\`?+-*/%<>= \`\` is
  an operator too (\`->>\`, \`@>\`), with PostgreSQL's rule that a trailing \`+\`/\`-\` is split off unless the
  run holds one of \`\` ~!@#^&|\`?% \`\` (so \`a<-1\` is \`a < -1\`).
* Comments: \`-- to end of line\` and \`/* block */\`, which nest.

## Keywords

Reserved, never a name unless quoted (though any keyword may follow \`AS\` in an alias):
${keywordList(token.reservedKeywords)}

Unreserved, also usable as names (a column may be called \`key\` or \`time\`):
${keywordList(token.unreservedKeywords)}

Of these, the ones that may also be an alias without \`AS\` (\`<bare-alias-keyword>\`: \`SELECT 1 read\`,
\`FROM jobs ack\`), as PostgreSQL's bare labels may; they were identifiers before they were keywords:
${keywordList(token.bareAliasKeywords)}

Type names are not keywords; \`TypeName.name\` is PostgreSQL's canonical name: \`int\`, \`integer\` → \`int4\`;
\`smallint\` → \`int2\`; \`bigint\` → \`int8\`; \`real\` → \`float4\`; \`float\`, \`double precision\` → \`float8\`;
\`boolean\` → \`bool\`; \`varchar\`, \`character varying\` → \`varchar\`; \`char\`, \`character\` → \`bpchar\`;
\`decimal\` → \`numeric\`; \`timestamp with time zone\` → \`timestamptz\`; other names as written.

## Operator precedence

Loosest first, as in PostgreSQL; each level is one grammar rule.

| level | operators | associativity |
|---|---|---|
| \`expression\` | \`OR\` | left |
| \`andExpression\` | \`AND\` | left |
| \`notExpression\` | \`NOT\` (prefix) | right |
| \`isExpression\` | \`IS [NOT] NULL / TRUE / FALSE / UNKNOWN\`, \`IS [NOT] DISTINCT FROM\` | left |
| \`comparisonExpression\` | \`= <> != < <= > >=\` | none: \`a = b = c\` is an error |
| \`patternExpression\` | \`[NOT] BETWEEN\`, \`[NOT] IN\`, \`[NOT] LIKE\`, \`[NOT] ILIKE\` | none |
| \`operatorExpression\` | \`\\|\\|\` and every other operator | left |
| \`additiveExpression\` | \`+ -\` | left |
| \`multiplicativeExpression\` | \`* / %\` | left |
| \`exponentExpression\` | \`^\` | left |
| \`unaryExpression\` | \`+ -\` (prefix) | right |
| \`castExpression\` | \`::type\` | left |
| \`primaryExpression\` | literals, \`$n\`, names, calls, \`( )\`, \`CAST\`, \`CASE\` | |

## Errors

Every error is an \`SqlSyntaxError\` (an \`SqlError\`) with PostgreSQL's message and a \`position\`: the
1-based character offset in the whole text, earlier statements included.

* \`syntax error at or near "FROM"\` / \`syntax error at end of input\` (42601), with the detail
  \`Expected ...\` listing what the grammar allows there.
* \`unterminated quoted string\`, \`unterminated quoted identifier\`, \`unterminated dollar-quoted string\`,
  \`unterminated /* comment\`, \`zero-length delimited identifier\`, \`trailing junk after numeric literal\`
  (42601). A syntax error earlier in the text is reported first, as PostgreSQL reads as it parses.
* \`trailing junk after parameter\`, \`parameter number too large\` (beyond 2^31 - 1, where PostgreSQL would
  wrap), \`invalid Unicode surrogate pair\`, \`invalid Unicode escape value\` (42601).
* \`invalid Unicode escape\` (22025) and \`invalid byte sequence for encoding "UTF8"\` (22021) in \`E''\`;
  \`precision for type float must be ...\` (22023) for \`float(p)\`.
* \`conflicting NULL/NOT NULL declarations\`, \`multiple default values specified\`, and \`ON CONFLICT DO UPDATE
  requires inference specification or constraint name\` (42601), raised while building the AST, as PostgreSQL does.
* \`each row of ENQUEUE must hold exactly one value, the message body\` (42601, at the row), and
  \`invalid value for integer option "visibility": 1.5\` (22023) for a queue setting that is not an integer.
* \`stack depth limit exceeded\` (54001): parentheses and CASE nest at most ${nestingDepthMax} deep.
* Past ${expectedTokensPrefixMax} tokens into a statement, a syntax error carries no \`Expected ...\` detail (computing it
  would cost more than the parse).

## Grammar

\`[ x ]\` optional, \`{ x }\` any number of times, \`{ x }+\` at least once, \`( a | b )\` one of; \`<name>\` is
any identifier, quoted identifier or unreserved keyword, \`<label>\` any of those or a reserved keyword.
The start rule is \`statementList\`.

\`\`\`ebnf
${renderGrammarEbnf()}
\`\`\`

The queue statements (CREATE QUEUE, DROP QUEUE, ENQUEUE, DEQUEUE, READ, ACK; docs/queues.md) name the queue
with \`tableName\`. An \`enqueueRow\` parses any number of values so that a row of other than one gets its own
message. READ takes LIMIT and VISIBILITY in either order, each at most once.

## AST nodes

Every node is frozen and has a \`kind\`; statements have a \`span\` (UTF-16 offsets of their first token
and just past their last), most other nodes a \`location\` (where PostgreSQL would point an error about
them). Fields are in \`parser/ast.ts\`; \`childNodes\` (\`parser/ast-children.ts\`) walks any node.

${nodeSections.join('\n\n')}
`;
}
