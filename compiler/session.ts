/**
 * A SQL session: the text of a simple query in, one result per statement out,
 * as PostgreSQL's simple-query protocol answers (one CommandComplete each).
 * Statements run one by one and an error stops the rest. The wire layer
 * (DESIGN §6) is meant to sit on this; tests drive it directly.
 *
 *     parseStatements ─▶ per statement: DDL through the Catalog, or
 *                        compile (template by shape) ─▶ prepareProgram ─▶ programRunner.run
 *
 * There are no multi-statement transactions yet: every statement is atomic per
 * row (one COMPARE&SWAP per row), so BEGIN is refused with 0A000 rather than
 * pretending to give isolation it cannot.
 */
import { SqlError, SqlState } from '../common/sql-error.js';
import type * as ast from '../parser/ast.js';
import { parseStatements } from '../parser/parse.js';
import type { Memory } from '../store/memory.js';
import { programRunner, type ProgramRunner } from '../vm/engine.js';
import { prepareProgram } from '../vm/prepared-program.js';
import type { Program } from '../vm/program.js';
import type { ExecutionLimits, ExecutionStats } from '../vm/run-state.js';
import { sqlCast } from '../vm/sql-operations.js';
import type { SqlType, SqlValue } from '../vm/sql-values.js';
import { disassemble } from '../vm/text-format.js';
import { Catalog, checkSetting, queueSettingBounds, queueSettingsDefault, type QueueSettings } from './catalog.js';
import { explainAnalyzeFields, explainAnalyzeRows, explainFields, explainRows } from './explain.js';
import { tableSpecOf } from './create-table.js';
import { compileInsert, type CompiledTableStatement } from './insert.js';
import { compileSelectFrom } from './select-from.js';
import { compileSelectWithoutFrom } from './select-without-from.js';
import { bindLiftedValue, compiledKinds, liftLiterals, type LiftedLiteral } from './literal-lifting.js';
import {
  StatementCache,
  statementCacheEntriesMaxDefault,
  type CachedProgram,
  type CachedStatement,
  type CachedText,
  type StatementCacheStats,
} from './statement-cache.js';
import { ErrorLocator } from './sql-types.js';
import { compileAck, compileEnqueue, compileQueueSelect, compileTake } from './queue-statements.js';
import { requireQueue, requireTable } from './table-scope.js';
import { compileUpdateOrDelete } from './update-delete.js';

export interface ExecuteOptions {
  /** Parameter types given by the protocol's Parse, by position (undefined: inferred from the statement). */
  readonly declaredParameterTypes?: readonly (SqlType | undefined)[] | undefined;
  /** Aborting it stops the running program with 57014 (vm/run-state.ts ExecutionContext.signal): CancelRequest, statement_timeout. */
  readonly signal?: AbortSignal | undefined;
}

/** A prepared statement as Describe reports it. */
export interface StatementDescription {
  readonly parameterTypes: readonly SqlType[];
  readonly fields: readonly ResultField[];
}


/** Times a statement is compiled and run again when its catalog check finds the table changed (55R01). */
export const recompileAttemptsMax = 3;

export interface ResultField {
  readonly name: string;
  readonly typeOid: number;
}

export interface StatementResult {
  readonly fields: readonly ResultField[];
  readonly rows: SqlValue[][];
  /** PostgreSQL's CommandComplete tag: `SELECT 2`, `INSERT 0 1`, `CREATE TABLE`, ... */
  readonly commandTag: string;
  /** NOTICE / WARNING texts the statement raised (IF [NOT] EXISTS finding nothing to do). */
  readonly notices: readonly string[];
}

export interface SqlSessionOptions {
  readonly memory: Memory;
  /** The authenticated user: the first component of every key (DESIGN §1). */
  readonly account: string;
  /** Shared by the sessions of one gateway process; a session makes its own otherwise. */
  readonly catalog?: Catalog | undefined;
  /** Milliseconds from an arbitrary origin, for EXPLAIN ANALYZE's time (STYLE 11: clocks are injected). */
  readonly clock?: (() => number) | undefined;
  /**
   * Reuse parsed statements and prepared programs of repeated query texts (compiler/statement-cache.ts).
   * On by default; `false` compiles every statement every time. DDL run by this session clears it;
   * DDL run elsewhere is not detected yet.
   */
  readonly statementCache?: boolean | undefined;
  /** The statement cache's bound, in query texts (least recently used evicted first). */
  readonly statementCacheEntriesMax?: number | undefined;
  /** The wall clock programs read (sql.now: enqueued_at, leases), milliseconds since 1970; Date.now otherwise. */
  readonly wallClock?: (() => number) | undefined;
  /** Limits of every program run (fuel, result rows, rows held for GROUP BY / ORDER BY); the VM's defaults otherwise. */
  readonly limits?: Partial<ExecutionLimits> | undefined;
  /** Runs the session commands (SET, SHOW, RESET, CREATE/ALTER/DROP USER), which belong to the frontend; 0A000 without. */
  readonly commands?: SessionCommands | undefined;
}

