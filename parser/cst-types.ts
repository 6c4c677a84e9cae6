/**
 * Generated from parser/grammar.ts by chevrotain's generateCstDts (parser/cst-types-generator.ts).
 * Do not edit; regenerate with: UPDATE_DOCS=1 npx vitest run test/parser/generated-files.test.ts
 */
import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface StatementListCstNode extends CstNode {
  name: "statementList";
  children: StatementListCstChildren;
}

export type StatementListCstChildren = {
  statement?: (StatementCstNode)[];
  Semicolon?: IToken[];
};

export interface StatementCstNode extends CstNode {
  name: "statement";
  children: StatementCstChildren;
}

export type StatementCstChildren = {
  selectStatement?: SelectStatementCstNode[];
  insertStatement?: InsertStatementCstNode[];
  updateStatement?: UpdateStatementCstNode[];
  deleteStatement?: DeleteStatementCstNode[];
  enqueueStatement?: EnqueueStatementCstNode[];
  dequeueStatement?: DequeueStatementCstNode[];
  readStatement?: ReadStatementCstNode[];
  ackStatement?: AckStatementCstNode[];
  createStatement?: CreateStatementCstNode[];
  dropStatement?: DropStatementCstNode[];
  alterStatement?: AlterStatementCstNode[];
  explainStatement?: ExplainStatementCstNode[];
  beginStatement?: BeginStatementCstNode[];
  commitStatement?: CommitStatementCstNode[];
  rollbackStatement?: RollbackStatementCstNode[];
  setStatement?: SetStatementCstNode[];
  showStatement?: ShowStatementCstNode[];
  resetStatement?: ResetStatementCstNode[];
};

export interface SelectStatementCstNode extends CstNode {
  name: "selectStatement";
  children: SelectStatementCstChildren;
}

export type SelectStatementCstChildren = {
  Select: IToken[];
  Distinct?: IToken[];
  All?: IToken[];
  selectList?: SelectListCstNode[];
  fromClause?: FromClauseCstNode[];
  whereClause?: WhereClauseCstNode[];
  groupByClause?: GroupByClauseCstNode[];
  havingClause?: HavingClauseCstNode[];
  orderByClause?: OrderByClauseCstNode[];
  limitOffsetClause?: LimitOffsetClauseCstNode[];
};

export interface SelectListCstNode extends CstNode {
  name: "selectList";
  children: SelectListCstChildren;
}

export type SelectListCstChildren = {
  selectTarget: SelectTargetCstNode[];
  Comma?: IToken[];
};

export interface SelectTargetCstNode extends CstNode {
  name: "selectTarget";
  children: SelectTargetCstChildren;
}

export type SelectTargetCstChildren = {
  Star?: (IToken)[];
  Name?: IToken[];
  Period?: IToken[];
  expression?: ExpressionCstNode[];
  alias?: AliasCstNode[];
};

export interface AliasCstNode extends CstNode {
  name: "alias";
  children: AliasCstChildren;
}

export type AliasCstChildren = {
  As?: IToken[];
  Label?: IToken[];
  Identifier?: IToken[];
  QuotedIdentifier?: IToken[];
  BareAliasKeyword?: IToken[];
};

export interface FromClauseCstNode extends CstNode {
  name: "fromClause";
  children: FromClauseCstChildren;
}

export type FromClauseCstChildren = {
  From: IToken[];
  tableReference: TableReferenceCstNode[];
};

export interface TableReferenceCstNode extends CstNode {
  name: "tableReference";
  children: TableReferenceCstChildren;
}

export type TableReferenceCstChildren = {
  tableName: TableNameCstNode[];
  alias?: AliasCstNode[];
};

export interface TableNameCstNode extends CstNode {
  name: "tableName";
  children: TableNameCstChildren;
}

export type TableNameCstChildren = {
  Name: (IToken)[];
  Period?: IToken[];
};

export interface WhereClauseCstNode extends CstNode {
  name: "whereClause";
  children: WhereClauseCstChildren;
}

export type WhereClauseCstChildren = {
  Where: IToken[];
  expression: ExpressionCstNode[];
};

export interface GroupByClauseCstNode extends CstNode {
  name: "groupByClause";
  children: GroupByClauseCstChildren;
}

export type GroupByClauseCstChildren = {
  Group: IToken[];
  By: IToken[];
  expression: ExpressionCstNode[];
  Comma?: IToken[];
};

export interface HavingClauseCstNode extends CstNode {
  name: "havingClause";
  children: HavingClauseCstChildren;
}

export type HavingClauseCstChildren = {
  Having: IToken[];
  expression: ExpressionCstNode[];
};

