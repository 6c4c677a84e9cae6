/**
 * The abstract syntax tree: what the grammar means, with no semantics yet (the
 * compiler resolves names, types and keys). Every node is tagged by `kind`,
 * frozen when built, and listed in `AstNode`, so a visitor typed as
 * `Record<NodeKind, ...>` (see ast-children.ts and grammar-docs.ts) stops
 * compiling when a node is added until it handles it (STYLE 10).
 *
 * Positions: a statement's `span` and a node's `location` are UTF-16 offsets
 * (JavaScript string indexes, 0-based) into the whole text given to
 * parseStatements, so `text.slice(span.start, span.end)` is the statement. Where
 * a node has a `location` it is where PostgreSQL would point an error about that
 * node: an operator's own token, a function's name, a column reference's first
 * name. `characterPosition` (parse.ts) turns one into the 1-based character
 * position of the ErrorResponse.
 *
 * Names are folded to lower case unless they were quoted, and truncated to
 * 63 bytes (nameBytesMax), as PostgreSQL does.
 *
 * Sections: names and types; expressions; table statements; queue statements;
 * session statements; the unions.
 */

export interface SourceSpan {
  /** Offset of the statement's first token. */
  readonly start: number;
  /** Offset just past its last token (not including the `;`). */
  readonly end: number;
}

// ---------------------------------------------------------------------------
// Names and types

/** A name written in a list: a column of INSERT, ON CONFLICT or PRIMARY KEY, a SET target. */
export interface Identifier {
  readonly kind: 'Identifier';
  readonly name: string;
  readonly location: number;
}

/** A table or queue name, optionally qualified by a schema. */
export interface TableName {
  readonly kind: 'TableName';
  readonly schema: string | null;
  readonly name: string;
  readonly location: number;
}

/**
 * A type as written in a column definition, `::`, CAST or a typed literal
 * (`timestamptz '2024-01-01'`). `name` is PostgreSQL's canonical name
 * (`integer` → `int4`, `character varying` → `varchar`, `double precision` →
 * `float8`, `timestamp with time zone` → `timestamptz`); names PostgreSQL does not
 * alias pass through, so the compiler decides what exists (`real` → `float4`).
 * A quoted name is taken as is, without aliasing, as PostgreSQL does.
 */
export interface TypeName {
  readonly kind: 'TypeName';
  readonly schema: string | null;
  readonly name: string;
  /** The words as written, folded and single-spaced: `character varying`, `int`. */
  readonly written: string;
  /** Type modifiers: `varchar(255)` → [255], `numeric(10, 2)` → [10, 2]. */
  readonly modifiers: readonly number[];
  readonly location: number;
}

// ---------------------------------------------------------------------------
// Expressions

/** An integer literal. `value` is exact at any size; whether it fits int4, int8 or only numeric is the compiler's call. */
export interface IntegerLiteral {
  readonly kind: 'IntegerLiteral';
  /** The digits as written, with a `-` when a unary minus was folded in (`-9223372036854775808`). */
  readonly text: string;
  readonly value: bigint;
  readonly location: number;
}

/** A literal with a point or an exponent; kept as text so no precision is lost. */
export interface NumericLiteral {
  readonly kind: 'NumericLiteral';
  readonly text: string;
  readonly location: number;
}

/** A string literal of any form ('', E'', $$), already decoded. Its type is unknown until the compiler decides. */
export interface StringLiteral {
  readonly kind: 'StringLiteral';
  readonly value: string;
  readonly location: number;
}

export interface BooleanLiteral {
  readonly kind: 'BooleanLiteral';
  readonly value: boolean;
  readonly location: number;
}

export interface NullLiteral {
  readonly kind: 'NullLiteral';
  readonly location: number;
}

/** `$1`: a parameter of the extended query protocol, numbered from 1. */
export interface Parameter {
  readonly kind: 'Parameter';
  readonly index: number;
  readonly location: number;
}

/** `column` or `table.column`; `excluded.column` in ON CONFLICT DO UPDATE is an ordinary qualified reference. */
export interface ColumnReference {
  readonly kind: 'ColumnReference';
  readonly table: string | null;
  readonly column: string;
  readonly location: number;
}