/** The frontend's handler of session commands, called in statement order like any statement. */
export type SessionCommands = (statement: ast.SessionCommand, sql: string) => Promise<StatementResult>;

/** A program a session ran and what it cost, for tests (EXPLAIN ANALYZE reports the same stats). */
export interface ProgramRun {
  readonly sql: string;
  readonly program: Program;
  readonly stats: ExecutionStats;
}

export class SqlSession {
  readonly memory: Memory;
  readonly account: string;
  readonly catalog: Catalog;
  private readonly clock: () => number;
  private readonly limits: Partial<ExecutionLimits> | undefined;
  private readonly wallClock: (() => number) | undefined;
  private readonly statementCache: StatementCache | undefined;
  private readonly commands: SessionCommands | undefined;
  /** The programs of the last execute(), in order. */
  lastRuns: ProgramRun[] = [];

  constructor(options: SqlSessionOptions) {
    // A handle of its own: a statement waits only for the writes in flight that it was shown.
    this.memory = options.memory.session();
    this.account = options.account;
    this.catalog = options.catalog ?? new Catalog({ memory: options.memory });
    this.clock = options.clock ?? (() => performance.now());
    this.limits = options.limits;
    this.wallClock = options.wallClock;
    this.commands = options.commands;
    this.statementCache =
      options.statementCache === false ? undefined : new StatementCache(options.statementCacheEntriesMax ?? statementCacheEntriesMaxDefault);
  }

  /** The statement cache's counters (undefined when the cache is off). */
  get statementCacheStats(): StatementCacheStats | undefined {
    return this.statementCache?.stats;
  }

  /**
   * Runs every statement of `sql` in turn with the same parameters; an error stops the rest.
   * Parameter types not declared are inferred from each statement.
   */
  async execute(sql: string, params: readonly SqlValue[] = [], options: ExecuteOptions = {}): Promise<StatementResult[]> {
    const declared = options.declaredParameterTypes ?? [];
    const text: CachedText = this.statementCache?.text(sql, parseStatements, declared) ?? uncachedText(sql);
    const results: StatementResult[] = [];
    this.lastRuns = [];
    for (let index = 0; index < text.statements.length; index++) {
      try {
        results.push(await this.executeStatement(text, index, sql, params, declared, options.signal));
      } finally {
        // What the statement saw (rows, a lost COMPARE&SWAP, "already exists") may be another
        // caller's write still in flight: the answer waits until that is durable (store/memory.ts).
        await this.memory.durable();
      }
    }
    return results;
  }

  /**
   * What the protocol's Describe of a prepared statement answers, without running it: the types
   * of its parameters (declared, else inferred) and the fields of its result (none for a statement
   * that returns no rows). At most one statement, as PostgreSQL's Parse allows.
   */
  async describe(sql: string, options: ExecuteOptions = {}): Promise<StatementDescription> {
    const declared = options.declaredParameterTypes ?? [];
    const text: CachedText = this.statementCache?.text(sql, parseStatements, declared) ?? uncachedText(sql);
    if (text.statements.length > 1) throw new SqlError('42601', 'cannot insert multiple commands into a prepared statement');
    const statement = text.statements[0];
    const given = declared.map((type) => type ?? 'text');
    if (statement === undefined) return { parameterTypes: given, fields: [] };
    const explained = statement.kind === 'ExplainStatement' ? statement.statement : undefined;
    if (explained !== undefined) {
      const compiled = await this.compile(explained, sql, declared);
      const fields = statement.kind === 'ExplainStatement' && statement.analyze ? explainAnalyzeFields : explainFields;
      return { parameterTypes: compiled?.parameterTypes ?? given, fields: fields.map(({ name, typeOid }) => ({ name, typeOid })) };
    }
    if (!compiledKinds.has(statement.kind)) return { parameterTypes: given, fields: [] };
    const { program, literals } = await this.preparedStatement(text, 0, sql, declared);
    const { parameterTypes, fields } = program.compiled;
    return { parameterTypes: parameterTypes.slice(0, parameterTypes.length - literals.length), fields: fields.map(({ name, typeOid }) => ({ name, typeOid })) };
  }