export interface OrderByClauseCstNode extends CstNode {
  name: "orderByClause";
  children: OrderByClauseCstChildren;
}

export type OrderByClauseCstChildren = {
  Order: IToken[];
  By: IToken[];
  orderByItem: OrderByItemCstNode[];
  Comma?: IToken[];
};

export interface OrderByItemCstNode extends CstNode {
  name: "orderByItem";
  children: OrderByItemCstChildren;
}

export type OrderByItemCstChildren = {
  expression: ExpressionCstNode[];
  Asc?: IToken[];
  Desc?: IToken[];
  Nulls?: IToken[];
  First?: IToken[];
  Last?: IToken[];
};

export interface LimitOffsetClauseCstNode extends CstNode {
  name: "limitOffsetClause";
  children: LimitOffsetClauseCstChildren;
}

export type LimitOffsetClauseCstChildren = {
  limitClause?: (LimitClauseCstNode)[];
  offsetClause?: (OffsetClauseCstNode)[];
};

export interface LimitClauseCstNode extends CstNode {
  name: "limitClause";
  children: LimitClauseCstChildren;
}

export type LimitClauseCstChildren = {
  Limit: IToken[];
  All?: IToken[];
  expression?: ExpressionCstNode[];
};

export interface OffsetClauseCstNode extends CstNode {
  name: "offsetClause";
  children: OffsetClauseCstChildren;
}

export type OffsetClauseCstChildren = {
  Offset: IToken[];
  expression: ExpressionCstNode[];
};

export interface InsertStatementCstNode extends CstNode {
  name: "insertStatement";
  children: InsertStatementCstChildren;
}

export type InsertStatementCstChildren = {
  Insert: IToken[];
  Into: IToken[];
  tableName: TableNameCstNode[];
  columnList?: ColumnListCstNode[];
  Values: IToken[];
  valuesRow: ValuesRowCstNode[];
  Comma?: IToken[];
  onConflictClause?: OnConflictClauseCstNode[];
  returningClause?: ReturningClauseCstNode[];
};

export interface ColumnListCstNode extends CstNode {
  name: "columnList";
  children: ColumnListCstChildren;
}

export type ColumnListCstChildren = {
  LeftParenthesis: IToken[];
  Name: IToken[];
  Comma?: IToken[];
  RightParenthesis: IToken[];
};

export interface ValuesRowCstNode extends CstNode {
  name: "valuesRow";
  children: ValuesRowCstChildren;
}

export type ValuesRowCstChildren = {
  LeftParenthesis: IToken[];
  valueItem: ValueItemCstNode[];
  Comma?: IToken[];
  RightParenthesis: IToken[];
};

export interface ValueItemCstNode extends CstNode {
  name: "valueItem";
  children: ValueItemCstChildren;
}

export type ValueItemCstChildren = {
  Default?: IToken[];
  expression?: ExpressionCstNode[];
};

export interface OnConflictClauseCstNode extends CstNode {
  name: "onConflictClause";
  children: OnConflictClauseCstChildren;
}

export type OnConflictClauseCstChildren = {
  On: IToken[];
  Conflict: IToken[];
  columnList?: ColumnListCstNode[];
  Do: IToken[];
  Nothing?: IToken[];
  Update?: IToken[];
  Set?: IToken[];
  assignmentList?: AssignmentListCstNode[];
  whereClause?: WhereClauseCstNode[];
};

export interface AssignmentListCstNode extends CstNode {
  name: "assignmentList";
  children: AssignmentListCstChildren;
}

export type AssignmentListCstChildren = {
  assignment: AssignmentCstNode[];
  Comma?: IToken[];
};

export interface AssignmentCstNode extends CstNode {
  name: "assignment";
  children: AssignmentCstChildren;
}

export type AssignmentCstChildren = {
  Name: IToken[];
  Equals: IToken[];
  valueItem: ValueItemCstNode[];
};

export interface ReturningClauseCstNode extends CstNode {
  name: "returningClause";
  children: ReturningClauseCstChildren;
}

export type ReturningClauseCstChildren = {
  Returning: IToken[];
  selectList: SelectListCstNode[];
};

export interface UpdateStatementCstNode extends CstNode {
  name: "updateStatement";
  children: UpdateStatementCstChildren;
}

export type UpdateStatementCstChildren = {
  Update: IToken[];
  tableReference: TableReferenceCstNode[];
  Set: IToken[];
  assignmentList: AssignmentListCstNode[];
  whereClause?: WhereClauseCstNode[];
  returningClause?: ReturningClauseCstNode[];
};

export interface DeleteStatementCstNode extends CstNode {
  name: "deleteStatement";
  children: DeleteStatementCstChildren;
}