/** `name(arguments)`; aggregates (count, sum, min, max, avg) are function calls too, and the compiler tells them apart. */
export interface FunctionCall {
  readonly kind: 'FunctionCall';
  readonly schema: string | null;
  readonly name: string;
  readonly arguments: readonly Expression[];
  /** `count(*)`: no arguments, and the star. */
  readonly star: boolean;
  /** `count(DISTINCT x)`. */
  readonly distinct: boolean;
  readonly location: number;
}

export const sqlValueFunctionNames = [
  'current_catalog',
  'current_date',
  'current_role',
  'current_schema',
  'current_time',
  'current_timestamp',
  'current_user',
  'localtime',
  'localtimestamp',
  'session_user',
  'user',
] as const;
export type SqlValueFunctionName = (typeof sqlValueFunctionNames)[number];

/** The SQL-standard functions written without parentheses: CURRENT_TIMESTAMP, CURRENT_USER, ... */
export interface SqlValueFunction {
  readonly kind: 'SqlValueFunction';
  readonly name: SqlValueFunctionName;
  readonly location: number;
}

/** Unary minus on a number literal is folded into the literal instead, as PostgreSQL does. */
export interface UnaryExpression {
  readonly kind: 'UnaryExpression';
  readonly operator: '-' | '+';
  readonly operand: Expression;
  readonly location: number;
}

/** Operators with their own precedence level; `!=` is read as `<>`. */
export type KnownBinaryOperator = '+' | '-' | '*' | '/' | '%' | '^' | '=' | '<>' | '<' | '<=' | '>' | '>=' | '||';
/** Any other run of operator characters (`->>`, `@>`, `~`) parses at the `||` level; the compiler says whether it exists. */
export type BinaryOperator = KnownBinaryOperator | (string & {});

export interface BinaryExpression {
  readonly kind: 'BinaryExpression';
  readonly operator: BinaryOperator;
  readonly left: Expression;
  readonly right: Expression;
  readonly location: number;
}

/** AND or OR over two or more operands; a chain of the same operator is one node, as PostgreSQL's BoolExpr. */
export interface LogicalExpression {
  readonly kind: 'LogicalExpression';
  readonly operator: 'and' | 'or';
  readonly operands: readonly Expression[];
  readonly location: number;
}

export interface NotExpression {
  readonly kind: 'NotExpression';
  readonly operand: Expression;
  readonly location: number;
}

/** `x IS [NOT] NULL | TRUE | FALSE | UNKNOWN`. */
export interface IsExpression {
  readonly kind: 'IsExpression';
  readonly operand: Expression;
  readonly test: 'null' | 'true' | 'false' | 'unknown';
  readonly negated: boolean;
  readonly location: number;
}

/** `a IS [NOT] DISTINCT FROM b`: equality that treats NULL as a value. `negated` is IS NOT DISTINCT FROM. */
export interface DistinctFromExpression {
  readonly kind: 'DistinctFromExpression';
  readonly left: Expression;
  readonly right: Expression;
  readonly negated: boolean;
  readonly location: number;
}

export interface BetweenExpression {
  readonly kind: 'BetweenExpression';
  readonly operand: Expression;
  readonly low: Expression;
  readonly high: Expression;
  readonly negated: boolean;
  readonly location: number;
}

/** `x [NOT] IN (a, b, ...)`: a list of expressions (subqueries come later). */
export interface InListExpression {
  readonly kind: 'InListExpression';
  readonly operand: Expression;
  readonly list: readonly Expression[];
  readonly negated: boolean;
  readonly location: number;
}

/** `x [NOT] LIKE | ILIKE pattern [ESCAPE e]`. */
export interface LikeExpression {
  readonly kind: 'LikeExpression';
  readonly operand: Expression;
  readonly pattern: Expression;
  readonly escape: Expression | null;
  readonly caseInsensitive: boolean;
  readonly negated: boolean;
  readonly location: number;
}

/** `x::type`, `CAST(x AS type)` and typed literals `type 'text'`. */
export interface CastExpression {
  readonly kind: 'CastExpression';
  readonly operand: Expression;
  readonly type: TypeName;
  readonly location: number;
}

/** `CASE [operand] WHEN ... THEN ... [ELSE ...] END`; with an operand each WHEN holds the value compared to it. */
export interface CaseExpression {
  readonly kind: 'CaseExpression';
  readonly operand: Expression | null;
  readonly whens: readonly CaseWhen[];
  readonly elseResult: Expression | null;
  readonly location: number;
}

