/**
 * The grammar of dmachine's SQL as a chevrotain CstParser, free of actions
 * (STYLE 10): it only recognizes and builds the concrete syntax tree;
 * cst-to-ast.ts gives it meaning. docs/sql-grammar.md is rendered from these
 * rules.
 *
 * Shape, chosen for errors and for growth:
 * - Every decision is made on the first token where it can be (CREATE then TABLE
 *   or USER, not CREATE TABLE against CREATE USER), so a syntax error points at
 *   the token PostgreSQL would name: `CREATE FOO` fails at FOO.
 * - A statement starts with its own keyword, so the queue statements (CREATE QUEUE,
 *   DROP QUEUE, ENQUEUE, DEQUEUE, READ, ACK) are one alternative each in
 *   `statement`, `createStatement` and `dropStatement` (and the data ones in
 *   `explainableStatement`); their words are unreserved keywords that may also be
 *   an alias without AS, so no existing name or alias stops working.
 * - Expressions have one rule per PostgreSQL precedence level, loosest first:
 *   OR, AND, NOT, IS, comparison, BETWEEN/IN/LIKE, other operators (`||`, `->>`),
 *   `+ -`, `* / %`, `^`, unary `+ -`, `::`, primary. Comparison and
 *   BETWEEN/IN/LIKE do not chain (`a = b = c` is a syntax error, as in PostgreSQL).
 *   Each level of parentheses costs a call of every level's rule, so parse.ts
 *   bounds nesting (nestingDepthMax); prefixes (NOT, signs) and chains of
 *   operators are loops and cost nothing.
 */
import { CstParser, type IParserErrorMessageProvider, type TokenType } from 'chevrotain';
import * as token from './tokens.js';

/** Tokens ahead the parser may look to choose: `t.*` against `t.column` in a select list needs three. */
const lookaheadTokensMax = 3;

/**
 * parse.ts describes errors itself (PostgreSQL's words, and what was expected
 * from the grammar), so chevrotain's own messages are kept short and cheap.
 */
const terseErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }) => `expected ${expected.name}`,
  buildNotAllInputParsedMessage: () => 'expected end of input',
  buildNoViableAltMessage: ({ ruleName }) => `no alternative in ${ruleName}`,
  buildEarlyExitMessage: ({ ruleName }) => `early exit in ${ruleName}`,
};

export class SqlGrammar extends CstParser {
  constructor() {
    super(token.allTokens as TokenType[], {
      maxLookahead: lookaheadTokensMax,
      nodeLocationTracking: 'onlyOffset',
      errorMessageProvider: terseErrorMessages,
    });
    this.performSelfAnalysis();
  }

  /** Statements separated by `;`; empty statements are allowed and skipped. The start rule. */
  readonly statementList = this.RULE('statementList', () => {
    this.OPTION(() => this.SUBRULE(this.statement));
    this.MANY(() => {
      this.CONSUME(token.Semicolon);
      this.OPTION2(() => this.SUBRULE2(this.statement));
    });
  });