export type DeleteStatementCstChildren = {
  Delete: IToken[];
  From: IToken[];
  tableReference: TableReferenceCstNode[];
  whereClause?: WhereClauseCstNode[];
  returningClause?: ReturningClauseCstNode[];
};

export interface EnqueueStatementCstNode extends CstNode {
  name: "enqueueStatement";
  children: EnqueueStatementCstChildren;
}

export type EnqueueStatementCstChildren = {
  Enqueue: IToken[];
  Into: IToken[];
  tableName: TableNameCstNode[];
  Values: IToken[];
  enqueueRow: EnqueueRowCstNode[];
  Comma?: IToken[];
  returningClause?: ReturningClauseCstNode[];
};

export interface EnqueueRowCstNode extends CstNode {
  name: "enqueueRow";
  children: EnqueueRowCstChildren;
}

export type EnqueueRowCstChildren = {
  LeftParenthesis: IToken[];
  expression?: ExpressionCstNode[];
  Comma?: IToken[];
  RightParenthesis: IToken[];
};

export interface DequeueStatementCstNode extends CstNode {
  name: "dequeueStatement";
  children: DequeueStatementCstChildren;
}

export type DequeueStatementCstChildren = {
  Dequeue: IToken[];
  From: IToken[];
  tableName: TableNameCstNode[];
  queueLimitClause?: QueueLimitClauseCstNode[];
};

export interface ReadStatementCstNode extends CstNode {
  name: "readStatement";
  children: ReadStatementCstChildren;
}

export type ReadStatementCstChildren = {
  Read: IToken[];
  From: IToken[];
  tableName: TableNameCstNode[];
  queueLimitClause?: (QueueLimitClauseCstNode)[];
  visibilityClause?: (VisibilityClauseCstNode)[];
};

export interface QueueLimitClauseCstNode extends CstNode {
  name: "queueLimitClause";
  children: QueueLimitClauseCstChildren;
}

export type QueueLimitClauseCstChildren = {
  Limit: IToken[];
  expression: ExpressionCstNode[];
};

export interface VisibilityClauseCstNode extends CstNode {
  name: "visibilityClause";
  children: VisibilityClauseCstChildren;
}

export type VisibilityClauseCstChildren = {
  Visibility: IToken[];
  expression: ExpressionCstNode[];
};

export interface AckStatementCstNode extends CstNode {
  name: "ackStatement";
  children: AckStatementCstChildren;
}

export type AckStatementCstChildren = {
  Ack: IToken[];
  tableName: TableNameCstNode[];
  expression: ExpressionCstNode[];
  Comma?: IToken[];
};

export interface CreateStatementCstNode extends CstNode {
  name: "createStatement";
  children: CreateStatementCstChildren;
}

export type CreateStatementCstChildren = {
  Create: IToken[];
  createTable?: CreateTableCstNode[];
  createUser?: CreateUserCstNode[];
  createQueue?: CreateQueueCstNode[];
};

export interface CreateTableCstNode extends CstNode {
  name: "createTable";
  children: CreateTableCstChildren;
}

export type CreateTableCstChildren = {
  Table: IToken[];
  If?: IToken[];
  Not?: IToken[];
  Exists?: IToken[];
  tableName: TableNameCstNode[];
  LeftParenthesis: IToken[];
  tableElement?: TableElementCstNode[];
  Comma?: IToken[];
  RightParenthesis: IToken[];
};

export interface TableElementCstNode extends CstNode {
  name: "tableElement";
  children: TableElementCstChildren;
}

export type TableElementCstChildren = {
  columnDefinition?: ColumnDefinitionCstNode[];
  primaryKeyConstraint?: PrimaryKeyConstraintCstNode[];
};

export interface ColumnDefinitionCstNode extends CstNode {
  name: "columnDefinition";
  children: ColumnDefinitionCstChildren;
}

export type ColumnDefinitionCstChildren = {
  Name: IToken[];
  typeName: TypeNameCstNode[];
  columnConstraint?: ColumnConstraintCstNode[];
};

export interface ColumnConstraintCstNode extends CstNode {
  name: "columnConstraint";
  children: ColumnConstraintCstChildren;
}

export type ColumnConstraintCstChildren = {
  Primary?: IToken[];
  Key?: IToken[];
  Not?: IToken[];
  Null?: (IToken)[];
  Default?: IToken[];
  operatorExpression?: OperatorExpressionCstNode[];
};

export interface PrimaryKeyConstraintCstNode extends CstNode {
  name: "primaryKeyConstraint";
  children: PrimaryKeyConstraintCstChildren;
}

