/**
 * Builds each message the server sends as one Buffer (STYLE 9): no socket, no state.
 * Arguments come from the server's own code, so a value the protocol cannot carry
 * (a NUL inside a name, a count above int16) is a bug and fails an assertion; only
 * error text, which may quote user input, has NULs replaced.
 */
import { assert, type SqlError } from '../common/sql-error.js';
import { AuthenticationCode, BackendCode, encryptionRefusedByte } from './message-codes.js';

/** Frames one backend message: type byte, int32 length (counting itself), body. */
class MessageWriter {
  private buffer = Buffer.allocUnsafe(64);
  private offset = 5;

  constructor(private readonly code: BackendCode) {}

  private ensure(byteCount: number): void {
    if (this.offset + byteCount <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + byteCount));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  byte(value: number): this {
    this.ensure(1);
    this.buffer[this.offset++] = value;
    return this;
  }

  int16(value: number): this {
    assert(Number.isInteger(value) && value >= -0x8000 && value <= 0x7fff, `int16 out of range: ${value}`);
    this.ensure(2);
    this.offset = this.buffer.writeInt16BE(value, this.offset);
    return this;
  }

  /** An unsigned count sent in an int16 slot (PostgreSQL reads these as unsigned). */
  count16(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffff, `count out of range: ${value}`);
    this.ensure(2);
    this.offset = this.buffer.writeUInt16BE(value, this.offset);
    return this;
  }

  int32(value: number): this {
    assert(Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff, `int32 out of range: ${value}`);
    this.ensure(4);
    this.offset = this.buffer.writeInt32BE(value, this.offset);
    return this;
  }

  /** An OID: unsigned 32 bits. */
  oid(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffffffff, `OID out of range: ${value}`);
    this.ensure(4);
    this.offset = this.buffer.writeUInt32BE(value, this.offset);
    return this;
  }

  bytes(value: Buffer): this {
    this.ensure(value.length);
    value.copy(this.buffer, this.offset);
    this.offset += value.length;
    return this;
  }

  cstring(value: string): this {
    assert(!value.includes('\0'), 'a protocol string cannot contain NUL');
    const byteCount = Buffer.byteLength(value);
    this.ensure(byteCount + 1);
    this.offset += this.buffer.write(value, this.offset, 'utf8');
    this.buffer[this.offset++] = 0;
    return this;
  }

  finish(): Buffer {
    this.buffer[0] = this.code;
    this.buffer.writeUInt32BE(this.offset - 1, 1);
    return this.buffer.subarray(0, this.offset);
  }
}

/** The answer to SSLRequest and GSSENCRequest when encryption is not offered: one byte 'N', not a message. */
export function encryptionRefused(): Buffer {
  return Buffer.from([encryptionRefusedByte]);
}

export function authenticationOk(): Buffer {
  return new MessageWriter(BackendCode.Authentication).int32(AuthenticationCode.Ok).finish();
}

/** Offers SASL with these mechanisms, e.g. ['SCRAM-SHA-256']. */
export function authenticationSasl(mechanisms: readonly string[]): Buffer {
  assert(mechanisms.length > 0, 'SASL needs at least one mechanism');
  const writer = new MessageWriter(BackendCode.Authentication).int32(AuthenticationCode.SASL);
  for (const mechanism of mechanisms) {
    assert(mechanism !== '', 'a mechanism name is not empty');
    writer.cstring(mechanism);
  }
  return writer.byte(0).finish();
}

export function authenticationSaslContinue(data: Buffer | string): Buffer {
  return new MessageWriter(BackendCode.Authentication)
    .int32(AuthenticationCode.SASLContinue)
    .bytes(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)
    .finish();
}

export function authenticationSaslFinal(data: Buffer | string): Buffer {
  return new MessageWriter(BackendCode.Authentication)
    .int32(AuthenticationCode.SASLFinal)
    .bytes(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)
    .finish();
}

/** Asks a client whose StartupMessage named a newer minor version or `_pq_.` options to settle for these. */
export function negotiateProtocolVersion(newestMinor: number, unrecognizedOptions: readonly string[]): Buffer {
  const writer = new MessageWriter(BackendCode.NegotiateProtocolVersion)
    .int32(newestMinor)
    .int32(unrecognizedOptions.length);
  for (const option of unrecognizedOptions) writer.cstring(option);
  return writer.finish();
}

export function parameterStatus(name: string, value: string): Buffer {
  return new MessageWriter(BackendCode.ParameterStatus).cstring(name).cstring(value).finish();
}