  /** The listing of the program one statement compiles to (it is not run). */
  async explain(sql: string): Promise<string> {
    return disassemble(await this.compileProgram(sql));
  }

  /** The program one statement compiles to, without running it (`dmachine compile`). */
  async compileProgram(sql: string): Promise<Program> {
    const statements = parseStatements(sql);
    if (statements.length !== 1) throw new SqlError('42601', 'explain takes exactly one statement');
    const compiled = await this.compile(statements[0]!, sql);
    if (compiled === undefined) throw new SqlError('0A000', `${statementName(statements[0]!)} does not compile to a program`);
    return compiled.program;
  }

  private async executeStatement(
    text: CachedText,
    index: number,
    sql: string,
    params: readonly SqlValue[],
    declared: readonly (SqlType | undefined)[],
    signal: AbortSignal | undefined,
  ): Promise<StatementResult> {
    const statement = text.statements[index]!;
    switch (statement.kind) {
      case 'CreateTableStatement': {
        const result = await this.withInvalidation(() => this.catalog.createTable(this.account, tableSpecOf(statement, sql), { ifNotExists: statement.ifNotExists }));
        const notices = result.created ? [] : [`relation "${statement.table.name}" already exists, skipping`];
        return { fields: [], rows: [], commandTag: 'CREATE TABLE', notices };
      }
      case 'DropTableStatement': {
        const result = await this.withInvalidation(() => this.catalog.dropTable(this.account, statement.table.name, { ifExists: statement.ifExists }));
        const notices = result.dropped ? [] : [`table "${statement.table.name}" does not exist, skipping`];
        return { fields: [], rows: [], commandTag: 'DROP TABLE', notices };
      }
      case 'CreateQueueStatement': {
        const settings = queueSettingsOf(statement, sql);
        const result = await this.withInvalidation(() => this.catalog.createQueue(this.account, statement.queue.name, settings, { ifNotExists: statement.ifNotExists }));
        const notices = result.created ? [] : [`relation "${statement.queue.name}" already exists, skipping`];
        return { fields: [], rows: [], commandTag: 'CREATE QUEUE', notices };
      }
      case 'DropQueueStatement': {
        const result = await this.withInvalidation(() => this.catalog.dropQueue(this.account, statement.queue.name, { ifExists: statement.ifExists }));
        const notices = result.dropped ? [] : [`queue "${statement.queue.name}" does not exist, skipping`];
        return { fields: [], rows: [], commandTag: 'DROP QUEUE', notices };
      }
      case 'BeginStatement':
        throw new ErrorLocator(sql).at(statement.span.start, '0A000', 'transactions are not supported yet: each statement is atomic per row', {
          detail: 'dmachine has no multi-statement transactions; every statement commits on its own, one COMPARE&SWAP per row.',
        });
      case 'CommitStatement':
      case 'RollbackStatement': {
        // As PostgreSQL answers COMMIT or ROLLBACK outside a transaction: a warning, not an error.
        const commandTag = statement.kind === 'CommitStatement' ? 'COMMIT' : 'ROLLBACK';
        return { fields: [], rows: [], commandTag, notices: ['there is no transaction in progress'] };
      }
      case 'ExplainStatement':
        return this.explainStatement(statement, sql, params, declared, signal);
      case 'SetStatement':
      case 'ShowStatement':
      case 'ResetStatement':
      case 'CreateUserStatement':
      case 'AlterUserStatement':
      case 'DropUserStatement':
        if (this.commands === undefined) throw new ErrorLocator(sql).at(statement.span.start, '0A000', `${statementName(statement)} is not supported here`);
        return this.commands(statement, sql);
      default:
        break;
    }
    for (let attempt = 1; ; attempt++) {
      const { program, literals } = await this.preparedStatement(text, index, sql, declared);
      const { compiled, runner } = program;
      try {
        const values = bindParameters(compiled.parameterTypes, params, literals, sql);
        const result = await this.run(statement, compiled, sql, values, runner, signal);
        const fields = compiled.fields.map(({ name, typeOid }) => ({ name, typeOid }));
        return { fields, rows: result.rows, commandTag: commandTagOf(compiled.commandTag, result.rows.length, result.rowCount), notices: [] };
      } catch (error) {
        // The program's catalog check found DDL from elsewhere: it ran nothing, so compile against the new definition and run again.
        if (!(error instanceof SqlError) || error.sqlstate !== SqlState.catalogChanged || attempt >= recompileAttemptsMax) throw error;
        this.statementCache?.invalidate();
        text.prepared.fill(undefined); // this execute holds the text, which invalidate() no longer reaches
      }
    }
  }

