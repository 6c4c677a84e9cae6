/**
 * The PostgreSQL v3 message type bytes and startup codes, as char codes so the parser
 * compares a byte without decoding it (STYLE 9). Names are PostgreSQL's
 * (protocol-message-formats.html).
 */

/** The type byte of a typed message the client sends. */
export const enum FrontendCode {
  Bind = 0x42, // 'B'
  Close = 0x43, // 'C'
  CopyData = 0x64, // 'd'
  CopyDone = 0x63, // 'c'
  CopyFail = 0x66, // 'f'
  Describe = 0x44, // 'D'
  Execute = 0x45, // 'E'
  Flush = 0x48, // 'H'
  FunctionCall = 0x46, // 'F' (not supported: parsed as an unknown type)
  Parse = 0x50, // 'P'
  /** PasswordMessage, SASLInitialResponse and SASLResponse share this byte. */
  PasswordMessage = 0x70, // 'p'
  Query = 0x51, // 'Q'
  Sync = 0x53, // 'S'
  Terminate = 0x58, // 'X'
}

/** The type byte of a message the server sends. */
export const enum BackendCode {
  Authentication = 0x52, // 'R'
  BackendKeyData = 0x4b, // 'K'
  BindComplete = 0x32, // '2'
  CloseComplete = 0x33, // '3'
  CommandComplete = 0x43, // 'C'
  DataRow = 0x44, // 'D'
  EmptyQueryResponse = 0x49, // 'I'
  ErrorResponse = 0x45, // 'E'
  NegotiateProtocolVersion = 0x76, // 'v'
  NoData = 0x6e, // 'n'
  NoticeResponse = 0x4e, // 'N'
  ParameterDescription = 0x74, // 't'
  ParameterStatus = 0x53, // 'S'
  ParseComplete = 0x31, // '1'
  PortalSuspended = 0x73, // 's'
  ReadyForQuery = 0x5a, // 'Z'
  RowDescription = 0x54, // 'T'
}

/** The int32 after the length of the Authentication ('R') message. */
export const enum AuthenticationCode {
  Ok = 0,
  SASL = 10,
  SASLContinue = 11,
  SASLFinal = 12,
}

/** The int32 code that opens an untyped startup packet. */
export const enum StartupCode {
  /** Protocol 3.0: major in the high 16 bits, minor in the low 16. */
  ProtocolVersion3 = 196608,
  CancelRequest = 80877102,
  SSLRequest = 80877103,
  GSSENCRequest = 80877104,
}

/** The byte after 'D' (Describe) and 'C' (Close): a prepared statement or a portal. */
export const enum TargetCode {
  Statement = 0x53, // 'S'
  Portal = 0x50, // 'P'
}

/** The one-byte answer to SSLRequest / GSSENCRequest that refuses encryption. */
export const encryptionRefusedByte = 0x4e; // 'N'