export type PrimaryKeyConstraintCstChildren = {
  Primary: IToken[];
  Key: IToken[];
  columnList: ColumnListCstNode[];
};

export interface CreateUserCstNode extends CstNode {
  name: "createUser";
  children: CreateUserCstChildren;
}

export type CreateUserCstChildren = {
  User: IToken[];
  Name: IToken[];
  With?: IToken[];
  Password?: IToken[];
  StringLiteral?: IToken[];
};

export interface CreateQueueCstNode extends CstNode {
  name: "createQueue";
  children: CreateQueueCstChildren;
}

export type CreateQueueCstChildren = {
  Queue: IToken[];
  If?: IToken[];
  Not?: IToken[];
  Exists?: IToken[];
  tableName: TableNameCstNode[];
  With?: IToken[];
  LeftParenthesis?: IToken[];
  queueSetting?: QueueSettingCstNode[];
  Comma?: IToken[];
  RightParenthesis?: IToken[];
};

export interface QueueSettingCstNode extends CstNode {
  name: "queueSetting";
  children: QueueSettingCstChildren;
}

export type QueueSettingCstChildren = {
  Name: IToken[];
  Equals: IToken[];
  signedNumber: SignedNumberCstNode[];
};

export interface DropStatementCstNode extends CstNode {
  name: "dropStatement";
  children: DropStatementCstChildren;
}

export type DropStatementCstChildren = {
  Drop: IToken[];
  dropTable?: DropTableCstNode[];
  dropUser?: DropUserCstNode[];
  dropQueue?: DropQueueCstNode[];
};

export interface DropTableCstNode extends CstNode {
  name: "dropTable";
  children: DropTableCstChildren;
}

export type DropTableCstChildren = {
  Table: IToken[];
  ifExists?: IfExistsCstNode[];
  tableName: TableNameCstNode[];
};

export interface DropUserCstNode extends CstNode {
  name: "dropUser";
  children: DropUserCstChildren;
}

export type DropUserCstChildren = {
  User: IToken[];
  ifExists?: IfExistsCstNode[];
  Name: IToken[];
};

export interface DropQueueCstNode extends CstNode {
  name: "dropQueue";
  children: DropQueueCstChildren;
}

export type DropQueueCstChildren = {
  Queue: IToken[];
  ifExists?: IfExistsCstNode[];
  tableName: TableNameCstNode[];
};

export interface IfExistsCstNode extends CstNode {
  name: "ifExists";
  children: IfExistsCstChildren;
}

export type IfExistsCstChildren = {
  If: IToken[];
  Exists: IToken[];
};

export interface AlterStatementCstNode extends CstNode {
  name: "alterStatement";
  children: AlterStatementCstChildren;
}

export type AlterStatementCstChildren = {
  Alter: IToken[];
  alterUser: AlterUserCstNode[];
};

export interface AlterUserCstNode extends CstNode {
  name: "alterUser";
  children: AlterUserCstChildren;
}

export type AlterUserCstChildren = {
  User: IToken[];
  Name: IToken[];
  With?: IToken[];
  Password: IToken[];
  StringLiteral: IToken[];
};

export interface ExplainStatementCstNode extends CstNode {
  name: "explainStatement";
  children: ExplainStatementCstChildren;
}

export type ExplainStatementCstChildren = {
  Explain: IToken[];
  Analyze?: IToken[];
  explainableStatement: ExplainableStatementCstNode[];
};

export interface ExplainableStatementCstNode extends CstNode {
  name: "explainableStatement";
  children: ExplainableStatementCstChildren;
}

export type ExplainableStatementCstChildren = {
  selectStatement?: SelectStatementCstNode[];
  insertStatement?: InsertStatementCstNode[];
  updateStatement?: UpdateStatementCstNode[];
  deleteStatement?: DeleteStatementCstNode[];
  enqueueStatement?: EnqueueStatementCstNode[];
  dequeueStatement?: DequeueStatementCstNode[];
  readStatement?: ReadStatementCstNode[];
  ackStatement?: AckStatementCstNode[];
};

export interface BeginStatementCstNode extends CstNode {
  name: "beginStatement";
  children: BeginStatementCstChildren;
}

export type BeginStatementCstChildren = {
  Begin?: IToken[];
  transactionWord?: TransactionWordCstNode[];
  Start?: IToken[];
  Transaction?: IToken[];
};

export interface CommitStatementCstNode extends CstNode {
  name: "commitStatement";
  children: CommitStatementCstChildren;
}

export type CommitStatementCstChildren = {
  Commit?: IToken[];
  End?: IToken[];
  transactionWord?: TransactionWordCstNode[];
};

