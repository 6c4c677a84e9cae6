/**
 * The children of every AST node, in source order: a visitor typed as
 * `Record<NodeKind, ...>`, so adding a node kind to ast.ts does not compile
 * until it is listed here (STYLE 10). The compiler can use it to find what a
 * tree holds (parameters, aggregates, column references) without a switch of
 * its own; tests use it to check every node of every parsed tree.
 */
import type { AstNode, Expression, NodeKind, NodeOfKind } from './ast.js';

type ChildrenOf = { readonly [K in NodeKind]: (node: NodeOfKind<K>) => readonly (AstNode | null)[] };

const none = (): readonly AstNode[] => [];

/** Clauses the grammar accepts in either order (READ's LIMIT and VISIBILITY), as written. */
const inSourceOrder = (expressions: readonly (Expression | null)[]): readonly Expression[] =>
  expressions.filter((expression): expression is Expression => expression !== null).sort((a, b) => a.location - b.location);

const childrenByKind: ChildrenOf = {
  // Statements
  SelectStatement: (node) => [...node.items, node.from, node.where, ...node.groupBy, node.having, ...node.orderBy, node.limit, node.offset],
  InsertStatement: (node) => [node.table, ...(node.columns ?? []), ...node.rows.flat(), node.onConflict, ...(node.returning ?? [])],
  UpdateStatement: (node) => [node.table, ...node.assignments, node.where, ...(node.returning ?? [])],
  DeleteStatement: (node) => [node.table, node.where, ...(node.returning ?? [])],
  CreateTableStatement: (node) => [node.table, ...node.columns, ...node.constraints],
  DropTableStatement: (node) => [node.table],
  ExplainStatement: (node) => [node.statement],
  CreateQueueStatement: (node) => [node.queue, ...node.settings],
  DropQueueStatement: (node) => [node.queue],
  EnqueueStatement: (node) => [node.queue, ...node.bodies, ...(node.returning ?? [])],
  DequeueStatement: (node) => [node.queue, node.limit],
  ReadStatement: (node) => [node.queue, ...inSourceOrder([node.limit, node.visibility])],
  AckStatement: (node) => [node.queue, ...node.ids],
  BeginStatement: none,
  CommitStatement: none,
  RollbackStatement: none,
  SetStatement: (node) => node.values ?? [],
  ShowStatement: none,
  ResetStatement: none,
  CreateUserStatement: none,
  AlterUserStatement: none,
  DropUserStatement: none,
  // Parts of statements
  Identifier: none,
  TableName: none,
  TypeName: none,
  SelectItem: (node) => [node.expression],
  AllColumns: none,
  TableReference: (node) => [node.table],
  OrderByItem: (node) => [node.expression],
  DefaultValue: none,
  Assignment: (node) => [node.column, node.value],
  ConflictDoNothing: none,
  ConflictDoUpdate: (node) => [...node.assignments, node.where],
  OnConflictClause: (node) => [...(node.target ?? []), node.action],
  ColumnDefinition: (node) => [node.type, node.default],
  PrimaryKeyConstraint: (node) => node.columns,
  QueueSetting: (node) => [node.value],
  SettingValue: none,
  // Expressions
  IntegerLiteral: none,
  NumericLiteral: none,
  StringLiteral: none,
  BooleanLiteral: none,
  NullLiteral: none,
  Parameter: none,
  ColumnReference: none,
  FunctionCall: (node) => node.arguments,
  SqlValueFunction: none,
  UnaryExpression: (node) => [node.operand],
  BinaryExpression: (node) => [node.left, node.right],
  LogicalExpression: (node) => node.operands,
  NotExpression: (node) => [node.operand],
  IsExpression: (node) => [node.operand],
  DistinctFromExpression: (node) => [node.left, node.right],
  BetweenExpression: (node) => [node.operand, node.low, node.high],
  InListExpression: (node) => [node.operand, ...node.list],
  LikeExpression: (node) => [node.operand, node.pattern, node.escape],
  CastExpression: (node) => [node.operand, node.type],
  CaseExpression: (node) => [node.operand, ...node.whens, node.elseResult],
  CaseWhen: (node) => [node.condition, node.result],
};

/** Every node kind, from the exhaustive table above (so it cannot miss one). */
export const nodeKinds: readonly NodeKind[] = Object.freeze(Object.keys(childrenByKind) as NodeKind[]);

/** The direct children of `node`, in source order, without the absent (null) ones. */
export function childNodes(node: AstNode): readonly AstNode[] {
  const children = (childrenByKind[node.kind] as (node: AstNode) => readonly (AstNode | null)[])(node);
  return children.filter((child): child is AstNode => child !== null);
}

/** `node` and all its descendants, depth first, parents before children. */
export function* descendantNodes(node: AstNode): Generator<AstNode> {
  yield node;
  for (const child of childNodes(node)) yield* descendantNodes(child);
}

/**
 * The tree as text without source positions: equal for trees written alike in
 * different places (`GROUP BY a + 1` and the select list's `a + 1`).
 */
export function structuralKey(node: AstNode): string {
  return JSON.stringify(node, (name, value: unknown) => {
    if (name === 'location' || name === 'span') return undefined;
    return typeof value === 'bigint' ? `${value}n` : value;
  });
}
