/**
 * One client connection: the PostgreSQL v3 protocol's state machine (DESIGN §6), between
 * the pure codec (frontend-parser.ts, backend-serializer.ts) and the SQL session
 * (compiler/session.ts). It holds no socket: bytes come in through `receive`, answers
 * go out through an injected transport, timers through an injected `setTimer`, so tests
 * drive it message by message (STYLE 5). wire/server.ts binds it to node:net.
 *
 *     startup ──StartupMessage──▶ sasl-initial ──SASLInitialResponse──▶ sasl-final
 *        ▲ SSLRequest/GSSENCRequest: 'S' (TLS) or 'N'        │ SASLResponse, proof checked
 *        └─ CancelRequest: cancel that session, close         ▼
 *                                                           ready ◀─┐ Query, Parse, Bind, Describe,
 *                                                             └─────┘ Execute, Close, Flush, Sync
 *
 * Messages are handled one at a time, in order, each to the end (statements run
 * asynchronously against the memory); a message that arrives meanwhile waits in a
 * bounded queue, and input is paused while the queue is full. After an error in the
 * extended protocol everything up to Sync is discarded and Sync sends one ReadyForQuery.
 * A protocol error or a failed authentication is FATAL: ErrorResponse, then close.
 */
import { SqlError } from '../common/sql-error.js';
import type { Catalog } from '../compiler/catalog.js';
import { SqlSession, type ResultField, type StatementResult } from '../compiler/session.js';
import { typeOids } from '../compiler/sql-types.js';
import type * as ast from '../parser/ast.js';
import { parseStatements } from '../parser/parse.js';
import type { Memory } from '../store/memory.js';
import type { SqlType, SqlValue } from '../vm/sql-values.js';
import { roleMissing, type Accounts } from './accounts.js';
import {
  authenticationOk,
  authenticationSasl,
  authenticationSaslContinue,
  authenticationSaslFinal,
  backendKeyData,
  bindComplete,
  closeComplete,
  commandComplete,
  dataRow,
  emptyQueryResponse,
  encryptionRefused,
  errorResponse,
  negotiateProtocolVersion,
  noData,
  noticeResponse,
  parameterDescription,
  parameterStatus,
  parseComplete,
  portalSuspended,
  readyForQuery,
  rowDescription,
  type ErrorFields,
  type ErrorSeverity,
  type RowDescriptionField,
} from './backend-serializer.js';
import { catalogQueryAnswer, type CatalogQueryAnswer } from './catalog-queries.js';
import {
  decodeSaslInitialResponse,
  decodeSaslResponse,
  FrontendParser,
  protocolError,
  type FormatCode,
  type FrontendMessage,
  type StartupPacket,
  type TypedMessage,
} from './frontend-parser.js';
import { randomServerNonce, scramMechanism, ScramServerExchange, type RandomBytes } from './scram.js';
import { SessionSettings } from './settings.js';
import { decodeBinaryValue, decodeTextValue, encodeBinaryValue, encodeTextValue, sqlTypeOfParameterOid, typeSizeOf } from './value-formats.js';

/** Messages waiting behind the one being handled before input is paused (and resumed below the low mark). */
export const queuedMessagesMax = 1000;
export const queuedMessagesResume = 100;
/** Answer bytes buffered before they are written out mid-result. */
export const outputBytesFlushMax = 256 * 1024;
/** Prepared statements (and, separately, portals) one session may hold: 54000 beyond. */
export const preparedStatementsMax = 10_000;

/** The socket side of a connection, as the server provides it. */
export interface ConnectionTransport {
  /** Sends bytes; resolves once the socket took them (after 'drain' when it was full). */
  write(bytes: Buffer): Promise<void>;
  /** Closes after what was written. */
  end(): void;
  pauseInput(): void;
  resumeInput(): void;
  /** Upgrades to TLS after 'S' was sent; undefined when no certificate is configured. */
  startTls?: (() => Promise<void>) | undefined;
}

/** A cancel hook: clears a timer set with `setTimer`. */
export type ClearTimer = () => void;

