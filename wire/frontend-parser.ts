/**
 * A pure incremental parser of the messages a PostgreSQL v3 client sends (STYLE 5, 9):
 * bytes in, typed messages out, no socket. It frames messages from partial input and
 * from chunks holding several messages, checks every declared length against a limit
 * before waiting for (or allocating) the body, and reports anything malformed as a
 * SqlError 08P01 — after which it refuses all further input, because the byte stream
 * can no longer be trusted to be in step (the caller sends ErrorResponse and closes).
 *
 * Phases: a connection opens with untyped startup packets (length, then an int32 code).
 * SSLRequest and GSSENCRequest (each allowed once, answered 'N' by the caller) keep the
 * parser in that phase; a StartupMessage switches it to typed messages (type byte,
 * length, body) by itself, so a client that pipelines its first query behind the
 * startup packet is framed correctly; a CancelRequest ends the connection's input.
 *
 * Messages the parser returns may hold views into the chunks fed to it (Bind
 * parameters, PasswordMessage data); callers must not reuse a chunk after feeding it.
 */
import {
  controlMessageBytesMax,
  messageBytesMax,
  passwordMessageBytesMax,
  startupMessageBytesMax,
} from '../common/limits.js';
import { SqlError, SqlState } from '../common/sql-error.js';
import { FrontendCode, StartupCode, TargetCode } from './message-codes.js';

/** SQLSTATE protocol_violation: every framing or body error of this module. */
export const protocolViolation = SqlState.protocolViolation;

/** 0 = text, 1 = binary. */
export type FormatCode = 0 | 1;

/** 'S' = prepared statement, 'P' = portal. */
export type DescribeTarget = 'S' | 'P';

export type StartupPacket =
  | {
      readonly kind: 'StartupMessage';
      readonly protocolMajor: number;
      readonly protocolMinor: number;
      /** In the order sent; a repeated name keeps its last value, as in PostgreSQL. */
      readonly parameters: ReadonlyMap<string, string>;
    }
  | { readonly kind: 'SSLRequest' }
  | { readonly kind: 'GSSENCRequest' }
  | { readonly kind: 'CancelRequest'; readonly processId: number; readonly secretKey: number };

export type TypedMessage =
  | { readonly kind: 'Query'; readonly sql: string }
  | {
      readonly kind: 'Parse';
      readonly name: string;
      readonly sql: string;
      /** 0 leaves a parameter's type to be inferred. */
      readonly parameterTypeOids: readonly number[];
    }
  | {
      readonly kind: 'Bind';
      readonly portal: string;
      readonly statement: string;
      /** Empty (all text), one (applies to all), or one per parameter — checked here. */
      readonly parameterFormats: readonly FormatCode[];
      /** null is SQL NULL. */
      readonly parameters: readonly (Buffer | null)[];
      /** Empty (all text), one (applies to all), or one per result column — the session checks the count. */
      readonly resultFormats: readonly FormatCode[];
    }
  | { readonly kind: 'Describe'; readonly target: DescribeTarget; readonly name: string }
  | {
      readonly kind: 'Execute';
      readonly portal: string;
      /** Rows to return before PortalSuspended; 0 means all (a negative count on the wire means all too). */
      readonly rowsMax: number;
    }
  | { readonly kind: 'Close'; readonly target: DescribeTarget; readonly name: string }
  | { readonly kind: 'Flush' }
  | { readonly kind: 'Sync' }
  | { readonly kind: 'Terminate' }
  | {
      readonly kind: 'PasswordMessage';
      /** The raw body: the authentication step knows whether it expects a SASLInitialResponse or a SASLResponse. */
      readonly data: Buffer;
    }
  | { readonly kind: 'CopyData'; readonly data: Buffer }
  | { readonly kind: 'CopyDone' }
  | { readonly kind: 'CopyFail'; readonly message: string };

export type FrontendMessage = StartupPacket | TypedMessage;

export type FrontendPhase = 'startup' | 'typed' | 'ended';

