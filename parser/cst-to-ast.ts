/**
 * CST → AST: one method per grammar rule (the class implements the generated
 * SqlCstVisitor interface, so a new rule does not compile until it has one),
 * each building frozen AST nodes from the typed children of its CST node.
 *
 * Methods call each other directly with the typed children instead of through
 * chevrotain's untyped `visit`, so every step is type-checked. Statement methods
 * take the statement's span; expression suffixes (IS, BETWEEN, ...) take their
 * left operand.
 *
 * The few errors raised here are ones PostgreSQL's grammar raises too, once the
 * words are read: conflicting NULL/NOT NULL, two DEFAULTs, a type whose words do
 * not go together, DO UPDATE without a conflict target; and, for the queue
 * statements PostgreSQL does not have, an ENQUEUE row that is not one body and a
 * queue setting that is not an integer.
 */
import type { CstNode, IToken } from 'chevrotain';
import { nameBytesMax } from '../common/limits.js';
import { assert, SqlState } from '../common/sql-error.js';
import type * as ast from './ast.js';
import { sqlValueFunctionNames } from './ast.js';
import type * as cst from './cst-types.js';
import { sqlGrammar } from './grammar.js';
import { syntaxErrorAt, type SqlSyntaxError } from './syntax-error.js';
import * as token from './tokens.js';

// ---------------------------------------------------------------------------
// Helpers

const freeze = <T extends object>(node: T): T => Object.freeze(node);
const list = <T>(items: T[]): readonly T[] => Object.freeze(items);

/** The single element of a CST child array; a grammar that produced anything else is a bug. */
function only<T>(items: readonly T[] | undefined): T {
  assert(items !== undefined && items.length === 1, 'CST child present exactly once');
  return items[0] as T;
}

function firstOf<T>(items: readonly T[]): T {
  assert(items.length > 0, 'CST child present');
  return items[0] as T;
}

function spanOf(node: CstNode): ast.SourceSpan {
  const location = node.location;
  assert(location !== undefined && location.endOffset !== undefined, 'statement CST nodes carry their location');
  return freeze({ start: location.startOffset, end: location.endOffset + 1 });
}

/** ASCII letters only, as PostgreSQL's downcase_identifier does for UTF-8 text. */
function foldCase(image: string): string {
  return /[A-Z]/.test(image) ? image.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : image;
}

const utf8Length = (codePoint: number): number => (codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4);

/** PostgreSQL truncates names to NAMEDATALEN - 1 bytes at a character boundary (with a NOTICE dmachine does not send). */
export function truncateName(name: string): string {
  // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
  if (name.length * 3 <= nameBytesMax) return name;
  let bytes = 0;
  let end = 0;
  for (const character of name) {
    bytes += utf8Length(character.codePointAt(0) ?? 0);
    if (bytes > nameBytesMax) return name.slice(0, end);
    end += character.length;
  }
  return name;
}

function textPayload(literal: IToken): string {
  const payload = literal.payload as token.TextPayload | undefined;
  assert(payload?.value !== undefined, 'literal problems are reported before the AST is built');
  return payload.value;
}

/** A name token (identifier, quoted identifier or keyword) as the name it stands for. */
function nameOf(name: IToken): string {
  return truncateName(name.tokenType === token.QuotedIdentifier ? textPayload(name) : foldCase(name.image));
}

function identifier(name: IToken): ast.Identifier {
  return freeze({ kind: 'Identifier', name: nameOf(name), location: name.startOffset });
}

/** Names of PostgreSQL's type aliases (gram.y's SimpleTypename and SystemTypeName), for unquoted, unqualified names. */
const canonicalTypeNames: ReadonlyMap<string, string> = new Map([
  ['int', 'int4'],
  ['integer', 'int4'],
  ['smallint', 'int2'],
  ['bigint', 'int8'],
  ['real', 'float4'],
  ['float', 'float8'],
  ['boolean', 'bool'],
  ['decimal', 'numeric'],
  ['dec', 'numeric'],
  ['char', 'bpchar'],
  ['character', 'bpchar'],
]);

/** Multi-word type names: the first word and the tail together. */
const canonicalTypeNamesWithTail: ReadonlyMap<string, string> = new Map([
  ['double precision', 'float8'],
  ['character varying', 'varchar'],
  ['char varying', 'varchar'],
  ['timestamp with time zone', 'timestamptz'],
  ['timestamp without time zone', 'timestamp'],
  ['time with time zone', 'timetz'],
  ['time without time zone', 'time'],
]);

const int4Max = 2 ** 31 - 1;
const float4PrecisionBitsMax = 24;
const float8PrecisionBitsMax = 53;

type ColumnConstraintPart =
  | { readonly kind: 'primaryKey'; readonly location: number }
  | { readonly kind: 'notNull'; readonly location: number }
  | { readonly kind: 'null'; readonly location: number }
  | { readonly kind: 'default'; readonly expression: ast.Expression; readonly location: number };

interface FunctionArgumentsPart {
  readonly arguments: readonly ast.Expression[];
  readonly star: boolean;
  readonly distinct: boolean;
}

interface TypeNameTailPart {
  /** Lower case, single-spaced: `precision`, `with time zone`. */
  readonly words: string;
  readonly firstWord: IToken;
}

interface SignedNumberPart {
  readonly text: string;
  readonly location: number;
}

interface LimitOffsetPart {
  readonly limit: ast.Expression | null;
  readonly offset: ast.Expression | null;
}

const BaseVisitor = sqlGrammar.getBaseCstVisitorConstructor<unknown, unknown>();

// ---------------------------------------------------------------------------
// The visitor

export class AstBuilder extends BaseVisitor implements cst.SqlCstVisitor<unknown, unknown> {
  /** The text being parsed, for positions of the errors raised here. Set by `build`. */
  private text = '';