/** What every connection of a server shares. */
export interface ServerServices {
  readonly memory: Memory;
  readonly catalog: Catalog;
  readonly accounts: Accounts;
  readonly registry: SessionRegistry;
  /** Secret for the mock verifier of unknown users (same salt on every attempt). */
  readonly mockSecret: Buffer;
  readonly randomBytes: RandomBytes;
  /** The default of statement_timeout, in milliseconds (0: none). */
  readonly statementTimeoutMilliseconds: number;
  readonly setTimer: (milliseconds: number, callback: () => void) => ClearTimer;
}

/** The sessions of a server, by BackendKeyData, for CancelRequest and max connections. */
export class SessionRegistry {
  private readonly sessions = new Map<number, { connection: Connection; secretKey: number }>();
  private nextProcessId: number;

  constructor(
    readonly connectionsMax: number,
    private readonly randomBytes: RandomBytes,
  ) {
    this.nextProcessId = 1 + (randomBytes(2).readUInt16BE(0) << 8);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** A process id and secret key for a new session, or undefined when connectionsMax are open. */
  register(connection: Connection): { processId: number; secretKey: number } | undefined {
    if (this.sessions.size >= this.connectionsMax) return undefined;
    while (this.sessions.has(this.nextProcessId)) this.nextProcessId = (this.nextProcessId % 0x7fffffff) + 1;
    const processId = this.nextProcessId;
    this.nextProcessId = (this.nextProcessId % 0x7fffffff) + 1;
    const secretKey = this.randomBytes(4).readInt32BE(0);
    this.sessions.set(processId, { connection, secretKey });
    return { processId, secretKey };
  }

  unregister(processId: number): void {
    this.sessions.delete(processId);
  }

  /** CancelRequest: cancels that session's running statement when the key matches; silently nothing otherwise. */
  cancel(processId: number, secretKey: number): void {
    const entry = this.sessions.get(processId);
    if (entry !== undefined && entry.secretKey === secretKey) entry.connection.cancelStatement();
  }

  connections(): Connection[] {
    return [...this.sessions.values()].map((entry) => entry.connection);
  }
}

interface PreparedStatement {
  readonly name: string;
  readonly sql: string;
  /** The types the statement's parameters were given or inferred. */
  readonly parameterTypes: readonly SqlType[];
  /** As ParameterDescription reports them: the OIDs the client declared, else the inferred types'. */
  readonly parameterOids: readonly number[];
  readonly fields: readonly ResultField[];
  readonly catalogQuery: CatalogQueryAnswer | undefined;
}

interface Portal {
  readonly statement: PreparedStatement;
  readonly parameters: readonly SqlValue[];
  /** Per result column. */
  readonly resultFormats: readonly FormatCode[];
  /** Set by the first Execute: the statement runs once, whole; later Executes hand out its rows. */
  result: StatementResult | null | undefined;
  rowsSent: number;
}

type State =
  | { readonly step: 'startup' }
  | { readonly step: 'sasl-initial' | 'sasl-final'; readonly login: Login }
  | { readonly step: 'ready' }
  | { readonly step: 'closed' };

interface Login {
  readonly user: string;
  readonly database: string;
  readonly admin: boolean;
  readonly parameters: ReadonlyMap<string, string>;
  readonly exchange: ScramServerExchange;
}

type QueuedMessage = FrontendMessage | { readonly kind: 'ProtocolFailure'; readonly error: unknown };

/** Startup parameters that are not settings. */
const connectionParameters = new Set(['user', 'database', 'options', 'replication']);

export class Connection {
  private readonly parser = new FrontendParser();
  private state: State = { step: 'startup' };
  private readonly queue: QueuedMessage[] = [];
  private inputPaused = false;
  private pumping: Promise<void> | undefined;
  private output: Buffer[] = [];
  private outputBytes = 0;
  private tlsStarted = false;
  private skippingToSync = false;
  private draining = false;
  private processId: number | undefined;
  private secretKey = 0;
  private session: SqlSession | undefined;
  private settings: SessionSettings | undefined;
  private user = '';
  private admin = false;
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();
  /** The abort controller of the statement running now. */
  private running: AbortController | undefined;

  constructor(
    private readonly services: ServerServices,
    private readonly transport: ConnectionTransport,
  ) {}

  get closed(): boolean {
    return this.state.step === 'closed';
  }