/** Both are int32, as a CancelRequest carries them back. */
export function backendKeyData(processId: number, secretKey: number): Buffer {
  return new MessageWriter(BackendCode.BackendKeyData).int32(processId).int32(secretKey).finish();
}

/** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
export type TransactionStatus = 'I' | 'T' | 'E';

export function readyForQuery(status: TransactionStatus): Buffer {
  return new MessageWriter(BackendCode.ReadyForQuery).byte(status.charCodeAt(0)).finish();
}

export interface RowDescriptionField {
  readonly name: string;
  /** 0 when the column is not a plain table column. */
  readonly tableOid: number;
  /** The column's attribute number in its table, or 0. */
  readonly columnAttr: number;
  readonly typeOid: number;
  /** pg_type.typlen: negative for variable width. */
  readonly typeSize: number;
  /** pg_attribute.atttypmod: -1 when none. */
  readonly typeModifier: number;
  /** 0 text, 1 binary; 0 in answer to Describe of a statement. */
  readonly format: 0 | 1;
}

export function rowDescription(fields: readonly RowDescriptionField[]): Buffer {
  const writer = new MessageWriter(BackendCode.RowDescription).count16(fields.length);
  for (const field of fields) {
    writer
      .cstring(field.name)
      .oid(field.tableOid)
      .int16(field.columnAttr)
      .oid(field.typeOid)
      .int16(field.typeSize)
      .int32(field.typeModifier)
      .int16(field.format);
  }
  return writer.finish();
}

/** One row: each value already encoded in its column's format; null is SQL NULL. */
export function dataRow(values: readonly (Buffer | null)[]): Buffer {
  const writer = new MessageWriter(BackendCode.DataRow).count16(values.length);
  for (const value of values) {
    if (value === null) writer.int32(-1);
    else writer.int32(value.length).bytes(value);
  }
  return writer.finish();
}

/** `tag` as PostgreSQL writes it: `SELECT 3`, `INSERT 0 2`, `UPDATE 1`, `BEGIN`. */
export function commandComplete(tag: string): Buffer {
  return new MessageWriter(BackendCode.CommandComplete).cstring(tag).finish();
}

export function emptyQueryResponse(): Buffer {
  return new MessageWriter(BackendCode.EmptyQueryResponse).finish();
}

export type ErrorSeverity = 'ERROR' | 'FATAL' | 'PANIC';
export type NoticeSeverity = 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';

/** What an ErrorResponse or NoticeResponse carries; a SqlError has exactly these. */
export type ErrorFields = Pick<SqlError, 'sqlstate' | 'message' | 'detail' | 'hint' | 'position'>;

function errorOrNotice(code: BackendCode, severity: string, fields: ErrorFields): Buffer {
  // Error text may quote user input; a NUL would end the field early and desynchronise the client.
  const text = (value: string): string => value.replaceAll('\0', '\\0');
  const writer = new MessageWriter(code);
  writer.byte(0x53).cstring(severity); // 'S': localized severity
  writer.byte(0x56).cstring(severity); // 'V': severity, never localized
  writer.byte(0x43).cstring(text(fields.sqlstate)); // 'C'
  writer.byte(0x4d).cstring(text(fields.message)); // 'M'
  if (fields.detail !== undefined) writer.byte(0x44).cstring(text(fields.detail)); // 'D'
  if (fields.hint !== undefined) writer.byte(0x48).cstring(text(fields.hint)); // 'H'
  if (fields.position !== undefined) writer.byte(0x50).cstring(String(fields.position)); // 'P'
  return writer.byte(0).finish();
}

export function errorResponse(error: ErrorFields, severity: ErrorSeverity = 'ERROR'): Buffer {
  return errorOrNotice(BackendCode.ErrorResponse, severity, error);
}

export function noticeResponse(notice: ErrorFields, severity: NoticeSeverity = 'NOTICE'): Buffer {
  return errorOrNotice(BackendCode.NoticeResponse, severity, notice);
}

export function parseComplete(): Buffer {
  return new MessageWriter(BackendCode.ParseComplete).finish();
}

export function bindComplete(): Buffer {
  return new MessageWriter(BackendCode.BindComplete).finish();
}

export function closeComplete(): Buffer {
  return new MessageWriter(BackendCode.CloseComplete).finish();
}

export function noData(): Buffer {
  return new MessageWriter(BackendCode.NoData).finish();
}

export function parameterDescription(typeOids: readonly number[]): Buffer {
  const writer = new MessageWriter(BackendCode.ParameterDescription).count16(typeOids.length);
  for (const typeOid of typeOids) writer.oid(typeOid);
  return writer.finish();
}

export function portalSuspended(): Buffer {
  return new MessageWriter(BackendCode.PortalSuspended).finish();
}