  /** EXPLAIN lists the program; EXPLAIN ANALYZE also runs it, with its effects, as PostgreSQL does. */
  private async explainStatement(
    statement: ast.ExplainStatement,
    sql: string,
    params: readonly SqlValue[],
    declared: readonly (SqlType | undefined)[],
    signal: AbortSignal | undefined,
  ): Promise<StatementResult> {
    const compiled = await this.compile(statement.statement, sql, declared);
    if (compiled === undefined) {
      throw new ErrorLocator(sql).at(statement.statement.span.start, '0A000', `${statementName(statement.statement)} does not compile to a program`);
    }
    if (!statement.analyze) return { fields: explainFields, rows: explainRows(compiled.program), commandTag: 'EXPLAIN', notices: [] };
    const started = this.clock();
    const result = await this.run(statement.statement, compiled, sql, bindParameters(compiled.parameterTypes, params, [], sql), undefined, signal);
    const elapsedMilliseconds = this.clock() - started;
    return { fields: explainAnalyzeFields, rows: explainAnalyzeRows(compiled.program, result.stats, elapsedMilliseconds), commandTag: 'EXPLAIN', notices: [] };
  }

  /**
   * Runs DDL, then drops the statement cache (also when the DDL failed part way). Dropping it after the
   * catalog changed means a program compiled concurrently against the old catalog went into an entry
   * that is no longer reachable.
   */
  private async withInvalidation<T>(ddl: () => Promise<T>): Promise<T> {
    try {
      return await ddl();
    } finally {
      this.statementCache?.invalidate();
    }
  }

  /**
   * Statement `index` of a query text, ready to run: from the cache by its text; else its literals
   * lifted and its program from the cache by the lifted statement; else compiled (and cached).
   */
  private async preparedStatement(text: CachedText, index: number, sql: string, declared: readonly (SqlType | undefined)[]): Promise<CachedStatement> {
    const cache = this.statementCache;
    const statement = text.statements[index]!;
    if (cache === undefined) return { program: await this.prepare(statement, sql, declared), literals: [] };
    const cached = cache.statement(text, index);
    if (cached !== undefined) return cached;
    const lifted = liftLiterals(statement, declared);
    const user = Array.from({ length: lifted.userParameterCount }, (_, index) => declared[index]);
    const program = cache.program(lifted.key) ?? (await this.prepare(lifted.statement, sql, [...user, ...lifted.literals.map((literal) => literal.type)]));
    const prepared: CachedStatement = { program, literals: lifted.literals };
    cache.store(text, index, prepared, lifted.key);
    return prepared;
  }

  private async prepare(statement: ast.Statement, sql: string, declaredParameterTypes: readonly (SqlType | undefined)[]): Promise<CachedProgram> {
    const compiled = await this.compile(statement, sql, declaredParameterTypes);
    if (compiled === undefined) throw new ErrorLocator(sql).at(statement.span.start, '0A000', `${statementName(statement)} is not supported yet`);
    return { compiled, runner: programRunner(prepareProgram(compiled.program)) };
  }

  /** Runs a compiled statement with its parameters already bound (bindParameters). */
  private async run(
    statement: ast.Statement,
    compiled: CompiledTableStatement,
    sql: string,
    params: readonly SqlValue[],
    runner?: ProgramRunner,
    signal?: AbortSignal,
  ) {
    const clock = this.wallClock === undefined ? {} : { clock: this.wallClock };
    const context = { memory: this.memory, account: this.account, params, limits: this.limits, signal, ...clock };
    const result = await (runner ?? programRunner(prepareProgram(compiled.program))).run(context);
    this.lastRuns.push({ sql: sql.slice(statement.span.start, statement.span.end), program: compiled.program, stats: result.stats });
    return result;
  }