  /** Bytes from the client. Framing happens now; handling in order, asynchronously. */
  receive(chunk: Buffer): void {
    if (this.closed || this.draining) return;
    try {
      this.parser.feed(chunk, (message) => this.queue.push(message));
    } catch (error) {
      this.queue.push({ kind: 'ProtocolFailure', error });
    }
    if (this.queue.length > queuedMessagesMax && !this.inputPaused) {
      this.inputPaused = true;
      this.transport.pauseInput();
    }
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** The socket closed (or failed): stop the running statement, forget the session. */
  disconnected(): void {
    if (this.closed) return;
    this.closeState();
    this.running?.abort();
  }

  /** CancelRequest for this session: the running statement fails with 57014; nothing when idle. */
  cancelStatement(): void {
    this.running?.abort();
  }

  /**
   * Server shutdown: the message being handled (an in-flight statement) finishes, the
   * rest is dropped, then FATAL 57P01 and close.
   */
  async shutdown(): Promise<void> {
    this.draining = true;
    this.queue.length = 0;
    await this.pumping;
    if (this.closed) return;
    await this.fatal(new SqlError('57P01', 'terminating connection due to administrator command'));
  }

  /** Resolves when every queued message has been handled (tests). */
  async idle(): Promise<void> {
    while (this.pumping !== undefined) await this.pumping;
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const message = this.queue.shift()!;
      if (this.inputPaused && this.queue.length < queuedMessagesResume) {
        this.inputPaused = false;
        this.transport.resumeInput();
      }
      try {
        if (message.kind === 'ProtocolFailure') throw message.error;
        await this.handle(message);
      } catch (error) {
        try {
          await this.fatal(error);
        } catch {
          // Could not even report it: drop the connection rather than leave it hanging.
          this.closeState();
          this.transport.end();
        }
      }
    }
  }

  // --- output -------------------------------------------------------------------

  private send(bytes: Buffer): void {
    this.output.push(bytes);
    this.outputBytes += bytes.length;
  }

  private async flush(): Promise<void> {
    if (this.output.length === 0 || this.closed) return;
    const bytes = this.output.length === 1 ? this.output[0]! : Buffer.concat(this.output, this.outputBytes);
    this.output = [];
    this.outputBytes = 0;
    await this.transport.write(bytes);
  }

  private sendError(error: unknown, severity: ErrorSeverity = 'ERROR', positionOffset = 0): void {
    const fields = errorFieldsOf(error);
    const position = fields.position === undefined ? undefined : fields.position + positionOffset;
    // Fields one by one: a SqlError's message is not an own enumerable property, so no spread.
    this.send(errorResponse({ sqlstate: fields.sqlstate, message: fields.message, detail: fields.detail, hint: fields.hint, position }, severity));
  }

  /** FATAL ErrorResponse, then close. */
  private async fatal(error: unknown): Promise<void> {
    if (this.closed) return;
    this.sendError(error, 'FATAL');
    await this.flush();
    this.closeState();
    this.transport.end();
  }

  private closeState(): void {
    this.state = { step: 'closed' };
    this.queue.length = 0;
    this.statements.clear();
    this.portals.clear();
    if (this.processId !== undefined) this.services.registry.unregister(this.processId);
    this.processId = undefined;
  }

  // --- dispatch -----------------------------------------------------------------

  private async handle(message: FrontendMessage): Promise<void> {
    const state = this.state;
    switch (state.step) {
      case 'startup':
        return this.handleStartup(message as StartupPacket);
      case 'sasl-initial':
      case 'sasl-final':
        if (message.kind !== 'PasswordMessage') throw protocolError(`expected SASL response, got message type "${message.kind}"`);
        return state.step === 'sasl-initial' ? this.saslInitial(state.login, message.data) : this.saslFinal(state.login, message.data);
      case 'ready':
        return this.handleReady(message as TypedMessage);
      case 'closed':
        return;
    }
  }