  readonly statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.selectStatement) },
      { ALT: () => this.SUBRULE(this.insertStatement) },
      { ALT: () => this.SUBRULE(this.updateStatement) },
      { ALT: () => this.SUBRULE(this.deleteStatement) },
      { ALT: () => this.SUBRULE(this.enqueueStatement) },
      { ALT: () => this.SUBRULE(this.dequeueStatement) },
      { ALT: () => this.SUBRULE(this.readStatement) },
      { ALT: () => this.SUBRULE(this.ackStatement) },
      { ALT: () => this.SUBRULE(this.createStatement) },
      { ALT: () => this.SUBRULE(this.dropStatement) },
      { ALT: () => this.SUBRULE(this.alterStatement) },
      { ALT: () => this.SUBRULE(this.explainStatement) },
      { ALT: () => this.SUBRULE(this.beginStatement) },
      { ALT: () => this.SUBRULE(this.commitStatement) },
      { ALT: () => this.SUBRULE(this.rollbackStatement) },
      { ALT: () => this.SUBRULE(this.setStatement) },
      { ALT: () => this.SUBRULE(this.showStatement) },
      { ALT: () => this.SUBRULE(this.resetStatement) },
    ]);
  });

  // -------------------------------------------------------------------------
  // SELECT

  readonly selectStatement = this.RULE('selectStatement', () => {
    this.CONSUME(token.Select);
    this.OPTION(() => this.OR([{ ALT: () => this.CONSUME(token.Distinct) }, { ALT: () => this.CONSUME(token.All) }]));
    this.OPTION2(() => this.SUBRULE(this.selectList));
    this.OPTION3(() => this.SUBRULE(this.fromClause));
    this.OPTION4(() => this.SUBRULE(this.whereClause));
    this.OPTION5(() => this.SUBRULE(this.groupByClause));
    this.OPTION6(() => this.SUBRULE(this.havingClause));
    this.OPTION7(() => this.SUBRULE(this.orderByClause));
    this.OPTION8(() => this.SUBRULE(this.limitOffsetClause));
  });

  readonly selectList = this.RULE('selectList', () => {
    this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.selectTarget) });
  });

  /** `*`, `table.*`, or `expression [[AS] alias]`. */
  readonly selectTarget = this.RULE('selectTarget', () => {
    this.OR([
      { ALT: () => this.CONSUME(token.Star) },
      {
        ALT: () => {
          this.CONSUME(token.Name);
          this.CONSUME(token.Period);
          this.CONSUME2(token.Star);
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.expression);
          this.OPTION(() => this.SUBRULE(this.alias));
        },
      },
    ]);
  });

  /**
   * After AS any word is a label, even a reserved keyword; without AS a plain or quoted
   * identifier, or one of the keywords that may be a bare alias (tokens.ts, BareAliasKeyword).
   */
  readonly alias = this.RULE('alias', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(token.As);
          this.CONSUME(token.Label);
        },
      },
      { ALT: () => this.CONSUME(token.Identifier) },
      { ALT: () => this.CONSUME(token.QuotedIdentifier) },
      { ALT: () => this.CONSUME(token.BareAliasKeyword) },
    ]);
  });

  readonly fromClause = this.RULE('fromClause', () => {
    this.CONSUME(token.From);
    this.SUBRULE(this.tableReference);
  });

  readonly tableReference = this.RULE('tableReference', () => {
    this.SUBRULE(this.tableName);
    this.OPTION(() => this.SUBRULE(this.alias));
  });

  readonly tableName = this.RULE('tableName', () => {
    this.CONSUME(token.Name);
    this.OPTION(() => {
      this.CONSUME(token.Period);
      this.CONSUME2(token.Name);
    });
  });

  readonly whereClause = this.RULE('whereClause', () => {
    this.CONSUME(token.Where);
    this.SUBRULE(this.expression);
  });

  readonly groupByClause = this.RULE('groupByClause', () => {
    this.CONSUME(token.Group);
    this.CONSUME(token.By);
    this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.expression) });
  });

  readonly havingClause = this.RULE('havingClause', () => {
    this.CONSUME(token.Having);
    this.SUBRULE(this.expression);
  });

  readonly orderByClause = this.RULE('orderByClause', () => {
    this.CONSUME(token.Order);
    this.CONSUME(token.By);
    this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.orderByItem) });
  });

  readonly orderByItem = this.RULE('orderByItem', () => {
    this.SUBRULE(this.expression);
    this.OPTION(() => this.OR([{ ALT: () => this.CONSUME(token.Asc) }, { ALT: () => this.CONSUME(token.Desc) }]));
    this.OPTION2(() => {
      this.CONSUME(token.Nulls);
      this.OR2([{ ALT: () => this.CONSUME(token.First) }, { ALT: () => this.CONSUME(token.Last) }]);
    });
  });

  /** LIMIT and OFFSET, in either order, as PostgreSQL accepts them. */
  readonly limitOffsetClause = this.RULE('limitOffsetClause', () => {
    this.OR([
      {
        ALT: () => {
          this.SUBRULE(this.limitClause);
          this.OPTION(() => this.SUBRULE(this.offsetClause));
        },
      },
      {
        ALT: () => {
          this.SUBRULE2(this.offsetClause);
          this.OPTION2(() => this.SUBRULE2(this.limitClause));
        },
      },
    ]);
  });

  readonly limitClause = this.RULE('limitClause', () => {
    this.CONSUME(token.Limit);
    this.OR([{ ALT: () => this.CONSUME(token.All) }, { ALT: () => this.SUBRULE(this.expression) }]);
  });

  readonly offsetClause = this.RULE('offsetClause', () => {
    this.CONSUME(token.Offset);
    this.SUBRULE(this.expression);
  });

  // -------------------------------------------------------------------------
  // INSERT, UPDATE, DELETE

  readonly insertStatement = this.RULE('insertStatement', () => {
    this.CONSUME(token.Insert);
    this.CONSUME(token.Into);
    this.SUBRULE(this.tableName);
    this.OPTION(() => this.SUBRULE(this.columnList));
    this.CONSUME(token.Values);
    this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.valuesRow) });
    this.OPTION2(() => this.SUBRULE(this.onConflictClause));
    this.OPTION3(() => this.SUBRULE(this.returningClause));
  });

  readonly columnList = this.RULE('columnList', () => {
    this.CONSUME(token.LeftParenthesis);
    this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.CONSUME(token.Name) });
    this.CONSUME(token.RightParenthesis);
  });

  readonly valuesRow = this.RULE('valuesRow', () => {
    this.CONSUME(token.LeftParenthesis);
    this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.valueItem) });
    this.CONSUME(token.RightParenthesis);
  });

  readonly valueItem = this.RULE('valueItem', () => {
    this.OR([{ ALT: () => this.CONSUME(token.Default) }, { ALT: () => this.SUBRULE(this.expression) }]);
  });

  readonly onConflictClause = this.RULE('onConflictClause', () => {
    this.CONSUME(token.On);
    this.CONSUME(token.Conflict);
    this.OPTION(() => this.SUBRULE(this.columnList));
    this.CONSUME(token.Do);
    this.OR([
      { ALT: () => this.CONSUME(token.Nothing) },
      {
        ALT: () => {
          this.CONSUME(token.Update);
          this.CONSUME(token.SetKeyword);
          this.SUBRULE(this.assignmentList);
          this.OPTION2(() => this.SUBRULE(this.whereClause));
        },
      },
    ]);
  });

  readonly assignmentList = this.RULE('assignmentList', () => {
    this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.assignment) });
  });

  readonly assignment = this.RULE('assignment', () => {
    this.CONSUME(token.Name);
    this.CONSUME(token.Equals);
    this.SUBRULE(this.valueItem);
  });

  readonly returningClause = this.RULE('returningClause', () => {
    this.CONSUME(token.Returning);
    this.SUBRULE(this.selectList);
  });

  readonly updateStatement = this.RULE('updateStatement', () => {
    this.CONSUME(token.Update);
    this.SUBRULE(this.tableReference);
    this.CONSUME(token.SetKeyword);
    this.SUBRULE(this.assignmentList);
    this.OPTION(() => this.SUBRULE(this.whereClause));
    this.OPTION2(() => this.SUBRULE(this.returningClause));
  });

  readonly deleteStatement = this.RULE('deleteStatement', () => {
    this.CONSUME(token.Delete);
    this.CONSUME(token.From);
    this.SUBRULE(this.tableReference);
    this.OPTION(() => this.SUBRULE(this.whereClause));
    this.OPTION2(() => this.SUBRULE(this.returningClause));
  });

  // -------------------------------------------------------------------------
  // ENQUEUE, DEQUEUE, READ, ACK (CREATE and DROP QUEUE are with the other DDL)

  readonly enqueueStatement = this.RULE('enqueueStatement', () => {
    this.CONSUME(token.Enqueue);
    this.CONSUME(token.Into);
    this.SUBRULE(this.tableName);
    this.CONSUME(token.Values);
    this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.enqueueRow) });
    this.OPTION(() => this.SUBRULE(this.returningClause));
  });

  /**
   * A row holds one body, but any number of expressions parse here so that
   * cst-to-ast.ts can say what is wrong with a row of two, rather than the
   * grammar pointing at a comma.
   */
  readonly enqueueRow = this.RULE('enqueueRow', () => {
    this.CONSUME(token.LeftParenthesis);
    this.MANY_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.expression) });
    this.CONSUME(token.RightParenthesis);
  });

  readonly dequeueStatement = this.RULE('dequeueStatement', () => {
    this.CONSUME(token.Dequeue);
    this.CONSUME(token.From);
    this.SUBRULE(this.tableName);
    this.OPTION(() => this.SUBRULE(this.queueLimitClause));
  });

  /** LIMIT and VISIBILITY, each at most once, in either order. */
  readonly readStatement = this.RULE('readStatement', () => {
    this.CONSUME(token.Read);
    this.CONSUME(token.From);
    this.SUBRULE(this.tableName);
    this.OPTION(() =>
      this.OR([
        {
          ALT: () => {
            this.SUBRULE(this.queueLimitClause);
            this.OPTION2(() => this.SUBRULE(this.visibilityClause));
          },
        },
        {
          ALT: () => {
            this.SUBRULE2(this.visibilityClause);
            this.OPTION3(() => this.SUBRULE2(this.queueLimitClause));
          },
        },
      ]),
    );
  });

  /** Unlike SELECT's, no LIMIT ALL: an absent LIMIT has its own meaning for a queue (the compiler's default). */
  readonly queueLimitClause = this.RULE('queueLimitClause', () => {
    this.CONSUME(token.Limit);
    this.SUBRULE(this.expression);
  });

  readonly visibilityClause = this.RULE('visibilityClause', () => {
    this.CONSUME(token.Visibility);
    this.SUBRULE(this.expression);
  });

  readonly ackStatement = this.RULE('ackStatement', () => {
    this.CONSUME(token.Ack);
    this.SUBRULE(this.tableName);
    this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.expression) });
  });

  // -------------------------------------------------------------------------
  // CREATE, DROP, ALTER

  readonly createStatement = this.RULE('createStatement', () => {
    this.CONSUME(token.Create);
    this.OR([
      { ALT: () => this.SUBRULE(this.createTable) },
      { ALT: () => this.SUBRULE(this.createUser) },
      { ALT: () => this.SUBRULE(this.createQueue) },
    ]);
  });

  readonly createTable = this.RULE('createTable', () => {
    this.CONSUME(token.Table);
    this.OPTION(() => {
      this.CONSUME(token.If);
      this.CONSUME(token.Not);
      this.CONSUME(token.Exists);
    });
    this.SUBRULE(this.tableName);
    this.CONSUME(token.LeftParenthesis);
    this.MANY_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.tableElement) });
    this.CONSUME(token.RightParenthesis);
  });

  readonly tableElement = this.RULE('tableElement', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.columnDefinition) }, { ALT: () => this.SUBRULE(this.primaryKeyConstraint) }]);
  });

  readonly columnDefinition = this.RULE('columnDefinition', () => {
    this.CONSUME(token.Name);
    this.SUBRULE(this.typeName);
    this.MANY(() => this.SUBRULE(this.columnConstraint));
  });

  readonly columnConstraint = this.RULE('columnConstraint', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(token.Primary);
          this.CONSUME(token.Key);
        },
      },
      {
        ALT: () => {
          this.CONSUME(token.Not);
          this.CONSUME(token.Null);
        },
      },
      { ALT: () => this.CONSUME2(token.Null) },
      {
        ALT: () => {
          // PostgreSQL's b_expr: no boolean operators, IS, LIKE or IN, so `DEFAULT 'x' NOT NULL` reads as two constraints.
          this.CONSUME(token.Default);
          this.SUBRULE(this.operatorExpression);
        },
      },
    ]);
  });

  readonly primaryKeyConstraint = this.RULE('primaryKeyConstraint', () => {
    this.CONSUME(token.Primary);
    this.CONSUME(token.Key);
    this.SUBRULE(this.columnList);
  });

  readonly createUser = this.RULE('createUser', () => {
    this.CONSUME(token.User);
    this.CONSUME(token.Name);
    this.OPTION(() => this.CONSUME(token.With));
    this.OPTION2(() => {
      this.CONSUME(token.Password);
      this.CONSUME(token.StringLiteral);
    });
  });

  /** `QUEUE [IF NOT EXISTS] name [WITH (setting = integer, ...)]`; which settings exist is the compiler's call. */
  readonly createQueue = this.RULE('createQueue', () => {
    this.CONSUME(token.Queue);
    this.OPTION(() => {
      this.CONSUME(token.If);
      this.CONSUME(token.Not);
      this.CONSUME(token.Exists);
    });
    this.SUBRULE(this.tableName);
    this.OPTION2(() => {
      this.CONSUME(token.With);
      this.CONSUME(token.LeftParenthesis);
      this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.queueSetting) });
      this.CONSUME(token.RightParenthesis);
    });
  });

  readonly queueSetting = this.RULE('queueSetting', () => {
    this.CONSUME(token.Name);
    this.CONSUME(token.Equals);
    this.SUBRULE(this.signedNumber);
  });

  readonly dropStatement = this.RULE('dropStatement', () => {
    this.CONSUME(token.Drop);
    this.OR([
      { ALT: () => this.SUBRULE(this.dropTable) },
      { ALT: () => this.SUBRULE(this.dropUser) },
      { ALT: () => this.SUBRULE(this.dropQueue) },
    ]);
  });

  readonly dropTable = this.RULE('dropTable', () => {
    this.CONSUME(token.Table);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.SUBRULE(this.tableName);
  });

  readonly dropUser = this.RULE('dropUser', () => {
    this.CONSUME(token.User);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.CONSUME(token.Name);
  });

  readonly dropQueue = this.RULE('dropQueue', () => {
    this.CONSUME(token.Queue);
    this.OPTION(() => this.SUBRULE(this.ifExists));
    this.SUBRULE(this.tableName);
  });

  readonly ifExists = this.RULE('ifExists', () => {
    this.CONSUME(token.If);
    this.CONSUME(token.Exists);
  });

  readonly alterStatement = this.RULE('alterStatement', () => {
    this.CONSUME(token.Alter);
    this.SUBRULE(this.alterUser);
  });

  readonly alterUser = this.RULE('alterUser', () => {
    this.CONSUME(token.User);
    this.CONSUME(token.Name);
    this.OPTION(() => this.CONSUME(token.With));
    this.CONSUME(token.Password);
    this.CONSUME(token.StringLiteral);
  });

  // -------------------------------------------------------------------------
  // EXPLAIN

  readonly explainStatement = this.RULE('explainStatement', () => {
    this.CONSUME(token.Explain);
    this.OPTION(() => this.CONSUME(token.Analyze));
    this.SUBRULE(this.explainableStatement);
  });

  readonly explainableStatement = this.RULE('explainableStatement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.selectStatement) },
      { ALT: () => this.SUBRULE(this.insertStatement) },
      { ALT: () => this.SUBRULE(this.updateStatement) },
      { ALT: () => this.SUBRULE(this.deleteStatement) },
      { ALT: () => this.SUBRULE(this.enqueueStatement) },
      { ALT: () => this.SUBRULE(this.dequeueStatement) },
      { ALT: () => this.SUBRULE(this.readStatement) },
      { ALT: () => this.SUBRULE(this.ackStatement) },
    ]);
  });

  // -------------------------------------------------------------------------
  // Session statements

  readonly beginStatement = this.RULE('beginStatement', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(token.Begin);
          this.OPTION(() => this.SUBRULE(this.transactionWord));
        },
      },
      {
        ALT: () => {
          this.CONSUME(token.Start);
          this.CONSUME(token.Transaction);
        },
      },
    ]);
  });

  readonly commitStatement = this.RULE('commitStatement', () => {
    this.OR([{ ALT: () => this.CONSUME(token.Commit) }, { ALT: () => this.CONSUME(token.End) }]);
    this.OPTION(() => this.SUBRULE(this.transactionWord));
  });

  readonly rollbackStatement = this.RULE('rollbackStatement', () => {
    this.OR([{ ALT: () => this.CONSUME(token.Rollback) }, { ALT: () => this.CONSUME(token.Abort) }]);
    this.OPTION(() => this.SUBRULE(this.transactionWord));
  });

  /** The noise word after BEGIN, COMMIT and ROLLBACK. */
  readonly transactionWord = this.RULE('transactionWord', () => {
    this.OR([{ ALT: () => this.CONSUME(token.Transaction) }, { ALT: () => this.CONSUME(token.Work) }]);
  });

  readonly setStatement = this.RULE('setStatement', () => {
    this.CONSUME(token.SetKeyword);
    this.OPTION(() => this.OR([{ ALT: () => this.CONSUME(token.Session) }, { ALT: () => this.CONSUME(token.Local) }]));
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(token.Time);
          this.CONSUME(token.Zone);
          this.SUBRULE(this.timeZoneValue);
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.settingName);
          this.OR3([{ ALT: () => this.CONSUME(token.To) }, { ALT: () => this.CONSUME(token.Equals) }]);
          this.SUBRULE(this.settingValues);
        },
      },
    ]);
  });

  readonly settingName = this.RULE('settingName', () => {
    this.CONSUME(token.Name);
    this.MANY(() => {
      this.CONSUME(token.Period);
      this.CONSUME2(token.Name);
    });
  });

  readonly settingValues = this.RULE('settingValues', () => {
    this.OR([
      { ALT: () => this.CONSUME(token.Default) },
      { ALT: () => this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.settingValue) }) },
    ]);
  });

  /** PostgreSQL's var_value: a word (TRUE, FALSE and ON are words here), a string, or a signed number. */
  readonly settingValue = this.RULE('settingValue', () => {
    this.OR([
      { ALT: () => this.CONSUME(token.StringLiteral) },
      { ALT: () => this.CONSUME(token.Name) },
      { ALT: () => this.CONSUME(token.True) },
      { ALT: () => this.CONSUME(token.False) },
      { ALT: () => this.CONSUME(token.On) },
      { ALT: () => this.SUBRULE(this.signedNumber) },
    ]);
  });

  readonly signedNumber = this.RULE('signedNumber', () => {
    this.OPTION(() => this.CONSUME(token.AdditiveOperator));
    this.CONSUME(token.NumberLiteral);
  });

  /** SET TIME ZONE's value; the word LOCAL, like DEFAULT, means the default. */
  readonly timeZoneValue = this.RULE('timeZoneValue', () => {
    this.OR([
      { ALT: () => this.CONSUME(token.StringLiteral) },
      { ALT: () => this.CONSUME(token.Name) },
      { ALT: () => this.SUBRULE(this.signedNumber) },
      { ALT: () => this.CONSUME(token.Default) },
    ]);
  });

  readonly showStatement = this.RULE('showStatement', () => {
    this.CONSUME(token.Show);
    this.OR([
      { ALT: () => this.CONSUME(token.All) },
      {
        ALT: () => {
          this.CONSUME(token.Time);
          this.CONSUME(token.Zone);
        },
      },
      {
        ALT: () => {
          this.CONSUME(token.Transaction);
          this.CONSUME(token.Isolation);
          this.CONSUME(token.Level);
        },
      },
      { ALT: () => this.SUBRULE(this.settingName) },
    ]);
  });

  readonly resetStatement = this.RULE('resetStatement', () => {
    this.CONSUME(token.Reset);
    this.OR([
      { ALT: () => this.CONSUME(token.All) },
      {
        ALT: () => {
          this.CONSUME(token.Time);
          this.CONSUME(token.Zone);
        },
      },
      { ALT: () => this.SUBRULE(this.settingName) },
    ]);
  });

  // -------------------------------------------------------------------------
  // Expressions, loosest precedence first

  readonly expression = this.RULE('expression', () => {
    this.SUBRULE(this.andExpression);
    this.MANY(() => {
      this.CONSUME(token.Or);
      this.SUBRULE2(this.andExpression);
    });
  });

  /** NOT is a prefix repeated in a loop, not by recursion, so `NOT NOT ... x` costs no stack. */
  readonly andExpression = this.RULE('andExpression', () => {
    this.SUBRULE(this.notExpression);
    this.MANY(() => {
      this.CONSUME(token.And);
      this.SUBRULE2(this.notExpression);
    });
  });

  readonly notExpression = this.RULE('notExpression', () => {
    this.MANY(() => this.CONSUME(token.Not));
    this.SUBRULE(this.isExpression);
  });

  readonly isExpression = this.RULE('isExpression', () => {
    this.SUBRULE(this.comparisonExpression);
    this.MANY(() => this.SUBRULE(this.isSuffix));
  });

  readonly isSuffix = this.RULE('isSuffix', () => {
    this.CONSUME(token.Is);
    this.OPTION(() => this.CONSUME(token.Not));
    this.OR([
      { ALT: () => this.CONSUME(token.Null) },
      { ALT: () => this.CONSUME(token.True) },
      { ALT: () => this.CONSUME(token.False) },
      { ALT: () => this.CONSUME(token.Unknown) },
      {
        ALT: () => {
          this.CONSUME(token.Distinct);
          this.CONSUME(token.From);
          this.SUBRULE(this.comparisonExpression);
        },
      },
    ]);
  });

  readonly comparisonExpression = this.RULE('comparisonExpression', () => {
    this.SUBRULE(this.patternExpression);
    this.OPTION(() => {
      this.CONSUME(token.ComparisonOperator);
      this.SUBRULE2(this.patternExpression);
    });
  });

  readonly patternExpression = this.RULE('patternExpression', () => {
    this.SUBRULE(this.operatorExpression);
    this.OPTION(() => this.SUBRULE(this.patternSuffix));
  });

  /** `[NOT] BETWEEN a AND b`, `[NOT] IN (list)`, `[NOT] LIKE | ILIKE p [ESCAPE e]`. */
  readonly patternSuffix = this.RULE('patternSuffix', () => {
    this.OPTION(() => this.CONSUME(token.Not));
    this.OR([
      {
        ALT: () => {
          this.CONSUME(token.Between);
          this.SUBRULE(this.operatorExpression, { LABEL: 'low' });
          this.CONSUME(token.And);
          this.SUBRULE2(this.operatorExpression, { LABEL: 'high' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(token.In);
          this.CONSUME(token.LeftParenthesis);
          this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.expression) });
          this.CONSUME(token.RightParenthesis);
        },
      },
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(token.Like) }, { ALT: () => this.CONSUME(token.Ilike) }]);
          this.SUBRULE3(this.operatorExpression, { LABEL: 'pattern' });
          this.OPTION2(() => {
            this.CONSUME(token.Escape);
            this.SUBRULE4(this.operatorExpression, { LABEL: 'escape' });
          });
        },
      },
    ]);
  });

  /** Every operator without a level of its own (`||`, `->>`, `@>`), left to right. */
  readonly operatorExpression = this.RULE('operatorExpression', () => {
    this.SUBRULE(this.additiveExpression);
    this.MANY(() => {
      this.CONSUME(token.GenericOperator);
      this.SUBRULE2(this.additiveExpression);
    });
  });

  readonly additiveExpression = this.RULE('additiveExpression', () => {
    this.SUBRULE(this.multiplicativeExpression);
    this.MANY(() => {
      this.CONSUME(token.AdditiveOperator);
      this.SUBRULE2(this.multiplicativeExpression);
    });
  });

  readonly multiplicativeExpression = this.RULE('multiplicativeExpression', () => {
    this.SUBRULE(this.exponentExpression);
    this.MANY(() => {
      this.CONSUME(token.MultiplicativeOperator);
      this.SUBRULE2(this.exponentExpression);
    });
  });

  readonly exponentExpression = this.RULE('exponentExpression', () => {
    this.SUBRULE(this.unaryExpression);
    this.MANY(() => {
      this.CONSUME(token.Caret);
      this.SUBRULE2(this.unaryExpression);
    });
  });

  /** Signs are a prefix repeated in a loop, like NOT. */
  readonly unaryExpression = this.RULE('unaryExpression', () => {
    this.MANY(() => this.CONSUME(token.AdditiveOperator));
    this.SUBRULE(this.castExpression);
  });

  readonly castExpression = this.RULE('castExpression', () => {
    this.SUBRULE(this.primaryExpression);
    this.MANY(() => {
      this.CONSUME(token.DoubleColon);
      this.SUBRULE(this.typeName);
    });
  });

  readonly primaryExpression = this.RULE('primaryExpression', () => {
    this.OR([
      { ALT: () => this.CONSUME(token.NumberLiteral) },
      { ALT: () => this.CONSUME(token.StringLiteral) },
      { ALT: () => this.CONSUME(token.True) },
      { ALT: () => this.CONSUME(token.False) },
      { ALT: () => this.CONSUME(token.Null) },
      { ALT: () => this.CONSUME(token.Parameter) },
      { ALT: () => this.CONSUME(token.SqlValueFunctionKeyword) },
      {
        ALT: () => {
          this.CONSUME(token.LeftParenthesis);
          this.SUBRULE(this.expression);
          this.CONSUME(token.RightParenthesis);
        },
      },
      { ALT: () => this.SUBRULE(this.castFunction) },
      { ALT: () => this.SUBRULE(this.caseExpression) },
      { ALT: () => this.SUBRULE(this.nameExpression) },
    ]);
  });

  readonly castFunction = this.RULE('castFunction', () => {
    this.CONSUME(token.Cast);
    this.CONSUME(token.LeftParenthesis);
    this.SUBRULE(this.expression);
    this.CONSUME(token.As);
    this.SUBRULE(this.typeName);
    this.CONSUME(token.RightParenthesis);
  });

  readonly caseExpression = this.RULE('caseExpression', () => {
    this.CONSUME(token.Case);
    this.OPTION(() => this.SUBRULE(this.expression, { LABEL: 'operand' }));
    this.AT_LEAST_ONE(() => this.SUBRULE(this.caseWhen));
    this.OPTION2(() => {
      this.CONSUME(token.Else);
      this.SUBRULE2(this.expression, { LABEL: 'elseResult' });
    });
    this.CONSUME(token.End);
  });

  readonly caseWhen = this.RULE('caseWhen', () => {
    this.CONSUME(token.When);
    this.SUBRULE(this.expression, { LABEL: 'condition' });
    this.CONSUME(token.Then);
    this.SUBRULE2(this.expression, { LABEL: 'result' });
  });

  /**
   * What starts with a name: a column reference (`col`, `t.col`), a function call
   * (`f(x)`, `pg_catalog.f(x)`), or a typed literal (`timestamptz '...'`,
   * `double precision '1.5'`). One rule, so that the choice is made on the token
   * after the name.
   */
  readonly nameExpression = this.RULE('nameExpression', () => {
    this.CONSUME(token.Name);
    this.OPTION(() => {
      this.CONSUME(token.Period);
      this.CONSUME2(token.Name);
    });
    this.OPTION2(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.functionArguments) },
        {
          ALT: () => {
            this.OPTION3(() => this.SUBRULE(this.typeNameTail));
            this.CONSUME(token.StringLiteral);
          },
        },
      ]),
    );
  });

  readonly functionArguments = this.RULE('functionArguments', () => {
    this.CONSUME(token.LeftParenthesis);
    this.OPTION(() =>
      this.OR([
        { ALT: () => this.CONSUME(token.Star) },
        {
          ALT: () => {
            this.OPTION2(() => this.OR2([{ ALT: () => this.CONSUME(token.Distinct) }, { ALT: () => this.CONSUME(token.All) }]));
            this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.SUBRULE(this.expression) });
          },
        },
      ]),
    );
    this.CONSUME(token.RightParenthesis);
  });

  /**
   * `name [.name] [tail] [(modifiers)] [tail]`: the tail makes the multi-word
   * names (double precision, character varying, timestamp with time zone), and may
   * come before the modifiers (`character varying(10)`) or after them
   * (`timestamp(3) with time zone`). cst-to-ast.ts checks that the words go together.
   */
  readonly typeName = this.RULE('typeName', () => {
    this.CONSUME(token.Name);
    this.OPTION(() => {
      this.CONSUME(token.Period);
      this.CONSUME2(token.Name);
    });
    this.OPTION2(() => this.SUBRULE(this.typeNameTail));
    this.OPTION3(() => this.SUBRULE(this.typeModifiers));
    this.OPTION4(() => this.SUBRULE2(this.typeNameTail));
  });

  readonly typeNameTail = this.RULE('typeNameTail', () => {
    this.OR([
      { ALT: () => this.CONSUME(token.Precision) },
      { ALT: () => this.CONSUME(token.Varying) },
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(token.With) }, { ALT: () => this.CONSUME(token.Without) }]);
          this.CONSUME(token.Time);
          this.CONSUME(token.Zone);
        },
      },
    ]);
  });

  readonly typeModifiers = this.RULE('typeModifiers', () => {
    this.CONSUME(token.LeftParenthesis);
    this.AT_LEAST_ONE_SEP({ SEP: token.Comma, DEF: () => this.CONSUME(token.NumberLiteral) });
    this.CONSUME(token.RightParenthesis);
  });
}

/** Built once: self-analysis is the expensive part, and parsing resets the instance. */
export const sqlGrammar = new SqlGrammar();