  /** The compiled program of a statement that has one; undefined for the others. */
  private async compile(
    statement: ast.Statement,
    sql: string,
    declaredParameterTypes: readonly (SqlType | undefined)[] = [],
  ): Promise<CompiledTableStatement | undefined> {
    const options = { sourceText: sql, account: this.account, declaredParameterTypes };
    const errors = new ErrorLocator(sql);
    switch (statement.kind) {
      case 'SelectStatement': {
        if (statement.from === null) return compileSelectWithoutFrom(statement, options);
        const name = statement.from.table;
        const relation = await this.lookup(name, errors);
        if (relation?.kind === 'queue') return compileQueueSelect(statement, relation, options);
        return compileSelectFrom(statement, requireTable(relation, name, errors), options);
      }
      case 'EnqueueStatement':
        return compileEnqueue(statement, requireQueue(await this.lookup(statement.queue, errors), statement.queue, errors), options);
      case 'DequeueStatement':
      case 'ReadStatement':
        return compileTake(statement, requireQueue(await this.lookup(statement.queue, errors), statement.queue, errors), options);
      case 'AckStatement':
        return compileAck(statement, requireQueue(await this.lookup(statement.queue, errors), statement.queue, errors), options);
      case 'InsertStatement': {
        const table = requireTable(await this.lookup(statement.table, errors), statement.table, errors);
        return compileInsert(statement, table, options);
      }
      case 'UpdateStatement':
      case 'DeleteStatement': {
        const name = statement.table.table;
        const table = requireTable(await this.lookup(name, errors), name, errors);
        return compileUpdateOrDelete(statement, table, options);
      }
      default:
        return undefined;
    }
  }

  private async lookup(name: ast.TableName, errors: ErrorLocator) {
    if (name.schema !== null && name.schema !== 'public') throw errors.at(name.location, '3F000', `schema "${name.schema}" does not exist`);
    return this.catalog.lookupRelation(this.account, name.name);
  }
}

/** CREATE QUEUE's WITH (...) over the defaults: each setting once (42601), known (42704) and in range (22023). */
function queueSettingsOf(statement: ast.CreateQueueStatement, sql: string): QueueSettings {
  const errors = new ErrorLocator(sql);
  const settings: { -readonly [Key in keyof QueueSettings]: number } = { ...queueSettingsDefault };
  const seen = new Set<string>();
  for (const setting of statement.settings) {
    if (seen.has(setting.name)) throw errors.at(setting.location, '42601', `setting "${setting.name}" specified more than once`);
    seen.add(setting.name);
    try {
      const value = checkSetting(setting.name, Number(setting.value.value));
      settings[queueSettingBounds[setting.name]!.key] = value;
    } catch (error) {
      throw errors.wrap(setting.location, error);
    }
  }
  return settings;
}

/** A query text parsed for one execute only (the statement cache is off). */
function uncachedText(sql: string): CachedText {
  const statements = parseStatements(sql);
  return { statements, prepared: [] };
}

/**
 * Parameters as the program's types: the user's (`'5'` for an int4 parameter becomes 5, out of range
 * is 22003), then the literals lifted from the text, whose errors point at the literal.
 */
function bindParameters(types: readonly SqlType[], params: readonly SqlValue[], literals: readonly LiftedLiteral[], sql: string): SqlValue[] {
  const userCount = types.length - literals.length;
  if (params.length !== userCount) {
    throw new SqlError('08P01', `bind message supplies ${params.length} parameters, but prepared statement "" requires ${userCount}`);
  }
  const user = params.slice(0, userCount).map((value, index) => sqlCast(value, types[index]!));
  return [...user, ...literals.map((literal, index) => bindLiftedValue(literal, types[userCount + index]!, sql))];
}

function commandTagOf(verb: CompiledTableStatement['commandTag'], rowsReturned: number, rowCount: number): string {
  switch (verb) {
    case 'SELECT':
      return `SELECT ${rowsReturned}`;
    case 'INSERT':
      return `INSERT 0 ${rowCount}`;
    default:
      return `${verb} ${rowCount}`;
  }
}

const statementNames: Readonly<Record<ast.StatementKind, string>> = {
  SelectStatement: 'SELECT',
  InsertStatement: 'INSERT',
  UpdateStatement: 'UPDATE',
  DeleteStatement: 'DELETE',
  CreateTableStatement: 'CREATE TABLE',
  DropTableStatement: 'DROP TABLE',
  ExplainStatement: 'EXPLAIN',
  CreateQueueStatement: 'CREATE QUEUE',
  DropQueueStatement: 'DROP QUEUE',
  EnqueueStatement: 'ENQUEUE',
  DequeueStatement: 'DEQUEUE',
  ReadStatement: 'READ',
  AckStatement: 'ACK',
  BeginStatement: 'BEGIN',
  CommitStatement: 'COMMIT',
  RollbackStatement: 'ROLLBACK',
  SetStatement: 'SET',
  ShowStatement: 'SHOW',
  ResetStatement: 'RESET',
  CreateUserStatement: 'CREATE USER',
  AlterUserStatement: 'ALTER USER',
  DropUserStatement: 'DROP USER',
};

function statementName(statement: ast.Statement): string {
  return statementNames[statement.kind];
}