  constructor() {
    super();
    this.validateVisitor();
  }

  build(tree: cst.StatementListCstNode, text: string): ast.Statement[] {
    this.text = text;
    return this.statementList(tree.children);
  }

  private errorAt(offset: number, message: string, options: { sqlstate?: string; detail?: string; hint?: string } = {}): SqlSyntaxError {
    return syntaxErrorAt(this.text, offset, message, options);
  }

  private syntaxErrorAtToken(at: IToken): SqlSyntaxError {
    return this.errorAt(at.startOffset, `syntax error at or near "${at.image}"`);
  }

  statementList(c: cst.StatementListCstChildren): ast.Statement[] {
    return (c.statement ?? []).map((node) => this.statement(node.children, spanOf(node)));
  }

  statement(c: cst.StatementCstChildren, span: ast.SourceSpan): ast.Statement {
    if (c.selectStatement) return this.selectStatement(only(c.selectStatement).children, span);
    if (c.insertStatement) return this.insertStatement(only(c.insertStatement).children, span);
    if (c.updateStatement) return this.updateStatement(only(c.updateStatement).children, span);
    if (c.deleteStatement) return this.deleteStatement(only(c.deleteStatement).children, span);
    if (c.enqueueStatement) return this.enqueueStatement(only(c.enqueueStatement).children, span);
    if (c.dequeueStatement) return this.dequeueStatement(only(c.dequeueStatement).children, span);
    if (c.readStatement) return this.readStatement(only(c.readStatement).children, span);
    if (c.ackStatement) return this.ackStatement(only(c.ackStatement).children, span);
    if (c.createStatement) return this.createStatement(only(c.createStatement).children, span);
    if (c.dropStatement) return this.dropStatement(only(c.dropStatement).children, span);
    if (c.alterStatement) return this.alterStatement(only(c.alterStatement).children, span);
    if (c.explainStatement) return this.explainStatement(only(c.explainStatement).children, span);
    if (c.beginStatement) return this.beginStatement(only(c.beginStatement).children, span);
    if (c.commitStatement) return this.commitStatement(only(c.commitStatement).children, span);
    if (c.rollbackStatement) return this.rollbackStatement(only(c.rollbackStatement).children, span);
    if (c.setStatement) return this.setStatement(only(c.setStatement).children, span);
    if (c.showStatement) return this.showStatement(only(c.showStatement).children, span);
    return this.resetStatement(only(c.resetStatement).children, span);
  }

  // -------------------------------------------------------------------------
  // SELECT

  selectStatement(c: cst.SelectStatementCstChildren, span: ast.SourceSpan): ast.SelectStatement {
    const limitOffset = c.limitOffsetClause ? this.limitOffsetClause(only(c.limitOffsetClause).children) : { limit: null, offset: null };
    return freeze({
      kind: 'SelectStatement',
      span,
      distinct: c.Distinct !== undefined,
      items: c.selectList ? this.selectList(only(c.selectList).children) : list([]),
      from: c.fromClause ? this.fromClause(only(c.fromClause).children) : null,
      where: c.whereClause ? this.whereClause(only(c.whereClause).children) : null,
      groupBy: c.groupByClause ? this.groupByClause(only(c.groupByClause).children) : list([]),
      having: c.havingClause ? this.havingClause(only(c.havingClause).children) : null,
      orderBy: c.orderByClause ? this.orderByClause(only(c.orderByClause).children) : list([]),
      limit: limitOffset.limit,
      offset: limitOffset.offset,
    });
  }

  selectList(c: cst.SelectListCstChildren): readonly ast.SelectTarget[] {
    return list(c.selectTarget.map((node) => this.selectTarget(node.children)));
  }

  selectTarget(c: cst.SelectTargetCstChildren): ast.SelectTarget {
    if (c.expression) {
      return freeze({
        kind: 'SelectItem',
        expression: this.expression(only(c.expression).children),
        alias: c.alias ? this.alias(only(c.alias).children) : null,
      });
    }
    if (c.Name) {
      const table = only(c.Name);
      return freeze({ kind: 'AllColumns', table: nameOf(table), location: table.startOffset });
    }
    return freeze({ kind: 'AllColumns', table: null, location: only(c.Star).startOffset });
  }

  alias(c: cst.AliasCstChildren): string {
    return nameOf(only(c.Label ?? c.Identifier ?? c.QuotedIdentifier ?? c.BareAliasKeyword));
  }

  fromClause(c: cst.FromClauseCstChildren): ast.TableReference {
    return this.tableReference(only(c.tableReference).children);
  }

  tableReference(c: cst.TableReferenceCstChildren): ast.TableReference {
    return freeze({
      kind: 'TableReference',
      table: this.tableName(only(c.tableName).children),
      alias: c.alias ? this.alias(only(c.alias).children) : null,
    });
  }

  tableName(c: cst.TableNameCstChildren): ast.TableName {
    const [first, second] = c.Name;
    assert(first !== undefined, 'a table name has a name');
    return freeze({
      kind: 'TableName',
      schema: second === undefined ? null : nameOf(first),
      name: nameOf(second ?? first),
      location: first.startOffset,
    });
  }

  whereClause(c: cst.WhereClauseCstChildren): ast.Expression {
    return this.expression(only(c.expression).children);
  }

  groupByClause(c: cst.GroupByClauseCstChildren): readonly ast.Expression[] {
    return list(c.expression.map((node) => this.expression(node.children)));
  }

  havingClause(c: cst.HavingClauseCstChildren): ast.Expression {
    return this.expression(only(c.expression).children);
  }