  private async handleStartup(packet: StartupPacket): Promise<void> {
    switch (packet.kind) {
      case 'SSLRequest':
        if (this.transport.startTls !== undefined && !this.tlsStarted) {
          // Bytes sent before the handshake were not encrypted: refuse them (CVE-2021-23214).
          if (this.parser.bufferedBytes > 0 || this.queue.length > 0) throw protocolError('received unencrypted data after SSL request');
          this.tlsStarted = true;
          this.send(Buffer.from('S'));
          await this.flush();
          await this.transport.startTls();
          return;
        }
        this.send(encryptionRefused());
        return this.flush();
      case 'GSSENCRequest':
        this.send(encryptionRefused());
        return this.flush();
      case 'CancelRequest':
        this.services.registry.cancel(packet.processId, packet.secretKey);
        this.closeState();
        this.transport.end();
        return;
      case 'StartupMessage':
        return this.startup(packet);
    }
  }

  private async startup(packet: Extract<StartupPacket, { kind: 'StartupMessage' }>): Promise<void> {
    const user = packet.parameters.get('user');
    if (user === undefined || user === '') throw new SqlError('28000', 'no PostgreSQL user name specified in startup packet');
    const options = [...packet.parameters.keys()].filter((name) => name.startsWith('_pq_.'));
    if (packet.protocolMinor > 0 || options.length > 0) this.send(negotiateProtocolVersion(0, options));
    const key = this.services.registry.register(this);
    if (key === undefined) throw new SqlError('53300', 'sorry, too many clients already');
    this.processId = key.processId;
    this.secretKey = key.secretKey;
    const account = await this.services.accounts.lookup(user);
    const nonce = { serverNonce: () => randomServerNonce(this.services.randomBytes) };
    const exchange =
      account === undefined
        ? ScramServerExchange.forUnknownUser(user, this.services.mockSecret, nonce)
        : ScramServerExchange.forUser(user, account.verifier, nonce);
    const login: Login = { user, database: packet.parameters.get('database') ?? '', admin: account?.admin ?? false, parameters: packet.parameters, exchange };
    this.state = { step: 'sasl-initial', login };
    this.send(authenticationSasl([scramMechanism]));
    await this.flush();
  }

  private async saslInitial(login: Login, data: Buffer): Promise<void> {
    const initial = decodeSaslInitialResponse(data);
    if (initial.mechanism !== scramMechanism) throw protocolError('client selected an invalid SASL authentication mechanism');
    if (initial.data === null) throw protocolError('malformed SCRAM message', 'The SASLInitialResponse carries no data.');
    this.send(authenticationSaslContinue(login.exchange.receiveClientFirst(initial.data)));
    this.state = { step: 'sasl-final', login };
    await this.flush();
  }

  private async saslFinal(login: Login, data: Buffer): Promise<void> {
    const serverFinal = login.exchange.receiveClientFinal(decodeSaslResponse(data));
    // Checked only once authenticated, so the answer tells nothing about other users.
    if (login.database !== '' && login.database !== login.user) {
      throw new SqlError('3D000', `database "${login.database}" does not exist`, {
        hint: `Each user has one database, named after the user: connect to "${login.user}".`,
      });
    }
    const settings = new SessionSettings(login.user, login.admin, this.services.statementTimeoutMilliseconds);
    for (const [name, value] of login.parameters) {
      if (connectionParameters.has(name) || name.startsWith('_pq_.')) continue;
      try {
        settings.setAtStartup(name, value);
      } catch (error) {
        // An unknown parameter is ignored rather than refused: drivers send a few PostgreSQL-only ones.
        if (!(error instanceof SqlError && error.sqlstate === '42704')) throw error;
      }
    }
    this.settings = settings;
    this.user = login.user;
    this.admin = login.admin;
    this.session = new SqlSession({
      memory: this.services.memory,
      account: login.user,
      catalog: this.services.catalog,
      commands: (statement) => this.sessionCommand(statement),
    });
    this.send(authenticationSaslFinal(serverFinal));
    this.send(authenticationOk());
    for (const [name, value] of settings.reported()) this.send(parameterStatus(name, value));
    this.send(backendKeyData(this.processId!, this.secretKey));
    this.send(readyForQuery('I'));
    this.state = { step: 'ready' };
    await this.flush();
  }