export interface RollbackStatementCstNode extends CstNode {
  name: "rollbackStatement";
  children: RollbackStatementCstChildren;
}

export type RollbackStatementCstChildren = {
  Rollback?: IToken[];
  Abort?: IToken[];
  transactionWord?: TransactionWordCstNode[];
};

export interface TransactionWordCstNode extends CstNode {
  name: "transactionWord";
  children: TransactionWordCstChildren;
}

export type TransactionWordCstChildren = {
  Transaction?: IToken[];
  Work?: IToken[];
};

export interface SetStatementCstNode extends CstNode {
  name: "setStatement";
  children: SetStatementCstChildren;
}

export type SetStatementCstChildren = {
  Set: IToken[];
  Session?: IToken[];
  Local?: IToken[];
  Time?: IToken[];
  Zone?: IToken[];
  timeZoneValue?: TimeZoneValueCstNode[];
  settingName?: SettingNameCstNode[];
  To?: IToken[];
  Equals?: IToken[];
  settingValues?: SettingValuesCstNode[];
};

export interface SettingNameCstNode extends CstNode {
  name: "settingName";
  children: SettingNameCstChildren;
}

export type SettingNameCstChildren = {
  Name: (IToken)[];
  Period?: IToken[];
};

export interface SettingValuesCstNode extends CstNode {
  name: "settingValues";
  children: SettingValuesCstChildren;
}

export type SettingValuesCstChildren = {
  Default?: IToken[];
  settingValue?: SettingValueCstNode[];
  Comma?: IToken[];
};

export interface SettingValueCstNode extends CstNode {
  name: "settingValue";
  children: SettingValueCstChildren;
}

export type SettingValueCstChildren = {
  StringLiteral?: IToken[];
  Name?: IToken[];
  True?: IToken[];
  False?: IToken[];
  On?: IToken[];
  signedNumber?: SignedNumberCstNode[];
};

export interface SignedNumberCstNode extends CstNode {
  name: "signedNumber";
  children: SignedNumberCstChildren;
}

export type SignedNumberCstChildren = {
  AdditiveOperator?: IToken[];
  NumberLiteral: IToken[];
};

export interface TimeZoneValueCstNode extends CstNode {
  name: "timeZoneValue";
  children: TimeZoneValueCstChildren;
}

export type TimeZoneValueCstChildren = {
  StringLiteral?: IToken[];
  Name?: IToken[];
  signedNumber?: SignedNumberCstNode[];
  Default?: IToken[];
};

export interface ShowStatementCstNode extends CstNode {
  name: "showStatement";
  children: ShowStatementCstChildren;
}

export type ShowStatementCstChildren = {
  Show: IToken[];
  All?: IToken[];
  Time?: IToken[];
  Zone?: IToken[];
  Transaction?: IToken[];
  Isolation?: IToken[];
  Level?: IToken[];
  settingName?: SettingNameCstNode[];
};

export interface ResetStatementCstNode extends CstNode {
  name: "resetStatement";
  children: ResetStatementCstChildren;
}

export type ResetStatementCstChildren = {
  Reset: IToken[];
  All?: IToken[];
  Time?: IToken[];
  Zone?: IToken[];
  settingName?: SettingNameCstNode[];
};

export interface ExpressionCstNode extends CstNode {
  name: "expression";
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  andExpression: (AndExpressionCstNode)[];
  Or?: IToken[];
};

export interface AndExpressionCstNode extends CstNode {
  name: "andExpression";
  children: AndExpressionCstChildren;
}

export type AndExpressionCstChildren = {
  notExpression: (NotExpressionCstNode)[];
  And?: IToken[];
};

export interface NotExpressionCstNode extends CstNode {
  name: "notExpression";
  children: NotExpressionCstChildren;
}

export type NotExpressionCstChildren = {
  Not?: IToken[];
  isExpression: IsExpressionCstNode[];
};

export interface IsExpressionCstNode extends CstNode {
  name: "isExpression";
  children: IsExpressionCstChildren;
}

export type IsExpressionCstChildren = {
  comparisonExpression: ComparisonExpressionCstNode[];
  isSuffix?: IsSuffixCstNode[];
};

export interface IsSuffixCstNode extends CstNode {
  name: "isSuffix";
  children: IsSuffixCstChildren;
}

export type IsSuffixCstChildren = {
  Is: IToken[];
  Not?: IToken[];
  Null?: IToken[];
  True?: IToken[];
  False?: IToken[];
  Unknown?: IToken[];
  Distinct?: IToken[];
  From?: IToken[];
  comparisonExpression?: ComparisonExpressionCstNode[];
};