  orderByClause(c: cst.OrderByClauseCstChildren): readonly ast.OrderByItem[] {
    return list(c.orderByItem.map((node) => this.orderByItem(node.children)));
  }

  orderByItem(c: cst.OrderByItemCstChildren): ast.OrderByItem {
    const direction = c.Desc ? 'desc' : 'asc';
    return freeze({
      kind: 'OrderByItem',
      expression: this.expression(only(c.expression).children),
      direction,
      nulls: c.First ? 'first' : c.Last ? 'last' : direction === 'desc' ? 'first' : 'last',
    });
  }

  limitOffsetClause(c: cst.LimitOffsetClauseCstChildren): LimitOffsetPart {
    return {
      limit: c.limitClause ? this.limitClause(only(c.limitClause).children) : null,
      offset: c.offsetClause ? this.offsetClause(only(c.offsetClause).children) : null,
    };
  }

  limitClause(c: cst.LimitClauseCstChildren): ast.Expression | null {
    return c.expression ? this.expression(only(c.expression).children) : null;
  }

  offsetClause(c: cst.OffsetClauseCstChildren): ast.Expression {
    return this.expression(only(c.expression).children);
  }

  // -------------------------------------------------------------------------
  // INSERT, UPDATE, DELETE

  insertStatement(c: cst.InsertStatementCstChildren, span: ast.SourceSpan): ast.InsertStatement {
    return freeze({
      kind: 'InsertStatement',
      span,
      table: this.tableName(only(c.tableName).children),
      columns: c.columnList ? this.columnList(only(c.columnList).children) : null,
      rows: list(c.valuesRow.map((node) => this.valuesRow(node.children))),
      onConflict: c.onConflictClause ? this.onConflictClause(only(c.onConflictClause).children) : null,
      returning: c.returningClause ? this.returningClause(only(c.returningClause).children) : null,
    });
  }

  columnList(c: cst.ColumnListCstChildren): readonly ast.Identifier[] {
    return list(c.Name.map(identifier));
  }

  valuesRow(c: cst.ValuesRowCstChildren): readonly ast.ValueItem[] {
    return list(c.valueItem.map((node) => this.valueItem(node.children)));
  }

  valueItem(c: cst.ValueItemCstChildren): ast.ValueItem {
    if (c.Default) return freeze({ kind: 'DefaultValue', location: only(c.Default).startOffset });
    return this.expression(only(c.expression).children);
  }

  onConflictClause(c: cst.OnConflictClauseCstChildren): ast.OnConflictClause {
    const on = only(c.On);
    const target = c.columnList ? this.columnList(only(c.columnList).children) : null;
    if (c.Nothing) return freeze({ kind: 'OnConflictClause', target, action: freeze({ kind: 'ConflictDoNothing' }), location: on.startOffset });
    if (target === null) {
      throw this.errorAt(on.startOffset, 'ON CONFLICT DO UPDATE requires inference specification or constraint name', {
        hint: 'For example, ON CONFLICT (column_name).',
      });
    }
    const action: ast.ConflictDoUpdate = freeze({
      kind: 'ConflictDoUpdate',
      assignments: this.assignmentList(only(c.assignmentList).children),
      where: c.whereClause ? this.whereClause(only(c.whereClause).children) : null,
    });
    return freeze({ kind: 'OnConflictClause', target, action, location: on.startOffset });
  }

  assignmentList(c: cst.AssignmentListCstChildren): readonly ast.Assignment[] {
    return list(c.assignment.map((node) => this.assignment(node.children)));
  }

  assignment(c: cst.AssignmentCstChildren): ast.Assignment {
    return freeze({ kind: 'Assignment', column: identifier(only(c.Name)), value: this.valueItem(only(c.valueItem).children) });
  }

  returningClause(c: cst.ReturningClauseCstChildren): readonly ast.SelectTarget[] {
    return this.selectList(only(c.selectList).children);
  }

  updateStatement(c: cst.UpdateStatementCstChildren, span: ast.SourceSpan): ast.UpdateStatement {
    return freeze({
      kind: 'UpdateStatement',
      span,
      table: this.tableReference(only(c.tableReference).children),
      assignments: this.assignmentList(only(c.assignmentList).children),
      where: c.whereClause ? this.whereClause(only(c.whereClause).children) : null,
      returning: c.returningClause ? this.returningClause(only(c.returningClause).children) : null,
    });
  }

  deleteStatement(c: cst.DeleteStatementCstChildren, span: ast.SourceSpan): ast.DeleteStatement {
    return freeze({
      kind: 'DeleteStatement',
      span,
      table: this.tableReference(only(c.tableReference).children),
      where: c.whereClause ? this.whereClause(only(c.whereClause).children) : null,
      returning: c.returningClause ? this.returningClause(only(c.returningClause).children) : null,
    });
  }

  // -------------------------------------------------------------------------
  // ENQUEUE, DEQUEUE, READ, ACK

  enqueueStatement(c: cst.EnqueueStatementCstChildren, span: ast.SourceSpan): ast.EnqueueStatement {
    return freeze({
      kind: 'EnqueueStatement',
      span,
      queue: this.tableName(only(c.tableName).children),
      bodies: list(c.enqueueRow.map((node) => this.enqueueRow(node.children))),
      returning: c.returningClause ? this.returningClause(only(c.returningClause).children) : null,
    });
  }

  enqueueRow(c: cst.EnqueueRowCstChildren): ast.Expression {
    const values = c.expression ?? [];
    if (values.length !== 1) {
      throw this.errorAt(only(c.LeftParenthesis).startOffset, 'each row of ENQUEUE must hold exactly one value, the message body', {
        detail: values.length === 0 ? 'This row is empty.' : `This row holds ${values.length} values.`,
        hint: "Write one row per message: ENQUEUE INTO jobs VALUES ('first'), ('second').",
      });
    }
    return this.expression(only(values).children);
  }