  private async handleReady(message: TypedMessage): Promise<void> {
    if (message.kind === 'Terminate') {
      this.closeState();
      this.transport.end();
      return;
    }
    if (message.kind === 'PasswordMessage') throw protocolError('unexpected password message');
    if (this.skippingToSync && message.kind !== 'Sync') return;
    try {
      switch (message.kind) {
        case 'Query':
          this.statements.delete('');
          this.portals.delete('');
          await this.simpleQuery(message.sql);
          this.send(readyForQuery('I'));
          return await this.flush();
        case 'Parse':
          return await this.parse(message);
        case 'Bind':
          return this.bind(message);
        case 'Describe':
          return this.describe(message);
        case 'Execute':
          return await this.execute(message.portal, message.rowsMax);
        case 'Close':
          if (message.target === 'S') this.statements.delete(message.name);
          else this.portals.delete(message.name);
          this.send(closeComplete());
          return;
        case 'Flush':
          return await this.flush();
        case 'Sync':
          this.skippingToSync = false;
          this.portals.clear();
          this.send(readyForQuery('I'));
          return await this.flush();
        case 'CopyData':
        case 'CopyDone':
        case 'CopyFail':
          return; // outside COPY, ignored as PostgreSQL does
      }
    } catch (error) {
      this.sendError(error);
      this.skippingToSync = message.kind !== 'Query';
    }
  }

  // --- simple query -------------------------------------------------------------

  /** Statement after statement; each gets its answer; an error ends the string (positions count from its start). */
  private async simpleQuery(sql: string): Promise<void> {
    const catalogQuery = catalogQueryAnswer(sql);
    if (catalogQuery !== undefined) return this.sendSimpleResult(catalogQuery.answer());
    let statements: ast.Statement[];
    try {
      statements = parseStatements(sql);
    } catch (error) {
      return this.sendError(error);
    }
    if (statements.length === 0) return this.send(emptyQueryResponse());
    for (const statement of statements) {
      const text = sql.slice(statement.span.start, statement.span.end);
      try {
        const result = await this.runStatement(text, catalogQueryAnswer(text), [], undefined);
        if (result === null) {
          this.send(emptyQueryResponse());
          continue;
        }
        await this.sendSimpleResult(result);
      } catch (error) {
        return this.sendError(error, 'ERROR', [...sql.slice(0, statement.span.start)].length);
      }
    }
  }

  /** A result in the text format, rows flushed as they pile up (the socket's backpressure slows the loop). */
  private async sendSimpleResult(result: StatementResult): Promise<void> {
    if (result.fields.length > 0) this.send(rowDescription(describeFields(result.fields, [])));
    for (const row of result.rows) {
      this.send(dataRow(row.map((value) => encodeTextValue(value))));
      if (this.outputBytes > outputBytesFlushMax) await this.flush();
    }
    this.sendNotices(result);
    this.send(commandComplete(result.commandTag));
  }

  /** Runs one statement under a fresh abort signal (CancelRequest, statement_timeout); null for an empty one. */
  private async runStatement(
    sql: string,
    catalogQuery: CatalogQueryAnswer | undefined,
    parameters: readonly SqlValue[],
    parameterTypes: readonly SqlType[] | undefined,
  ): Promise<StatementResult | null> {
    if (catalogQuery !== undefined) return catalogQuery.answer();
    const controller = new AbortController();
    this.running = controller;
    const timeout = this.settings!.statementTimeoutMilliseconds;
    const clearTimer =
      timeout > 0 ? this.services.setTimer(timeout, () => controller.abort(new SqlError('57014', 'canceling statement due to statement timeout'))) : undefined;
    try {
      const results = await this.session!.execute(sql, parameters, { declaredParameterTypes: parameterTypes, signal: controller.signal });
      return results[0] ?? null;
    } finally {
      clearTimer?.();
      this.running = undefined;
    }
  }

  private sendNotices(result: StatementResult): void {
    for (const message of result.notices) this.send(noticeResponse({ sqlstate: '00000', message, detail: undefined, hint: undefined, position: undefined }));
    for (const [name, value] of this.settings!.takeChangedReported()) this.send(parameterStatus(name, value));
  }

  // --- extended query -----------------------------------------------------------