export interface CaseWhen {
  readonly kind: 'CaseWhen';
  readonly condition: Expression;
  readonly result: Expression;
  readonly location: number;
}

export type Literal = IntegerLiteral | NumericLiteral | StringLiteral | BooleanLiteral | NullLiteral;

export type Expression =
  | Literal
  | Parameter
  | ColumnReference
  | FunctionCall
  | SqlValueFunction
  | UnaryExpression
  | BinaryExpression
  | LogicalExpression
  | NotExpression
  | IsExpression
  | DistinctFromExpression
  | BetweenExpression
  | InListExpression
  | LikeExpression
  | CastExpression
  | CaseExpression;

// ---------------------------------------------------------------------------
// Parts shared by the table statements

/** One output column: `expression [AS alias]`. */
export interface SelectItem {
  readonly kind: 'SelectItem';
  readonly expression: Expression;
  readonly alias: string | null;
}

/** `*` or `table.*` in a select list or RETURNING. */
export interface AllColumns {
  readonly kind: 'AllColumns';
  readonly table: string | null;
  readonly location: number;
}

export type SelectTarget = SelectItem | AllColumns;

/** The table a statement reads or changes, with its alias. (Joins will make FROM a list of these.) */
export interface TableReference {
  readonly kind: 'TableReference';
  readonly table: TableName;
  readonly alias: string | null;
}

export interface OrderByItem {
  readonly kind: 'OrderByItem';
  readonly expression: Expression;
  readonly direction: 'asc' | 'desc';
  /** Resolved as PostgreSQL does when not written: NULLS LAST for ASC, NULLS FIRST for DESC. */
  readonly nulls: 'first' | 'last';
}

/** DEFAULT written in place of a value in VALUES or SET. */
export interface DefaultValue {
  readonly kind: 'DefaultValue';
  readonly location: number;
}

export type ValueItem = Expression | DefaultValue;

/** `column = value` in UPDATE SET and ON CONFLICT DO UPDATE SET. */
export interface Assignment {
  readonly kind: 'Assignment';
  readonly column: Identifier;
  readonly value: ValueItem;
}

export interface ConflictDoNothing {
  readonly kind: 'ConflictDoNothing';
}

/** DO UPDATE SET ...; the proposed row is `excluded`, the existing one the table's own name. */
export interface ConflictDoUpdate {
  readonly kind: 'ConflictDoUpdate';
  readonly assignments: readonly Assignment[];
  readonly where: Expression | null;
}

export interface OnConflictClause {
  readonly kind: 'OnConflictClause';
  /** The conflict target columns; null when omitted (allowed with DO NOTHING only). */
  readonly target: readonly Identifier[] | null;
  readonly action: ConflictDoNothing | ConflictDoUpdate;
  readonly location: number;
}

// ---------------------------------------------------------------------------
// Table statements (DESIGN §5)

export interface SelectStatement {
  readonly kind: 'SelectStatement';
  readonly span: SourceSpan;
  readonly distinct: boolean;
  /** Empty for `SELECT FROM t`, which PostgreSQL allows. */
  readonly items: readonly SelectTarget[];
  readonly from: TableReference | null;
  readonly where: Expression | null;
  readonly groupBy: readonly Expression[];
  readonly having: Expression | null;
  readonly orderBy: readonly OrderByItem[];
  /** Null when absent or LIMIT ALL. */
  readonly limit: Expression | null;
  readonly offset: Expression | null;
}

export interface InsertStatement {
  readonly kind: 'InsertStatement';
  readonly span: SourceSpan;
  readonly table: TableName;
  /** Null when no column list is written: the table's columns in order. */
  readonly columns: readonly Identifier[] | null;
  readonly rows: readonly (readonly ValueItem[])[];
  readonly onConflict: OnConflictClause | null;
  /** Null without RETURNING. */
  readonly returning: readonly SelectTarget[] | null;
}

export interface UpdateStatement {
  readonly kind: 'UpdateStatement';
  readonly span: SourceSpan;
  readonly table: TableReference;
  readonly assignments: readonly Assignment[];
  readonly where: Expression | null;
  readonly returning: readonly SelectTarget[] | null;
}

export interface DeleteStatement {
  readonly kind: 'DeleteStatement';
  readonly span: SourceSpan;
  readonly table: TableReference;
  readonly where: Expression | null;
  readonly returning: readonly SelectTarget[] | null;
}