  dequeueStatement(c: cst.DequeueStatementCstChildren, span: ast.SourceSpan): ast.DequeueStatement {
    return freeze({
      kind: 'DequeueStatement',
      span,
      queue: this.tableName(only(c.tableName).children),
      limit: c.queueLimitClause ? this.queueLimitClause(only(c.queueLimitClause).children) : null,
    });
  }

  readStatement(c: cst.ReadStatementCstChildren, span: ast.SourceSpan): ast.ReadStatement {
    return freeze({
      kind: 'ReadStatement',
      span,
      queue: this.tableName(only(c.tableName).children),
      limit: c.queueLimitClause ? this.queueLimitClause(only(c.queueLimitClause).children) : null,
      visibility: c.visibilityClause ? this.visibilityClause(only(c.visibilityClause).children) : null,
    });
  }

  queueLimitClause(c: cst.QueueLimitClauseCstChildren): ast.Expression {
    return this.expression(only(c.expression).children);
  }

  visibilityClause(c: cst.VisibilityClauseCstChildren): ast.Expression {
    return this.expression(only(c.expression).children);
  }

  ackStatement(c: cst.AckStatementCstChildren, span: ast.SourceSpan): ast.AckStatement {
    return freeze({
      kind: 'AckStatement',
      span,
      queue: this.tableName(only(c.tableName).children),
      ids: list(c.expression.map((node) => this.expression(node.children))),
    });
  }

  // -------------------------------------------------------------------------
  // CREATE, DROP, ALTER

  createStatement(c: cst.CreateStatementCstChildren, span: ast.SourceSpan): ast.CreateTableStatement | ast.CreateUserStatement | ast.CreateQueueStatement {
    if (c.createTable) return this.createTable(only(c.createTable).children, span);
    if (c.createQueue) return this.createQueue(only(c.createQueue).children, span);
    return this.createUser(only(c.createUser).children, span);
  }

  createQueue(c: cst.CreateQueueCstChildren, span: ast.SourceSpan): ast.CreateQueueStatement {
    return freeze({
      kind: 'CreateQueueStatement',
      span,
      ifNotExists: c.If !== undefined,
      queue: this.tableName(only(c.tableName).children),
      settings: list((c.queueSetting ?? []).map((node) => this.queueSetting(node.children))),
    });
  }

  /** A non-integer value gets PostgreSQL's message for a storage parameter (reloption) of integer type. */
  queueSetting(c: cst.QueueSettingCstChildren): ast.QueueSetting {
    const nameToken = only(c.Name);
    const name = nameOf(nameToken);
    const number = only(only(c.signedNumber).children.NumberLiteral);
    const { text, location } = this.signedNumber(only(c.signedNumber).children);
    if ((number.payload as token.NumberPayload).form !== 'integer') {
      throw this.errorAt(location, `invalid value for integer option "${name}": ${text}`, { sqlstate: SqlState.invalidParameterValue });
    }
    const value: ast.IntegerLiteral = freeze({ kind: 'IntegerLiteral', text, value: BigInt(text), location });
    return freeze({ kind: 'QueueSetting', name, value, location: nameToken.startOffset });
  }

  createTable(c: cst.CreateTableCstChildren, span: ast.SourceSpan): ast.CreateTableStatement {
    const table = this.tableName(only(c.tableName).children);
    const columns: ast.ColumnDefinition[] = [];
    const constraints: ast.TableConstraint[] = [];
    for (const element of c.tableElement ?? []) {
      const built = this.tableElement(element.children, table.name);
      if (built.kind === 'ColumnDefinition') columns.push(built);
      else constraints.push(built);
    }
    return freeze({ kind: 'CreateTableStatement', span, ifNotExists: c.If !== undefined, table, columns: list(columns), constraints: list(constraints) });
  }

  tableElement(c: cst.TableElementCstChildren, tableName: string): ast.ColumnDefinition | ast.TableConstraint {
    if (c.columnDefinition) return this.columnDefinition(only(c.columnDefinition).children, tableName);
    return this.primaryKeyConstraint(only(c.primaryKeyConstraint).children);
  }

  columnDefinition(c: cst.ColumnDefinitionCstChildren, tableName: string): ast.ColumnDefinition {
    const nameToken = only(c.Name);
    const name = nameOf(nameToken);
    let primaryKey = false;
    let nullability: ast.ColumnDefinition['nullability'] = 'unspecified';
    let defaultExpression: ast.Expression | null = null;
    for (const node of c.columnConstraint ?? []) {
      const part = this.columnConstraint(node.children);
      switch (part.kind) {
        case 'primaryKey':
          primaryKey = true;
          break;
        case 'notNull':
        case 'null':
          if (nullability !== 'unspecified' && nullability !== part.kind) {
            throw this.errorAt(part.location, `conflicting NULL/NOT NULL declarations for column "${name}" of table "${tableName}"`);
          }
          nullability = part.kind;
          break;
        case 'default':
          if (defaultExpression !== null) throw this.errorAt(part.location, `multiple default values specified for column "${name}" of table "${tableName}"`);
          defaultExpression = part.expression;
          break;
        default:
          return part satisfies never;
      }
    }
    return freeze({
      kind: 'ColumnDefinition',
      name,
      type: this.typeName(only(c.typeName).children),
      primaryKey,
      nullability,
      default: defaultExpression,
      location: nameToken.startOffset,
    });
  }