  private async parse(message: Extract<TypedMessage, { kind: 'Parse' }>): Promise<void> {
    if (message.name !== '' && this.statements.has(message.name)) {
      throw new SqlError('42P05', `prepared statement "${message.name}" already exists`);
    }
    if (message.name !== '' && this.statements.size >= preparedStatementsMax) {
      throw new SqlError('54000', `more than ${preparedStatementsMax} prepared statements in one session`, { hint: 'Close the statements no longer used.' });
    }
    const declared = message.parameterTypeOids.map(sqlTypeOfParameterOid);
    const catalogQuery = catalogQueryAnswer(message.sql);
    const description =
      catalogQuery !== undefined
        ? { parameterTypes: [], fields: catalogQuery.fields }
        : await this.session!.describe(message.sql, { declaredParameterTypes: declared });
    const parameterOids = description.parameterTypes.map((type, index) => {
      const given = message.parameterTypeOids[index] ?? 0;
      return given !== 0 && given !== 705 ? given : typeOids[type];
    });
    this.statements.set(message.name, {
      name: message.name,
      sql: message.sql,
      parameterTypes: description.parameterTypes,
      parameterOids,
      fields: description.fields,
      catalogQuery,
    });
    this.send(parseComplete());
  }

  private preparedStatement(name: string): PreparedStatement {
    const statement = this.statements.get(name);
    if (statement === undefined) throw new SqlError('26000', `prepared statement "${name}" does not exist`);
    return statement;
  }

  private portal(name: string): Portal {
    const portal = this.portals.get(name);
    if (portal === undefined) throw new SqlError('34000', `portal "${name}" does not exist`);
    return portal;
  }

  private bind(message: Extract<TypedMessage, { kind: 'Bind' }>): void {
    const statement = this.preparedStatement(message.statement);
    if (message.parameters.length !== statement.parameterOids.length) {
      throw new SqlError('08P01', 
        `bind message supplies ${message.parameters.length} parameters, but prepared statement "${statement.name}" requires ${statement.parameterOids.length}`,
      );
    }
    const parameters = message.parameters.map((bytes, index): SqlValue => {
      if (bytes === null) return null;
      const format = message.parameterFormats.length === 1 ? message.parameterFormats[0]! : (message.parameterFormats[index] ?? 0);
      return format === 1 ? decodeBinaryValue(bytes, statement.parameterOids[index]!) : decodeTextValue(bytes);
    });
    const fieldCount = statement.fields.length;
    const formats = message.resultFormats;
    if (formats.length > 1 && formats.length !== fieldCount) {
      throw new SqlError('08P01', `bind message has ${formats.length} result formats but query has ${fieldCount} columns`);
    }
    const resultFormats = statement.fields.map((_, index): FormatCode => (formats.length === 1 ? formats[0]! : (formats[index] ?? 0)));
    if (message.portal !== '' && this.portals.has(message.portal)) throw new SqlError('42P03', `cursor "${message.portal}" already exists`);
    if (this.portals.size >= preparedStatementsMax) throw new SqlError('54000', `more than ${preparedStatementsMax} portals in one session`);
    this.portals.set(message.portal, { statement, parameters, resultFormats, result: undefined, rowsSent: 0 });
    this.send(bindComplete());
  }

  private describe(message: Extract<TypedMessage, { kind: 'Describe' }>): void {
    if (message.target === 'S') {
      const statement = this.preparedStatement(message.name);
      this.send(parameterDescription(statement.parameterOids));
      this.send(statement.fields.length > 0 ? rowDescription(describeFields(statement.fields, [])) : noData());
      return;
    }
    const portal = this.portal(message.name);
    const fields = portal.statement.fields;
    this.send(fields.length > 0 ? rowDescription(describeFields(fields, portal.resultFormats)) : noData());
  }