export interface ComparisonExpressionCstNode extends CstNode {
  name: "comparisonExpression";
  children: ComparisonExpressionCstChildren;
}

export type ComparisonExpressionCstChildren = {
  patternExpression: (PatternExpressionCstNode)[];
  ComparisonOperator?: IToken[];
};

export interface PatternExpressionCstNode extends CstNode {
  name: "patternExpression";
  children: PatternExpressionCstChildren;
}

export type PatternExpressionCstChildren = {
  operatorExpression: OperatorExpressionCstNode[];
  patternSuffix?: PatternSuffixCstNode[];
};

export interface PatternSuffixCstNode extends CstNode {
  name: "patternSuffix";
  children: PatternSuffixCstChildren;
}

export type PatternSuffixCstChildren = {
  Not?: IToken[];
  Between?: IToken[];
  low?: OperatorExpressionCstNode[];
  And?: IToken[];
  high?: OperatorExpressionCstNode[];
  In?: IToken[];
  LeftParenthesis?: IToken[];
  expression?: ExpressionCstNode[];
  Comma?: IToken[];
  RightParenthesis?: IToken[];
  Like?: IToken[];
  Ilike?: IToken[];
  pattern?: OperatorExpressionCstNode[];
  Escape?: IToken[];
  escape?: OperatorExpressionCstNode[];
};

export interface OperatorExpressionCstNode extends CstNode {
  name: "operatorExpression";
  children: OperatorExpressionCstChildren;
}

export type OperatorExpressionCstChildren = {
  additiveExpression: (AdditiveExpressionCstNode)[];
  GenericOperator?: IToken[];
};

export interface AdditiveExpressionCstNode extends CstNode {
  name: "additiveExpression";
  children: AdditiveExpressionCstChildren;
}

export type AdditiveExpressionCstChildren = {
  multiplicativeExpression: (MultiplicativeExpressionCstNode)[];
  AdditiveOperator?: IToken[];
};

export interface MultiplicativeExpressionCstNode extends CstNode {
  name: "multiplicativeExpression";
  children: MultiplicativeExpressionCstChildren;
}

export type MultiplicativeExpressionCstChildren = {
  exponentExpression: (ExponentExpressionCstNode)[];
  MultiplicativeOperator?: IToken[];
};

export interface ExponentExpressionCstNode extends CstNode {
  name: "exponentExpression";
  children: ExponentExpressionCstChildren;
}

export type ExponentExpressionCstChildren = {
  unaryExpression: (UnaryExpressionCstNode)[];
  Caret?: IToken[];
};

export interface UnaryExpressionCstNode extends CstNode {
  name: "unaryExpression";
  children: UnaryExpressionCstChildren;
}

export type UnaryExpressionCstChildren = {
  AdditiveOperator?: IToken[];
  castExpression: CastExpressionCstNode[];
};

export interface CastExpressionCstNode extends CstNode {
  name: "castExpression";
  children: CastExpressionCstChildren;
}

export type CastExpressionCstChildren = {
  primaryExpression: PrimaryExpressionCstNode[];
  DoubleColon?: IToken[];
  typeName?: TypeNameCstNode[];
};

export interface PrimaryExpressionCstNode extends CstNode {
  name: "primaryExpression";
  children: PrimaryExpressionCstChildren;
}

export type PrimaryExpressionCstChildren = {
  NumberLiteral?: IToken[];
  StringLiteral?: IToken[];
  True?: IToken[];
  False?: IToken[];
  Null?: IToken[];
  Parameter?: IToken[];
  SqlValueFunctionKeyword?: IToken[];
  LeftParenthesis?: IToken[];
  expression?: ExpressionCstNode[];
  RightParenthesis?: IToken[];
  castFunction?: CastFunctionCstNode[];
  caseExpression?: CaseExpressionCstNode[];
  nameExpression?: NameExpressionCstNode[];
};

export interface CastFunctionCstNode extends CstNode {
  name: "castFunction";
  children: CastFunctionCstChildren;
}

export type CastFunctionCstChildren = {
  Cast: IToken[];
  LeftParenthesis: IToken[];
  expression: ExpressionCstNode[];
  As: IToken[];
  typeName: TypeNameCstNode[];
  RightParenthesis: IToken[];
};

export interface CaseExpressionCstNode extends CstNode {
  name: "caseExpression";
  children: CaseExpressionCstChildren;
}

export type CaseExpressionCstChildren = {
  Case: IToken[];
  operand?: ExpressionCstNode[];
  caseWhen: CaseWhenCstNode[];
  Else?: IToken[];
  elseResult?: ExpressionCstNode[];
  End: IToken[];
};