  columnConstraint(c: cst.ColumnConstraintCstChildren): ColumnConstraintPart {
    if (c.Primary) return { kind: 'primaryKey', location: only(c.Primary).startOffset };
    if (c.Not) return { kind: 'notNull', location: only(c.Not).startOffset };
    if (c.Default) return { kind: 'default', expression: this.operatorExpression(only(c.operatorExpression).children), location: only(c.Default).startOffset };
    return { kind: 'null', location: only(c.Null).startOffset };
  }

  primaryKeyConstraint(c: cst.PrimaryKeyConstraintCstChildren): ast.PrimaryKeyConstraint {
    return freeze({ kind: 'PrimaryKeyConstraint', columns: this.columnList(only(c.columnList).children), location: only(c.Primary).startOffset });
  }

  createUser(c: cst.CreateUserCstChildren, span: ast.SourceSpan): ast.CreateUserStatement {
    return freeze({ kind: 'CreateUserStatement', span, name: nameOf(only(c.Name)), password: c.StringLiteral ? textPayload(only(c.StringLiteral)) : null });
  }

  dropStatement(c: cst.DropStatementCstChildren, span: ast.SourceSpan): ast.DropTableStatement | ast.DropUserStatement | ast.DropQueueStatement {
    if (c.dropTable) return this.dropTable(only(c.dropTable).children, span);
    if (c.dropQueue) return this.dropQueue(only(c.dropQueue).children, span);
    return this.dropUser(only(c.dropUser).children, span);
  }

  dropQueue(c: cst.DropQueueCstChildren, span: ast.SourceSpan): ast.DropQueueStatement {
    return freeze({ kind: 'DropQueueStatement', span, ifExists: c.ifExists !== undefined, queue: this.tableName(only(c.tableName).children) });
  }

  dropTable(c: cst.DropTableCstChildren, span: ast.SourceSpan): ast.DropTableStatement {
    return freeze({ kind: 'DropTableStatement', span, ifExists: c.ifExists !== undefined, table: this.tableName(only(c.tableName).children) });
  }

  dropUser(c: cst.DropUserCstChildren, span: ast.SourceSpan): ast.DropUserStatement {
    return freeze({ kind: 'DropUserStatement', span, ifExists: c.ifExists !== undefined, name: nameOf(only(c.Name)) });
  }

  /** Its presence is the information; DROP reads it as `c.ifExists !== undefined`. */
  ifExists(): true {
    return true;
  }

  alterStatement(c: cst.AlterStatementCstChildren, span: ast.SourceSpan): ast.AlterUserStatement {
    return this.alterUser(only(c.alterUser).children, span);
  }

  alterUser(c: cst.AlterUserCstChildren, span: ast.SourceSpan): ast.AlterUserStatement {
    return freeze({ kind: 'AlterUserStatement', span, name: nameOf(only(c.Name)), password: textPayload(only(c.StringLiteral)) });
  }

  // -------------------------------------------------------------------------
  // EXPLAIN

  explainStatement(c: cst.ExplainStatementCstChildren, span: ast.SourceSpan): ast.ExplainStatement {
    const explained = only(c.explainableStatement);
    return freeze({ kind: 'ExplainStatement', span, analyze: c.Analyze !== undefined, statement: this.explainableStatement(explained.children, spanOf(explained)) });
  }

  explainableStatement(c: cst.ExplainableStatementCstChildren, span: ast.SourceSpan): ast.ExplainableStatement {
    if (c.selectStatement) return this.selectStatement(only(c.selectStatement).children, span);
    if (c.insertStatement) return this.insertStatement(only(c.insertStatement).children, span);
    if (c.updateStatement) return this.updateStatement(only(c.updateStatement).children, span);
    if (c.enqueueStatement) return this.enqueueStatement(only(c.enqueueStatement).children, span);
    if (c.dequeueStatement) return this.dequeueStatement(only(c.dequeueStatement).children, span);
    if (c.readStatement) return this.readStatement(only(c.readStatement).children, span);
    if (c.ackStatement) return this.ackStatement(only(c.ackStatement).children, span);
    return this.deleteStatement(only(c.deleteStatement).children, span);
  }

  // -------------------------------------------------------------------------
  // Session statements

  beginStatement(_c: cst.BeginStatementCstChildren, span: ast.SourceSpan): ast.BeginStatement {
    return freeze({ kind: 'BeginStatement', span });
  }

  commitStatement(_c: cst.CommitStatementCstChildren, span: ast.SourceSpan): ast.CommitStatement {
    return freeze({ kind: 'CommitStatement', span });
  }

  rollbackStatement(_c: cst.RollbackStatementCstChildren, span: ast.SourceSpan): ast.RollbackStatement {
    return freeze({ kind: 'RollbackStatement', span });
  }

  /** A noise word: TRANSACTION and WORK change nothing. */
  transactionWord(): undefined {
    return undefined;
  }

  setStatement(c: cst.SetStatementCstChildren, span: ast.SourceSpan): ast.SetStatement {
    const scope = c.Local ? 'local' : 'session';
    if (c.timeZoneValue) return freeze({ kind: 'SetStatement', span, scope, name: 'timezone', values: this.timeZoneValue(only(c.timeZoneValue).children) });
    return freeze({
      kind: 'SetStatement',
      span,
      scope,
      name: this.settingName(only(c.settingName).children),
      values: this.settingValues(only(c.settingValues).children),
    });
  }

  settingName(c: cst.SettingNameCstChildren): string {
    return c.Name.map(nameOf).join('.');
  }

  settingValues(c: cst.SettingValuesCstChildren): readonly ast.SettingValue[] | null {
    if (c.Default) return null;
    return list((c.settingValue ?? []).map((node) => this.settingValue(node.children)));
  }