  private async execute(name: string, rowsMax: number): Promise<void> {
    const portal = this.portal(name);
    const statement = portal.statement;
    const firstRun = portal.result === undefined;
    if (portal.result === undefined) {
      portal.result = await this.runStatement(statement.sql, statement.catalogQuery, portal.parameters, statement.parameterTypes);
    }
    const result = portal.result;
    if (result === null) return this.send(emptyQueryResponse());
    const end = rowsMax > 0 ? Math.min(result.rows.length, portal.rowsSent + rowsMax) : result.rows.length;
    const fields = result.fields;
    const formats = portal.resultFormats;
    const start = portal.rowsSent;
    for (let index = start; index < end; index++) {
      const row = result.rows[index]!;
      this.send(dataRow(row.map((value, column) => (formats[column] === 1 ? encodeBinaryValue(value, fields[column]!.typeOid) : encodeTextValue(value)))));
      if (this.outputBytes > outputBytesFlushMax) await this.flush();
    }
    portal.rowsSent = end;
    if (end < result.rows.length) return this.send(portalSuspended());
    if (firstRun) this.sendNotices(result);
    // A portal read in pieces ends with the count of its last piece, as PostgreSQL's does.
    const tag = firstRun || !result.commandTag.startsWith('SELECT ') ? result.commandTag : `SELECT ${end - start}`;
    this.send(commandComplete(tag));
  }

  // --- session commands ---------------------------------------------------------

  private async sessionCommand(statement: ast.SessionCommand): Promise<StatementResult> {
    const settings = this.settings!;
    const done = (commandTag: string, notices: string[] = []): StatementResult => ({ fields: [], rows: [], commandTag, notices });
    switch (statement.kind) {
      case 'SetStatement':
        if (statement.scope === 'local') return done('SET', ['SET LOCAL can only be used in transaction blocks']);
        if (statement.values === null) settings.reset(statement.name);
        else settings.set(statement.name, statement.values.map((value) => value.text).join(', '));
        return done('SET');
      case 'ResetStatement':
        settings.reset(statement.name);
        return done('RESET');
      case 'ShowStatement': {
        if (statement.name === 'all') {
          const fields = ['name', 'setting', 'description'].map((name) => ({ name, typeOid: typeOids.text }));
          return { fields, rows: settings.all(), commandTag: 'SHOW', notices: [] };
        }
        const [column, value] = settings.show(statement.name);
        return { fields: [{ name: column, typeOid: typeOids.text }], rows: [[value]], commandTag: 'SHOW', notices: [] };
      }
      case 'CreateUserStatement':
        this.requireAdmin('create');
        if (statement.password === null) {
          throw new SqlError('22023', 'CREATE USER needs a PASSWORD', { hint: 'dmachine authenticates every user with SCRAM-SHA-256: CREATE USER name PASSWORD \'...\'.' });
        }
        await this.services.accounts.create(statement.name, statement.password);
        return done('CREATE ROLE');
      case 'AlterUserStatement':
        this.requireAdmin('alter');
        await this.services.accounts.changePassword(statement.name, statement.password);
        return done('ALTER ROLE');
      case 'DropUserStatement': {
        this.requireAdmin('drop');
        if (statement.name === this.user) throw new SqlError('55006', 'current user cannot be dropped');
        const tables = await this.services.catalog.listTables(statement.name);
        if (tables.length > 0) {
          throw new SqlError('2BP01', `role "${statement.name}" cannot be dropped because some objects depend on it`, {
            detail: `owner of ${tables.length} table${tables.length === 1 ? '' : 's'}`,
            hint: 'Drop its tables first (connected as that user).',
          });
        }
        if (await this.services.accounts.drop(statement.name)) return done('DROP ROLE');
        if (statement.ifExists) return done('DROP ROLE', [`role "${statement.name}" does not exist, skipping`]);
        throw roleMissing(statement.name);
      }
    }
  }

  private requireAdmin(verb: 'create' | 'alter' | 'drop'): void {
    if (!this.admin) throw new SqlError('42501', `permission denied to ${verb} role`, { detail: 'Only the administrator manages users.' });
  }
}

function errorFieldsOf(error: unknown): ErrorFields {
  if (error instanceof SqlError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return { sqlstate: 'XX000', message: `internal error: ${message}`, detail: undefined, hint: undefined, position: undefined };
}

function describeFields(fields: readonly ResultField[], formats: readonly FormatCode[]): RowDescriptionField[] {
  return fields.map((field, index) => ({
    name: field.name,
    tableOid: 0,
    columnAttr: 0,
    typeOid: field.typeOid,
    typeSize: typeSizeOf(field.typeOid),
    typeModifier: -1,
    format: formats[index] ?? 0,
  }));
}
