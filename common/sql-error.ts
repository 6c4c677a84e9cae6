/**
 * The one error type that crosses layers. Every error a user can see carries a
 * PostgreSQL SQLSTATE so the wire frontend can turn it into an ErrorResponse
 * unchanged; lower layers never throw bare strings at users.
 */

/** SQLSTATE codes used by dmachine, named as in PostgreSQL's errcodes.txt. */
export const SqlState = {
  syntaxError: '42601',
  invalidParameterValue: '22023',
  numericValueOutOfRange: '22003',
  characterNotInRepertoire: '22021',
  stringDataRightTruncation: '22001',
  programLimitExceeded: '54000',
  insufficientResources: '53000',
  undefinedObject: '42704',
  undefinedTable: '42P01',
  duplicateTable: '42P07',
  reservedName: '42939',
  invalidTableDefinition: '42P16',
  duplicateColumn: '42701',
  undefinedColumn: '42703',
  tooManyColumns: '54011',
  nameTooLong: '42622',
  invalidName: '42602',
  objectNotInPrerequisiteState: '55000',
  objectInUse: '55006',
  /**
   * A program's table definition is no longer the catalog's (DDL ran since it was compiled).
   * dmachine's own code in class 55, raised by the catalog check a program starts with;
   * the session recompiles and runs again, so a client sees it only when the table keeps changing.
   */
  catalogChanged: '55R01',
  /** Too many concurrent changes of one word: the statement gave up and changed nothing. */
  serializationFailure: '40001',
  /** The cluster could not confirm whether a write took effect (CASPaxos accept quorum unknown). */
  statementCompletionUnknown: '40003',
  /** Not enough replicas of a word answered for a quorum. */
  cannotConnectNow: '57P03',
  protocolViolation: '08P01',
  featureNotSupported: '0A000',
  ioError: '58030',
  dataCorrupted: 'XX001',
  internalError: 'XX000',
} as const;

export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState] | (string & {});

export interface SqlErrorOptions {
  readonly detail?: string | undefined;
  readonly hint?: string | undefined;
  /** 1-based character position in the statement text (PostgreSQL's ErrorResponse 'P'). */
  readonly position?: number | undefined;
}

export class SqlError extends Error {
  readonly sqlstate: SqlStateCode;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly position: number | undefined;

  /** `details` is the DETAIL text, or the DETAIL, HINT and position together. */
  constructor(sqlstate: SqlStateCode, message: string, details?: string | SqlErrorOptions) {
    super(message);
    const options: SqlErrorOptions = typeof details === 'string' ? { detail: details } : (details ?? {});
    this.name = 'SqlError';
    this.sqlstate = sqlstate;
    this.detail = options.detail;
    this.hint = options.hint;
    this.position = options.position;
  }
}

/**
 * Whether a replicated change failed racing others: its outcome is unknown (40003) or other
 * changes kept winning (40001). Callers whose change is idempotent may simply run it again.
 */
export function lostARace(error: unknown): boolean {
  return error instanceof SqlError && (error.sqlstate === SqlState.statementCompletionUnknown || error.sqlstate === SqlState.serializationFailure);
}

/** An invariant that validated code can never break; failing it is a bug, not a user error. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