  settingValue(c: cst.SettingValueCstChildren): ast.SettingValue {
    if (c.StringLiteral) {
      const literal = only(c.StringLiteral);
      return freeze({ kind: 'SettingValue', form: 'string', text: textPayload(literal), location: literal.startOffset });
    }
    if (c.signedNumber) return freeze({ kind: 'SettingValue', form: 'number', ...this.signedNumber(only(c.signedNumber).children) });
    if (c.Name) {
      const word = only(c.Name);
      return freeze({ kind: 'SettingValue', form: 'word', text: nameOf(word), location: word.startOffset });
    }
    const word = only(c.True ?? c.False ?? c.On);
    return freeze({ kind: 'SettingValue', form: 'word', text: word.image.toLowerCase(), location: word.startOffset });
  }

  signedNumber(c: cst.SignedNumberCstChildren): SignedNumberPart {
    const number = only(c.NumberLiteral);
    const sign = c.AdditiveOperator ? only(c.AdditiveOperator) : undefined;
    return { text: sign?.image === '-' ? `-${number.image}` : number.image, location: (sign ?? number).startOffset };
  }

  timeZoneValue(c: cst.TimeZoneValueCstChildren): readonly ast.SettingValue[] | null {
    if (c.Default) return null;
    if (c.Name && only(c.Name).tokenType === token.Local) return null;
    if (c.signedNumber) return list([freeze({ kind: 'SettingValue', form: 'number', ...this.signedNumber(only(c.signedNumber).children) })]);
    if (c.Name) {
      const word = only(c.Name);
      return list([freeze({ kind: 'SettingValue', form: 'word', text: nameOf(word), location: word.startOffset })]);
    }
    const literal = only(c.StringLiteral);
    return list([freeze({ kind: 'SettingValue', form: 'string', text: textPayload(literal), location: literal.startOffset })]);
  }

  showStatement(c: cst.ShowStatementCstChildren, span: ast.SourceSpan): ast.ShowStatement {
    const name = c.All ? 'all' : c.Zone ? 'timezone' : c.Isolation ? 'transaction_isolation' : this.settingName(only(c.settingName).children);
    return freeze({ kind: 'ShowStatement', span, name });
  }

  resetStatement(c: cst.ResetStatementCstChildren, span: ast.SourceSpan): ast.ResetStatement {
    const name = c.All ? 'all' : c.Zone ? 'timezone' : this.settingName(only(c.settingName).children);
    return freeze({ kind: 'ResetStatement', span, name });
  }

  // -------------------------------------------------------------------------
  // Expressions

  expression(c: cst.ExpressionCstChildren): ast.Expression {
    const operands = c.andExpression.map((node) => this.andExpression(node.children));
    return c.Or ? logical('or', operands, firstOf(c.Or).startOffset) : only(operands);
  }

  andExpression(c: cst.AndExpressionCstChildren): ast.Expression {
    const operands = c.notExpression.map((node) => this.notExpression(node.children));
    return c.And ? logical('and', operands, firstOf(c.And).startOffset) : only(operands);
  }

  notExpression(c: cst.NotExpressionCstChildren): ast.Expression {
    let result = this.isExpression(only(c.isExpression).children);
    // The innermost NOT is the last one written.
    for (const not of [...(c.Not ?? [])].reverse()) result = freeze({ kind: 'NotExpression', operand: result, location: not.startOffset });
    return result;
  }

  isExpression(c: cst.IsExpressionCstChildren): ast.Expression {
    let result = this.comparisonExpression(only(c.comparisonExpression).children);
    for (const suffix of c.isSuffix ?? []) result = this.isSuffix(suffix.children, result);
    return result;
  }

  isSuffix(c: cst.IsSuffixCstChildren, operand: ast.Expression): ast.Expression {
    const negated = c.Not !== undefined;
    const location = only(c.Is).startOffset;
    if (c.comparisonExpression) {
      return freeze({ kind: 'DistinctFromExpression', left: operand, right: this.comparisonExpression(only(c.comparisonExpression).children), negated, location });
    }
    const test = c.Null ? 'null' : c.True ? 'true' : c.False ? 'false' : 'unknown';
    return freeze({ kind: 'IsExpression', operand, test, negated, location });
  }

  comparisonExpression(c: cst.ComparisonExpressionCstChildren): ast.Expression {
    const [leftNode, rightNode] = c.patternExpression;
    assert(leftNode !== undefined, 'a comparison has a left operand');
    const left = this.patternExpression(leftNode.children);
    if (rightNode === undefined) return left;
    const operator = only(c.ComparisonOperator);
    return binary(operator.image === '!=' ? '<>' : operator.image, left, this.patternExpression(rightNode.children), operator.startOffset);
  }

  patternExpression(c: cst.PatternExpressionCstChildren): ast.Expression {
    const operand = this.operatorExpression(only(c.operatorExpression).children);
    return c.patternSuffix ? this.patternSuffix(only(c.patternSuffix).children, operand) : operand;
  }

  /** PostgreSQL puts the location of `x NOT LIKE y` at NOT, of `x LIKE y` at LIKE. */
  patternSuffix(c: cst.PatternSuffixCstChildren, operand: ast.Expression): ast.Expression {
    const negated = c.Not !== undefined;
    const location = only(c.Not ?? c.Between ?? c.In ?? c.Like ?? c.Ilike).startOffset;
    if (c.low && c.high) {
      return freeze({
        kind: 'BetweenExpression',
        operand,
        low: this.operatorExpression(only(c.low).children),
        high: this.operatorExpression(only(c.high).children),
        negated,
        location,
      });
    }
    if (c.In) return freeze({ kind: 'InListExpression', operand, list: list((c.expression ?? []).map((node) => this.expression(node.children))), negated, location });
    return freeze({
      kind: 'LikeExpression',
      operand,
      pattern: this.operatorExpression(only(c.pattern).children),
      escape: c.escape ? this.operatorExpression(only(c.escape).children) : null,
      caseInsensitive: c.Ilike !== undefined,
      negated,
      location,
    });
  }