export interface ColumnDefinition {
  readonly kind: 'ColumnDefinition';
  readonly name: string;
  readonly type: TypeName;
  /** Written `PRIMARY KEY` on the column itself. */
  readonly primaryKey: boolean;
  /** NOT NULL, NULL, or neither written (PostgreSQL refuses both). */
  readonly nullability: 'notNull' | 'null' | 'unspecified';
  readonly default: Expression | null;
  readonly location: number;
}

/** `PRIMARY KEY (a [, b])`: the first column is hashed into the pointer, the second is the sort key (DESIGN §1). */
export interface PrimaryKeyConstraint {
  readonly kind: 'PrimaryKeyConstraint';
  readonly columns: readonly Identifier[];
  readonly location: number;
}

export type TableConstraint = PrimaryKeyConstraint;

export interface CreateTableStatement {
  readonly kind: 'CreateTableStatement';
  readonly span: SourceSpan;
  readonly ifNotExists: boolean;
  readonly table: TableName;
  readonly columns: readonly ColumnDefinition[];
  /** Table-level constraints in the order written; a column's own PRIMARY KEY stays on the column. */
  readonly constraints: readonly TableConstraint[];
}

export interface DropTableStatement {
  readonly kind: 'DropTableStatement';
  readonly span: SourceSpan;
  readonly ifExists: boolean;
  readonly table: TableName;
}

/** The statements EXPLAIN accepts: those that compile to a program over the memory. */
export type ExplainableStatement = SelectStatement | InsertStatement | UpdateStatement | DeleteStatement | QueueDataStatement;

export interface ExplainStatement {
  readonly kind: 'ExplainStatement';
  readonly span: SourceSpan;
  readonly analyze: boolean;
  readonly statement: ExplainableStatement;
}

// ---------------------------------------------------------------------------
// Queue statements (DESIGN §5, docs/queues.md)

/** `name = integer` in CREATE QUEUE ... WITH (...): visibility, body_bytes_max, segment_bytes_max; the compiler refuses other names. */
export interface QueueSetting {
  readonly kind: 'QueueSetting';
  /** Folded, as any name. */
  readonly name: string;
  /** A sign written before the number is folded into it, as in expressions. */
  readonly value: IntegerLiteral;
  /** The setting's name. */
  readonly location: number;
}

export interface CreateQueueStatement {
  readonly kind: 'CreateQueueStatement';
  readonly span: SourceSpan;
  readonly ifNotExists: boolean;
  readonly queue: TableName;
  /** In the order written; empty without WITH. Repeated names are the compiler's to refuse. */
  readonly settings: readonly QueueSetting[];
}

export interface DropQueueStatement {
  readonly kind: 'DropQueueStatement';
  readonly span: SourceSpan;
  readonly ifExists: boolean;
  readonly queue: TableName;
}

/** `ENQUEUE INTO q VALUES (body), ... [RETURNING ...]`: one message per row, in order. */
export interface EnqueueStatement {
  readonly kind: 'EnqueueStatement';
  readonly span: SourceSpan;
  readonly queue: TableName;
  /** One expression per VALUES row: the message body. */
  readonly bodies: readonly Expression[];
  /** Null without RETURNING; the targets are the message's columns (id, enqueued_at, body). */
  readonly returning: readonly SelectTarget[] | null;
}

/** `DEQUEUE FROM q [LIMIT n]`: takes messages for good. */
export interface DequeueStatement {
  readonly kind: 'DequeueStatement';
  readonly span: SourceSpan;
  readonly queue: TableName;
  /** Null when not written: the compiler's default count. */
  readonly limit: Expression | null;
}

/** `READ FROM q [LIMIT n] [VISIBILITY seconds]` (the two clauses in either order): leases messages. */
export interface ReadStatement {
  readonly kind: 'ReadStatement';
  readonly span: SourceSpan;
  readonly queue: TableName;
  readonly limit: Expression | null;
  /** Seconds of the lease; null when not written: the queue's `visibility` setting. */
  readonly visibility: Expression | null;
}

/** `ACK q id [, id ...]`: acknowledges leased messages. */
export interface AckStatement {
  readonly kind: 'AckStatement';
  readonly span: SourceSpan;
  readonly queue: TableName;
  readonly ids: readonly Expression[];
}