export interface CaseWhenCstNode extends CstNode {
  name: "caseWhen";
  children: CaseWhenCstChildren;
}

export type CaseWhenCstChildren = {
  When: IToken[];
  condition: ExpressionCstNode[];
  Then: IToken[];
  result: ExpressionCstNode[];
};

export interface NameExpressionCstNode extends CstNode {
  name: "nameExpression";
  children: NameExpressionCstChildren;
}

export type NameExpressionCstChildren = {
  Name: (IToken)[];
  Period?: IToken[];
  functionArguments?: FunctionArgumentsCstNode[];
  typeNameTail?: TypeNameTailCstNode[];
  StringLiteral?: IToken[];
};

export interface FunctionArgumentsCstNode extends CstNode {
  name: "functionArguments";
  children: FunctionArgumentsCstChildren;
}

export type FunctionArgumentsCstChildren = {
  LeftParenthesis: IToken[];
  Star?: IToken[];
  Distinct?: IToken[];
  All?: IToken[];
  expression?: ExpressionCstNode[];
  Comma?: IToken[];
  RightParenthesis: IToken[];
};

export interface TypeNameCstNode extends CstNode {
  name: "typeName";
  children: TypeNameCstChildren;
}

export type TypeNameCstChildren = {
  Name: (IToken)[];
  Period?: IToken[];
  typeNameTail?: (TypeNameTailCstNode)[];
  typeModifiers?: TypeModifiersCstNode[];
};

export interface TypeNameTailCstNode extends CstNode {
  name: "typeNameTail";
  children: TypeNameTailCstChildren;
}

export type TypeNameTailCstChildren = {
  Precision?: IToken[];
  Varying?: IToken[];
  With?: IToken[];
  Without?: IToken[];
  Time?: IToken[];
  Zone?: IToken[];
};

export interface TypeModifiersCstNode extends CstNode {
  name: "typeModifiers";
  children: TypeModifiersCstChildren;
}

export type TypeModifiersCstChildren = {
  LeftParenthesis: IToken[];
  NumberLiteral: IToken[];
  Comma?: IToken[];
  RightParenthesis: IToken[];
};