  operatorExpression(c: cst.OperatorExpressionCstChildren): ast.Expression {
    return leftAssociative(
      c.additiveExpression.map((node) => this.additiveExpression(node.children)),
      c.GenericOperator,
    );
  }

  additiveExpression(c: cst.AdditiveExpressionCstChildren): ast.Expression {
    return leftAssociative(
      c.multiplicativeExpression.map((node) => this.multiplicativeExpression(node.children)),
      c.AdditiveOperator,
    );
  }

  multiplicativeExpression(c: cst.MultiplicativeExpressionCstChildren): ast.Expression {
    return leftAssociative(
      c.exponentExpression.map((node) => this.exponentExpression(node.children)),
      c.MultiplicativeOperator,
    );
  }

  exponentExpression(c: cst.ExponentExpressionCstChildren): ast.Expression {
    return leftAssociative(
      c.unaryExpression.map((node) => this.unaryExpression(node.children)),
      c.Caret,
    );
  }

  /** A minus on a number literal is folded into it, as PostgreSQL's doNegate does, so -9223372036854775808 is one int8 constant. */
  unaryExpression(c: cst.UnaryExpressionCstChildren): ast.Expression {
    let result = this.castExpression(only(c.castExpression).children);
    // The innermost sign is the last one written.
    for (const sign of [...(c.AdditiveOperator ?? [])].reverse()) {
      if (sign.image === '-' && result.kind === 'IntegerLiteral') {
        result = freeze({ kind: 'IntegerLiteral', text: negatedText(result.text), value: -result.value, location: sign.startOffset });
      } else if (sign.image === '-' && result.kind === 'NumericLiteral') {
        result = freeze({ kind: 'NumericLiteral', text: negatedText(result.text), location: sign.startOffset });
      } else {
        result = freeze({ kind: 'UnaryExpression', operator: sign.image === '-' ? '-' : '+', operand: result, location: sign.startOffset });
      }
    }
    return result;
  }

  castExpression(c: cst.CastExpressionCstChildren): ast.Expression {
    let result = this.primaryExpression(only(c.primaryExpression).children);
    const types = c.typeName ?? [];
    (c.DoubleColon ?? []).forEach((doubleColon, index) => {
      const type = types[index];
      assert(type !== undefined, 'every :: has a type');
      result = freeze({ kind: 'CastExpression', operand: result, type: this.typeName(type.children), location: doubleColon.startOffset });
    });
    return result;
  }

  primaryExpression(c: cst.PrimaryExpressionCstChildren): ast.Expression {
    if (c.nameExpression) return this.nameExpression(only(c.nameExpression).children);
    if (c.NumberLiteral) return numberLiteral(only(c.NumberLiteral));
    if (c.StringLiteral) return stringLiteral(only(c.StringLiteral));
    if (c.Parameter) {
      const parameter = only(c.Parameter);
      const payload = parameter.payload as token.ParameterPayload;
      assert(payload.index !== undefined, 'parameter problems are reported before the AST is built');
      return freeze({ kind: 'Parameter', index: payload.index, location: parameter.startOffset });
    }
    if (c.True || c.False) return freeze({ kind: 'BooleanLiteral', value: c.True !== undefined, location: only(c.True ?? c.False).startOffset });
    if (c.Null) return freeze({ kind: 'NullLiteral', location: only(c.Null).startOffset });
    if (c.SqlValueFunctionKeyword) {
      const keyword = only(c.SqlValueFunctionKeyword);
      const name = keyword.image.toLowerCase();
      const known = sqlValueFunctionNames.find((candidate) => candidate === name);
      assert(known !== undefined, `${name} is a SQL value function`);
      return freeze({ kind: 'SqlValueFunction', name: known, location: keyword.startOffset });
    }
    if (c.expression) return this.expression(only(c.expression).children);
    if (c.castFunction) return this.castFunction(only(c.castFunction).children);
    return this.caseExpression(only(c.caseExpression).children);
  }

  castFunction(c: cst.CastFunctionCstChildren): ast.CastExpression {
    return freeze({
      kind: 'CastExpression',
      operand: this.expression(only(c.expression).children),
      type: this.typeName(only(c.typeName).children),
      location: only(c.Cast).startOffset,
    });
  }

  caseExpression(c: cst.CaseExpressionCstChildren): ast.CaseExpression {
    return freeze({
      kind: 'CaseExpression',
      operand: c.operand ? this.expression(only(c.operand).children) : null,
      whens: list(c.caseWhen.map((node) => this.caseWhen(node.children))),
      elseResult: c.elseResult ? this.expression(only(c.elseResult).children) : null,
      location: only(c.Case).startOffset,
    });
  }

  caseWhen(c: cst.CaseWhenCstChildren): ast.CaseWhen {
    return freeze({
      kind: 'CaseWhen',
      condition: this.expression(only(c.condition).children),
      result: this.expression(only(c.result).children),
      location: only(c.When).startOffset,
    });
  }

  nameExpression(c: cst.NameExpressionCstChildren): ast.Expression {
    const [first, second] = c.Name;
    assert(first !== undefined, 'a name expression starts with a name');
    const qualifier = second === undefined ? null : nameOf(first);
    const name = nameOf(second ?? first);
    if (c.functionArguments) {
      return freeze({ kind: 'FunctionCall', schema: qualifier, name, ...this.functionArguments(only(c.functionArguments).children), location: first.startOffset });
    }
    if (c.StringLiteral) {
      const tail = c.typeNameTail ? this.typeNameTail(only(c.typeNameTail).children) : undefined;
      const type = this.buildTypeName(c.Name, tail === undefined ? [] : [tail], []);
      return freeze({ kind: 'CastExpression', operand: stringLiteral(only(c.StringLiteral)), type, location: first.startOffset });
    }
    return freeze({ kind: 'ColumnReference', table: qualifier, column: name, location: first.startOffset });
  }