// ---------------------------------------------------------------------------
// Session statements (DESIGN §6)

/** BEGIN [TRANSACTION | WORK] and START TRANSACTION. */
export interface BeginStatement {
  readonly kind: 'BeginStatement';
  readonly span: SourceSpan;
}

/** COMMIT and END, each with optional TRANSACTION or WORK. */
export interface CommitStatement {
  readonly kind: 'CommitStatement';
  readonly span: SourceSpan;
}

/** ROLLBACK and ABORT, each with optional TRANSACTION or WORK. */
export interface RollbackStatement {
  readonly kind: 'RollbackStatement';
  readonly span: SourceSpan;
}

/** One value of SET, kept as PostgreSQL hands it to the setting: a word (folded), a string, or a signed number's text. */
export interface SettingValue {
  readonly kind: 'SettingValue';
  readonly form: 'word' | 'string' | 'number';
  readonly text: string;
  readonly location: number;
}

/** `SET [SESSION | LOCAL] name {TO | =} value [, ...]`; SET TIME ZONE sets `timezone`, as in PostgreSQL. */
export interface SetStatement {
  readonly kind: 'SetStatement';
  readonly span: SourceSpan;
  readonly scope: 'session' | 'local';
  /** Folded; dotted names (`app.tenant`) are joined by `.`. */
  readonly name: string;
  /** Null for `TO DEFAULT` (and SET TIME ZONE DEFAULT | LOCAL): back to the default value. */
  readonly values: readonly SettingValue[] | null;
}

/** `SHOW name`; SHOW ALL is `all`, SHOW TIME ZONE `timezone`, SHOW TRANSACTION ISOLATION LEVEL `transaction_isolation`. */
export interface ShowStatement {
  readonly kind: 'ShowStatement';
  readonly span: SourceSpan;
  readonly name: string;
}

/** `RESET name`; RESET ALL is `all`, RESET TIME ZONE `timezone`. */
export interface ResetStatement {
  readonly kind: 'ResetStatement';
  readonly span: SourceSpan;
  readonly name: string;
}

export interface CreateUserStatement {
  readonly kind: 'CreateUserStatement';
  readonly span: SourceSpan;
  readonly name: string;
  /** The password as written (the wire layer stores only a SCRAM verifier); null without PASSWORD. */
  readonly password: string | null;
}

export interface AlterUserStatement {
  readonly kind: 'AlterUserStatement';
  readonly span: SourceSpan;
  readonly name: string;
  readonly password: string;
}

export interface DropUserStatement {
  readonly kind: 'DropUserStatement';
  readonly span: SourceSpan;
  readonly ifExists: boolean;
  readonly name: string;
}

// ---------------------------------------------------------------------------
// The unions

export type TableStatement = ExplainableStatement | CreateTableStatement | DropTableStatement | ExplainStatement;

export type SessionStatement =
  | BeginStatement
  | CommitStatement
  | RollbackStatement
  | SetStatement
  | ShowStatement
  | ResetStatement
  | CreateUserStatement
  | AlterUserStatement
  | DropUserStatement;

/** The statements a frontend answers itself: settings and accounts. */
export type SessionCommand = SetStatement | ShowStatement | ResetStatement | CreateUserStatement | AlterUserStatement | DropUserStatement;

/** The queue statements that compile to a program (and so may be EXPLAINed). */
export type QueueDataStatement = EnqueueStatement | DequeueStatement | ReadStatement | AckStatement;

export type QueueStatement = CreateQueueStatement | DropQueueStatement | QueueDataStatement;

export type Statement = TableStatement | QueueStatement | SessionStatement;

/** Every node. Adding one here is what makes the Record<NodeKind, ...> visitors fail to compile until they handle it. */
export type AstNode =
  | Statement
  | Expression
  | Identifier
  | TableName
  | TypeName
  | CaseWhen
  | SelectItem
  | AllColumns
  | TableReference
  | OrderByItem
  | DefaultValue
  | Assignment
  | ConflictDoNothing
  | ConflictDoUpdate
  | OnConflictClause
  | ColumnDefinition
  | PrimaryKeyConstraint
  | QueueSetting
  | SettingValue;

export type NodeKind = AstNode['kind'];
export type StatementKind = Statement['kind'];
export type NodeOfKind<K extends NodeKind> = Extract<AstNode, { readonly kind: K }>;