export function protocolError(message: string, detail?: string): SqlError {
  return new SqlError(protocolViolation, message, detail);
}

/** The most a typed message of this type may declare, or undefined for a type the server does not accept. */
function declaredBytesMaxOf(code: number): number | undefined {
  switch (code) {
    case FrontendCode.Query:
    case FrontendCode.Parse:
    case FrontendCode.Bind:
    case FrontendCode.CopyData:
      return messageBytesMax;
    case FrontendCode.PasswordMessage:
      return passwordMessageBytesMax;
    case FrontendCode.Close:
    case FrontendCode.CopyDone:
    case FrontendCode.CopyFail:
    case FrontendCode.Describe:
    case FrontendCode.Execute:
    case FrontendCode.Flush:
    case FrontendCode.Sync:
    case FrontendCode.Terminate:
      return controlMessageBytesMax;
    default:
      return undefined;
  }
}

/** Printable form of a type byte for error messages. */
function describeTypeByte(code: number): string {
  return code >= 0x21 && code <= 0x7e ? `'${String.fromCharCode(code)}'` : `0x${code.toString(16).padStart(2, '0')}`;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one message body; every read checks the bounds first, so a count or length that
 * runs past the end is a protocol error and never a RangeError or a large allocation.
 */
export class BodyReader {
  private offset = 0;

  constructor(
    private readonly body: Buffer,
    private readonly messageName: string,
  ) {}

  get remainingBytes(): number {
    return this.body.length - this.offset;
  }

  private need(byteCount: number, what: string): void {
    if (this.body.length - this.offset < byteCount) {
      throw protocolError(`invalid ${this.messageName} message: ${what} runs past the end of the message`);
    }
  }

  byte(what: string): number {
    this.need(1, what);
    return this.body[this.offset++]!;
  }

  uint16(what: string): number {
    this.need(2, what);
    const value = this.body.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int16(what: string): number {
    this.need(2, what);
    const value = this.body.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(what: string): number {
    this.need(4, what);
    const value = this.body.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(what: string): number {
    this.need(4, what);
    const value = this.body.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(byteCount: number, what: string): Buffer {
    this.need(byteCount, what);
    const value = this.body.subarray(this.offset, this.offset + byteCount);
    this.offset += byteCount;
    return value;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(what: string): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) throw protocolError(`invalid ${this.messageName} message: ${what} lacks its NUL terminator`);
    const text = this.utf8(this.body.subarray(this.offset, end), what);
    this.offset = end + 1;
    return text;
  }

  private utf8(bytes: Buffer, what: string): string {
    try {
      return utf8Strict.decode(bytes);
    } catch {
      throw protocolError(`invalid ${this.messageName} message: ${what} is not valid UTF-8`);
    }
  }

  /** Asserts the whole body was consumed. */
  end(): void {
    if (this.offset !== this.body.length) {
      throw protocolError(
        `invalid ${this.messageName} message: ${this.body.length - this.offset} unexpected bytes at the end`,
      );
    }
  }
}

export class FrontendParser {
  private phaseNow: FrontendPhase = 'startup';
  /** Unconsumed input, oldest first; the first chunk is consumed from `frontOffset`. */
  private readonly chunks: Buffer[] = [];
  private frontOffset = 0;
  private buffered = 0;
  private failure: SqlError | undefined;
  private sslRequested = false;
  private gssencRequested = false;

  get phase(): FrontendPhase {
    return this.phaseNow;
  }

  /**
   * Bytes received but not yet returned as a message. A server that starts TLS after
   * SSLRequest must see 0 here: bytes sent before the handshake are unencrypted and
   * must be refused (CVE-2021-23214).
   */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Consumes `chunk` and calls `onMessage` for each message it completes, in order.
   * Throws SqlError 08P01 on the first protocol error, after delivering the messages
   * before it; from then on every call throws the same error.
   */
  feed(chunk: Buffer, onMessage: (message: FrontendMessage) => void): void {
    if (this.failure !== undefined) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.phaseNow === 'ended') {
        if (this.buffered > 0) this.fail(protocolError('unexpected data after CancelRequest'));
        return;
      }
      let message: FrontendMessage | undefined;
      try {
        message = this.phaseNow === 'startup' ? this.nextStartupPacket() : this.nextTypedMessage();
      } catch (error) {
        // Only protocol errors are expected here; anything else is a bug and stays visible.
        if (error instanceof SqlError) this.fail(error);
        throw error;
      }
      if (message === undefined) return;
      onMessage(message);
    }
  }

  /** Convenience over `feed`: the messages `chunk` completes. */
  feedAll(chunk: Buffer): FrontendMessage[] {
    const messages: FrontendMessage[] = [];
    this.feed(chunk, (message) => messages.push(message));
    return messages;
  }

  private fail(error: SqlError): never {
    this.failure = error;
    this.chunks.length = 0;
    this.frontOffset = 0;
    this.buffered = 0;
    throw error;
  }

  /** The byte `index` positions into the unconsumed input; the caller ensures it is buffered. */
  private peekByte(index: number): number {
    let position = this.frontOffset + index;
    for (const chunk of this.chunks) {
      if (position < chunk.length) return chunk[position]!;
      position -= chunk.length;
    }
    throw new Error('assertion failed: peekByte beyond the buffered input');
  }

  private peekUint32(index: number): number {
    return (
      ((this.peekByte(index) << 24) |
        (this.peekByte(index + 1) << 16) |
        (this.peekByte(index + 2) << 8) |
        this.peekByte(index + 3)) >>>
      0
    );
  }

  /** Removes and returns the next `byteCount` bytes: a view when one chunk holds them, else one copy. */
  private take(byteCount: number): Buffer {
    const front = this.chunks[0]!;
    let result: Buffer;
    if (front.length - this.frontOffset >= byteCount) {
      result = front.subarray(this.frontOffset, this.frontOffset + byteCount);
      this.frontOffset += byteCount;
    } else {
      // Allocated only now that every byte has arrived, and within the declared-length limit.
      result = Buffer.allocUnsafe(byteCount);
      let written = 0;
      let index = 0;
      let offset = this.frontOffset;
      while (written < byteCount) {
        const chunk = this.chunks[index]!;
        const copied = chunk.copy(result, written, offset, Math.min(chunk.length, offset + byteCount - written));
        written += copied;
        offset += copied;
        if (offset === chunk.length) {
          index++;
          offset = 0;
        }
      }
      // One splice rather than a shift per chunk: a body may arrive in very many small chunks.
      this.chunks.splice(0, index);
      this.frontOffset = offset;
    }
    if (this.chunks.length > 0 && this.frontOffset === this.chunks[0]!.length) {
      this.chunks.shift();
      this.frontOffset = 0;
    }
    this.buffered -= byteCount;
    return result;
  }

  private nextStartupPacket(): StartupPacket | undefined {
    if (this.buffered < 4) return undefined;
    const declaredBytes = this.peekUint32(0);
    // The length counts itself and the int32 code that follows.
    if (declaredBytes < 8 || declaredBytes > startupMessageBytesMax) {
      throw protocolError(
        `invalid length of startup packet: ${declaredBytes} bytes`,
        `A startup packet declares between 8 and ${startupMessageBytesMax} bytes.`,
      );
    }
    if (this.buffered < declaredBytes) return undefined;
    const body = new BodyReader(this.take(declaredBytes).subarray(4), 'startup');
    const code = body.uint32('the protocol code');
    switch (code) {
      case StartupCode.SSLRequest:
        body.end();
        if (this.sslRequested) throw protocolError('duplicate SSLRequest');
        this.sslRequested = true;
        return { kind: 'SSLRequest' };
      case StartupCode.GSSENCRequest:
        body.end();
        if (this.gssencRequested) throw protocolError('duplicate GSSENCRequest');
        this.gssencRequested = true;
        return { kind: 'GSSENCRequest' };
      case StartupCode.CancelRequest: {
        const processId = body.int32('the process id');
        const secretKey = body.int32('the secret key');
        body.end();
        this.phaseNow = 'ended';
        return { kind: 'CancelRequest', processId, secretKey };
      }
      default:
        return this.startupMessage(code, body);
    }
  }

  private startupMessage(code: number, body: BodyReader): StartupPacket {
    const protocolMajor = code >>> 16;
    const protocolMinor = code & 0xffff;
    if (protocolMajor !== 3) {
      throw protocolError(`unsupported frontend protocol ${protocolMajor}.${protocolMinor}: server supports 3.0`);
    }
    const parameters = new Map<string, string>();
    // Each pair takes at least 2 bytes, so the packet limit bounds this loop.
    for (;;) {
      const name = body.cstring('a parameter name');
      if (name === '') break;
      parameters.set(name, body.cstring(`the value of parameter "${name}"`));
    }
    if (body.remainingBytes !== 0) {
      throw protocolError('invalid startup packet layout: expected terminator as last byte');
    }
    this.phaseNow = 'typed';
    return { kind: 'StartupMessage', protocolMajor, protocolMinor, parameters };
  }

  private nextTypedMessage(): TypedMessage | undefined {
    if (this.buffered < 1) return undefined;
    // Refuse an unknown type on its first byte, before waiting for a length.
    const code = this.peekByte(0);
    const declaredBytesMax = declaredBytesMaxOf(code);
    if (declaredBytesMax === undefined) {
      throw protocolError(`invalid frontend message type ${describeTypeByte(code)}`);
    }
    if (this.buffered < 5) return undefined;
    const declaredBytes = this.peekUint32(1);
    if (declaredBytes < 4 || declaredBytes > declaredBytesMax) {
      throw protocolError(
        `invalid message length ${declaredBytes} for message type ${describeTypeByte(code)}`,
        `The declared length of this message type is between 4 and ${declaredBytesMax} bytes.`,
      );
    }
    if (this.buffered < 1 + declaredBytes) return undefined;
    const body = this.take(1 + declaredBytes).subarray(5);
    return decodeTypedMessage(code, body);
  }
}

function formatCodes(body: BodyReader, count: number, what: string): FormatCode[] {
  // Two bytes per entry: check the count against what is left before allocating.
  if (count * 2 > body.remainingBytes) {
    throw protocolError(`invalid Bind message: ${count} ${what} run past the end of the message`);
  }
  const formats: FormatCode[] = [];
  for (let index = 0; index < count; index++) {
    const format = body.int16(what);
    if (format !== 0 && format !== 1) throw protocolError(`unsupported format code: ${format}`);
    formats.push(format);
  }
  return formats;
}

function describeTarget(body: BodyReader, messageName: string): DescribeTarget {
  const target = body.byte('the target');
  if (target === TargetCode.Statement) return 'S';
  if (target === TargetCode.Portal) return 'P';
  throw protocolError(`invalid ${messageName} message subtype ${describeTypeByte(target)}`);
}

function decodeTypedMessage(code: number, bytes: Buffer): TypedMessage {
  switch (code) {
    case FrontendCode.Query: {
      const body = new BodyReader(bytes, 'Query');
      const sql = body.cstring('the query string');
      body.end();
      return { kind: 'Query', sql };
    }
    case FrontendCode.Parse: {
      const body = new BodyReader(bytes, 'Parse');
      const name = body.cstring('the statement name');
      const sql = body.cstring('the query string');
      const count = body.uint16('the parameter type count');
      if (count * 4 > body.remainingBytes) {
        throw protocolError(`invalid Parse message: ${count} parameter types run past the end of the message`);
      }
      const parameterTypeOids: number[] = [];
      for (let index = 0; index < count; index++) parameterTypeOids.push(body.uint32('a parameter type'));
      body.end();
      return { kind: 'Parse', name, sql, parameterTypeOids };
    }
    case FrontendCode.Bind: {
      const body = new BodyReader(bytes, 'Bind');
      const portal = body.cstring('the portal name');
      const statement = body.cstring('the statement name');
      const parameterFormats = formatCodes(body, body.uint16('the parameter format count'), 'parameter formats');
      const parameterCount = body.uint16('the parameter count');
      if (parameterFormats.length > 1 && parameterFormats.length !== parameterCount) {
        throw protocolError(
          `bind message has ${parameterFormats.length} parameter formats but ${parameterCount} parameters`,
        );
      }
      // Four bytes at least per parameter: check before allocating.
      if (parameterCount * 4 > body.remainingBytes) {
        throw protocolError(`invalid Bind message: ${parameterCount} parameters run past the end of the message`);
      }
      const parameters: (Buffer | null)[] = [];
      for (let index = 0; index < parameterCount; index++) {
        const valueBytes = body.int32('a parameter length');
        if (valueBytes === -1) parameters.push(null);
        else if (valueBytes < 0) throw protocolError(`invalid Bind message: parameter length ${valueBytes}`);
        else parameters.push(body.bytes(valueBytes, `parameter ${index + 1}`));
      }
      const resultFormats = formatCodes(body, body.uint16('the result format count'), 'result formats');
      body.end();
      return { kind: 'Bind', portal, statement, parameterFormats, parameters, resultFormats };
    }
    case FrontendCode.Describe:
    case FrontendCode.Close: {
      const kind = code === FrontendCode.Describe ? 'Describe' : 'Close';
      const body = new BodyReader(bytes, kind);
      const target = describeTarget(body, kind);
      const name = body.cstring('the name');
      body.end();
      return { kind, target, name };
    }
    case FrontendCode.Execute: {
      const body = new BodyReader(bytes, 'Execute');
      const portal = body.cstring('the portal name');
      const rowsMax = body.int32('the row count');
      body.end();
      return { kind: 'Execute', portal, rowsMax: Math.max(rowsMax, 0) };
    }
    case FrontendCode.Flush:
      new BodyReader(bytes, 'Flush').end();
      return { kind: 'Flush' };
    case FrontendCode.Sync:
      new BodyReader(bytes, 'Sync').end();
      return { kind: 'Sync' };
    case FrontendCode.Terminate:
      new BodyReader(bytes, 'Terminate').end();
      return { kind: 'Terminate' };
    case FrontendCode.PasswordMessage:
      return { kind: 'PasswordMessage', data: bytes };
    case FrontendCode.CopyData:
      return { kind: 'CopyData', data: bytes };
    case FrontendCode.CopyDone:
      new BodyReader(bytes, 'CopyDone').end();
      return { kind: 'CopyDone' };
    case FrontendCode.CopyFail: {
      const body = new BodyReader(bytes, 'CopyFail');
      const message = body.cstring('the error message');
      body.end();
      return { kind: 'CopyFail', message };
    }
    default:
      throw protocolError(`invalid frontend message type ${describeTypeByte(code)}`);
  }
}

export interface SaslInitialResponse {
  readonly mechanism: string;
  /** null when the client sent length -1 (no initial response). */
  readonly data: Buffer | null;
}

/** Decodes the body of a PasswordMessage the authentication step expects to be a SASLInitialResponse. */
export function decodeSaslInitialResponse(data: Buffer): SaslInitialResponse {
  const body = new BodyReader(data, 'SASLInitialResponse');
  const mechanism = body.cstring('the mechanism name');
  const responseBytes = body.int32('the response length');
  let response: Buffer | null;
  if (responseBytes === -1) response = null;
  else if (responseBytes < 0) throw protocolError(`invalid SASLInitialResponse message: length ${responseBytes}`);
  else response = body.bytes(responseBytes, 'the response');
  body.end();
  return { mechanism, data: response };
}

/** A SASLResponse is the whole PasswordMessage body; named so the auth step reads like the protocol. */
export function decodeSaslResponse(data: Buffer): Buffer {
  return data;
}