export interface SqlCstVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  statementList(children: StatementListCstChildren, param?: IN): OUT;
  statement(children: StatementCstChildren, param?: IN): OUT;
  selectStatement(children: SelectStatementCstChildren, param?: IN): OUT;
  selectList(children: SelectListCstChildren, param?: IN): OUT;
  selectTarget(children: SelectTargetCstChildren, param?: IN): OUT;
  alias(children: AliasCstChildren, param?: IN): OUT;
  fromClause(children: FromClauseCstChildren, param?: IN): OUT;
  tableReference(children: TableReferenceCstChildren, param?: IN): OUT;
  tableName(children: TableNameCstChildren, param?: IN): OUT;
  whereClause(children: WhereClauseCstChildren, param?: IN): OUT;
  groupByClause(children: GroupByClauseCstChildren, param?: IN): OUT;
  havingClause(children: HavingClauseCstChildren, param?: IN): OUT;
  orderByClause(children: OrderByClauseCstChildren, param?: IN): OUT;
  orderByItem(children: OrderByItemCstChildren, param?: IN): OUT;
  limitOffsetClause(children: LimitOffsetClauseCstChildren, param?: IN): OUT;
  limitClause(children: LimitClauseCstChildren, param?: IN): OUT;
  offsetClause(children: OffsetClauseCstChildren, param?: IN): OUT;
  insertStatement(children: InsertStatementCstChildren, param?: IN): OUT;
  columnList(children: ColumnListCstChildren, param?: IN): OUT;
  valuesRow(children: ValuesRowCstChildren, param?: IN): OUT;
  valueItem(children: ValueItemCstChildren, param?: IN): OUT;
  onConflictClause(children: OnConflictClauseCstChildren, param?: IN): OUT;
  assignmentList(children: AssignmentListCstChildren, param?: IN): OUT;
  assignment(children: AssignmentCstChildren, param?: IN): OUT;
  returningClause(children: ReturningClauseCstChildren, param?: IN): OUT;
  updateStatement(children: UpdateStatementCstChildren, param?: IN): OUT;
  deleteStatement(children: DeleteStatementCstChildren, param?: IN): OUT;
  enqueueStatement(children: EnqueueStatementCstChildren, param?: IN): OUT;
  enqueueRow(children: EnqueueRowCstChildren, param?: IN): OUT;
  dequeueStatement(children: DequeueStatementCstChildren, param?: IN): OUT;
  readStatement(children: ReadStatementCstChildren, param?: IN): OUT;
  queueLimitClause(children: QueueLimitClauseCstChildren, param?: IN): OUT;
  visibilityClause(children: VisibilityClauseCstChildren, param?: IN): OUT;
  ackStatement(children: AckStatementCstChildren, param?: IN): OUT;
  createStatement(children: CreateStatementCstChildren, param?: IN): OUT;
  createTable(children: CreateTableCstChildren, param?: IN): OUT;
  tableElement(children: TableElementCstChildren, param?: IN): OUT;
  columnDefinition(children: ColumnDefinitionCstChildren, param?: IN): OUT;
  columnConstraint(children: ColumnConstraintCstChildren, param?: IN): OUT;
  primaryKeyConstraint(children: PrimaryKeyConstraintCstChildren, param?: IN): OUT;
  createUser(children: CreateUserCstChildren, param?: IN): OUT;
  createQueue(children: CreateQueueCstChildren, param?: IN): OUT;
  queueSetting(children: QueueSettingCstChildren, param?: IN): OUT;
  dropStatement(children: DropStatementCstChildren, param?: IN): OUT;
  dropTable(children: DropTableCstChildren, param?: IN): OUT;
  dropUser(children: DropUserCstChildren, param?: IN): OUT;
  dropQueue(children: DropQueueCstChildren, param?: IN): OUT;
  ifExists(children: IfExistsCstChildren, param?: IN): OUT;
  alterStatement(children: AlterStatementCstChildren, param?: IN): OUT;
  alterUser(children: AlterUserCstChildren, param?: IN): OUT;
  explainStatement(children: ExplainStatementCstChildren, param?: IN): OUT;
  explainableStatement(children: ExplainableStatementCstChildren, param?: IN): OUT;
  beginStatement(children: BeginStatementCstChildren, param?: IN): OUT;
  commitStatement(children: CommitStatementCstChildren, param?: IN): OUT;
  rollbackStatement(children: RollbackStatementCstChildren, param?: IN): OUT;
  transactionWord(children: TransactionWordCstChildren, param?: IN): OUT;
  setStatement(children: SetStatementCstChildren, param?: IN): OUT;
  settingName(children: SettingNameCstChildren, param?: IN): OUT;
  settingValues(children: SettingValuesCstChildren, param?: IN): OUT;
  settingValue(children: SettingValueCstChildren, param?: IN): OUT;
  signedNumber(children: SignedNumberCstChildren, param?: IN): OUT;
  timeZoneValue(children: TimeZoneValueCstChildren, param?: IN): OUT;
  showStatement(children: ShowStatementCstChildren, param?: IN): OUT;
  resetStatement(children: ResetStatementCstChildren, param?: IN): OUT;
  expression(children: ExpressionCstChildren, param?: IN): OUT;
  andExpression(children: AndExpressionCstChildren, param?: IN): OUT;
  notExpression(children: NotExpressionCstChildren, param?: IN): OUT;
  isExpression(children: IsExpressionCstChildren, param?: IN): OUT;
  isSuffix(children: IsSuffixCstChildren, param?: IN): OUT;
  comparisonExpression(children: ComparisonExpressionCstChildren, param?: IN): OUT;
  patternExpression(children: PatternExpressionCstChildren, param?: IN): OUT;
  patternSuffix(children: PatternSuffixCstChildren, param?: IN): OUT;
  operatorExpression(children: OperatorExpressionCstChildren, param?: IN): OUT;
  additiveExpression(children: AdditiveExpressionCstChildren, param?: IN): OUT;
  multiplicativeExpression(children: MultiplicativeExpressionCstChildren, param?: IN): OUT;
  exponentExpression(children: ExponentExpressionCstChildren, param?: IN): OUT;
  unaryExpression(children: UnaryExpressionCstChildren, param?: IN): OUT;
  castExpression(children: CastExpressionCstChildren, param?: IN): OUT;
  primaryExpression(children: PrimaryExpressionCstChildren, param?: IN): OUT;
  castFunction(children: CastFunctionCstChildren, param?: IN): OUT;
  caseExpression(children: CaseExpressionCstChildren, param?: IN): OUT;
  caseWhen(children: CaseWhenCstChildren, param?: IN): OUT;
  nameExpression(children: NameExpressionCstChildren, param?: IN): OUT;
  functionArguments(children: FunctionArgumentsCstChildren, param?: IN): OUT;
  typeName(children: TypeNameCstChildren, param?: IN): OUT;
  typeNameTail(children: TypeNameTailCstChildren, param?: IN): OUT;
  typeModifiers(children: TypeModifiersCstChildren, param?: IN): OUT;
}