  functionArguments(c: cst.FunctionArgumentsCstChildren): FunctionArgumentsPart {
    return {
      arguments: list((c.expression ?? []).map((node) => this.expression(node.children))),
      star: c.Star !== undefined,
      distinct: c.Distinct !== undefined,
    };
  }

  typeName(c: cst.TypeNameCstChildren): ast.TypeName {
    const tails = (c.typeNameTail ?? []).map((node) => this.typeNameTail(node.children));
    const modifiers = c.typeModifiers ? this.typeModifiers(only(c.typeModifiers).children) : [];
    return this.buildTypeName(c.Name, tails, modifiers);
  }

  typeNameTail(c: cst.TypeNameTailCstChildren): TypeNameTailPart {
    const words = [c.Precision, c.Varying, c.With, c.Without, c.Time, c.Zone].flatMap((tokens) => tokens ?? []).sort((a, b) => a.startOffset - b.startOffset);
    const [firstWord] = words;
    assert(firstWord !== undefined, 'a type name tail has a word');
    return { words: words.map((word) => word.image.toLowerCase()).join(' '), firstWord };
  }

  typeModifiers(c: cst.TypeModifiersCstChildren): { readonly value: number; readonly location: number }[] {
    return c.NumberLiteral.map((literal) => {
      const payload = literal.payload as token.NumberPayload;
      const value = Number(literal.image);
      if (payload.form !== 'integer' || value > int4Max) throw this.syntaxErrorAtToken(literal);
      return { value, location: literal.startOffset };
    });
  }

  /** Canonical name from the written words; see TypeName in ast.ts. */
  private buildTypeName(names: IToken[], tails: readonly TypeNameTailPart[], modifiers: readonly { readonly value: number; readonly location: number }[]): ast.TypeName {
    const [first, second] = names;
    assert(first !== undefined, 'a type name has a name');
    const baseToken = second ?? first;
    const schema = second === undefined ? null : nameOf(first);
    const base = nameOf(baseToken);
    const [tail, extraTail] = tails;
    if (extraTail !== undefined) throw this.syntaxErrorAtToken(extraTail.firstWord);
    let name: string;
    let written = base;
    let modifierValues = modifiers.map((modifier) => modifier.value);
    if (tail !== undefined) {
      written = `${base} ${tail.words}`;
      const canonical = schema === null && baseToken.tokenType !== token.QuotedIdentifier ? canonicalTypeNamesWithTail.get(written) : undefined;
      if (canonical === undefined) throw this.syntaxErrorAtToken(tail.firstWord);
      name = canonical;
    } else if (schema === null && baseToken.tokenType !== token.QuotedIdentifier) {
      name = canonicalTypeNames.get(base) ?? base;
      if (base === 'float' && modifierValues.length === 1) {
        const bits = modifierValues[0] ?? 0;
        const location = modifiers[0]?.location ?? baseToken.startOffset;
        if (bits < 1) throw this.errorAt(location, 'precision for type float must be at least 1 bit', { sqlstate: SqlState.invalidParameterValue });
        if (bits > float8PrecisionBitsMax) throw this.errorAt(location, 'precision for type float must be less than 54 bits', { sqlstate: SqlState.invalidParameterValue });
        name = bits <= float4PrecisionBitsMax ? 'float4' : 'float8';
        modifierValues = [];
      }
    } else {
      name = base;
    }
    return freeze({ kind: 'TypeName', schema, name, written, modifiers: list(modifierValues), location: first.startOffset });
  }
}

// ---------------------------------------------------------------------------
// Node builders shared by several rules

function logical(operator: 'and' | 'or', operands: ast.Expression[], location: number): ast.LogicalExpression {
  // A chain of one operator, parenthesized or not, is one node.
  const flattened = operands.flatMap((operand) => (operand.kind === 'LogicalExpression' && operand.operator === operator ? operand.operands : [operand]));
  return freeze({ kind: 'LogicalExpression', operator, operands: list(flattened), location });
}

function binary(operator: string, left: ast.Expression, right: ast.Expression, location: number): ast.BinaryExpression {
  return freeze({ kind: 'BinaryExpression', operator, left, right, location });
}

/** Folds `a op b op c` to `(a op b) op c`: operands and operators alternate in the CST. */
function leftAssociative(operands: ast.Expression[], operators: IToken[] | undefined): ast.Expression {
  const [first, ...rest] = operands;
  assert(first !== undefined, 'an operator chain has a first operand');
  let result = first;
  rest.forEach((right, index) => {
    const operator = operators?.[index];
    assert(operator !== undefined, 'operands and operators alternate');
    result = binary(operator.image, result, right, operator.startOffset);
  });
  return result;
}

function negatedText(text: string): string {
  return text.startsWith('-') ? text.slice(1) : `-${text}`;
}

function numberLiteral(literal: IToken): ast.IntegerLiteral | ast.NumericLiteral {
  const payload = literal.payload as token.NumberPayload;
  assert(payload.form !== undefined, 'number problems are reported before the AST is built');
  if (payload.form === 'integer') return freeze({ kind: 'IntegerLiteral', text: literal.image, value: BigInt(literal.image), location: literal.startOffset });
  return freeze({ kind: 'NumericLiteral', text: literal.image, location: literal.startOffset });
}

function stringLiteral(literal: IToken): ast.StringLiteral {
  return freeze({ kind: 'StringLiteral', value: textPayload(literal), location: literal.startOffset });
}
