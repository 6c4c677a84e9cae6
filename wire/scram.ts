/**
 * SCRAM-SHA-256 for the server side (RFC 5802, RFC 7677), without channel binding: the
 * server offers SCRAM-SHA-256 only, never SCRAM-SHA-256-PLUS, also over TLS. Pure apart
 * from node:crypto: randomness is injected (STYLE 5, 11), messages are the SASL payloads
 * the wire parser hands over.
 *
 * The server stores only a verifier (salt, iteration count, StoredKey, ServerKey), in
 * PostgreSQL's text form so a catalog can keep it as a string and `CREATE USER ...
 * PASSWORD 'SCRAM-SHA-256$...'` can take one as is.
 *
 * An unknown user runs the same exchange against a mock verifier derived from a server
 * secret and the user name — the same salt on every attempt, as a real user's — and fails
 * only at the proof with the same error as a wrong password, as PostgreSQL does, so the
 * answers do not reveal which users exist.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes as cryptoRandomBytes, timingSafeEqual } from 'node:crypto';
import { scramIterationsDefault, scramIterationsMax } from '../common/limits.js';
import { assert, SqlError } from '../common/sql-error.js';

export const scramMechanism = 'SCRAM-SHA-256';

/** A source of random bytes; crypto.randomBytes in production, a seeded one in tests. */
export type RandomBytes = (byteCount: number) => Buffer;

export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Buffer;
  /** H(HMAC(SaltedPassword, "Client Key")): checks a proof, cannot produce one. */
  readonly storedKey: Buffer;
  /** HMAC(SaltedPassword, "Server Key"): signs the server-final message. */
  readonly serverKey: Buffer;
}

const keyBytes = 32;
const saltBytesDefault = 16; // PostgreSQL's SCRAM_DEFAULT_SALT_LEN
const serverNonceRandomBytes = 18; // PostgreSQL's SCRAM_RAW_NONCE_LEN

function hmac(key: Buffer, data: Buffer | string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

// RFC 4013 SASLprep, as PostgreSQL's pg_saslprep applies it to a password before hashing
// (and libpq on the client side). Simplifications: the unassigned-code-point table and the
// bidirectional rule are not checked; a password they would reject is used as is, which
// is also what PostgreSQL does with a password SASLprep rejects.
const nonAsciiSpace = /[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/gu; // RFC 3454 C.1.2
const mappedToNothing = /[\u00ad\u034f\u1806\u180b-\u180d\u200c\u200d\u2060\ufe00-\ufe0f\ufeff]/gu; // B.1
// C.2.1, C.2.2, C.3, C.4, C.5 (lone surrogates), C.6, C.7, C.8, C.9.
const prohibited =
  /[\u0000-\u001f\u007f-\u009f\u06dd\u070f\u180e\u2028\u2029\u2061-\u2063\u206a-\u206f\ufff9-\ufffd\ue000-\uf8ff\ufdd0-\ufdef\ufffe\uffff\u2ff0-\u2ffb\u0340\u0341\u200e\u200f\u202a-\u202e\u{1d173}-\u{1d17a}\u{e0001}\u{e0020}-\u{e007f}\u{f0000}-\u{ffffd}\u{100000}-\u{10fffd}\u{1fffe}\u{1ffff}\u{2fffe}\u{2ffff}\u{3fffe}\u{3ffff}\u{4fffe}\u{4ffff}\u{5fffe}\u{5ffff}\u{6fffe}\u{6ffff}\u{7fffe}\u{7ffff}\u{8fffe}\u{8ffff}\u{9fffe}\u{9ffff}\u{afffe}\u{affff}\u{bfffe}\u{bffff}\u{cfffe}\u{cffff}\u{dfffe}\u{dffff}\u{efffe}\u{effff}\u{ffffe}\u{fffff}\u{10fffe}\u{10ffff}]|\p{Surrogate}/u;

/** The password as SCRAM hashes it: SASLprep'd when that succeeds, else unchanged. */
export function saslPrepPassword(password: string): string {
  // Printable ASCII maps to itself; the common case skips the tables.
  if (/^[\x20-\x7e]*$/.test(password)) return password;
  const prepared = password.replace(nonAsciiSpace, ' ').replace(mappedToNothing, '').normalize('NFKC');
  if (prepared === '' || prohibited.test(prepared)) return password;
  return prepared;
}

function saltedPasswordKeys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const saltedPassword = pbkdf2Sync(Buffer.from(saslPrepPassword(password), 'utf8'), salt, iterations, keyBytes, 'sha256');
  return {
    storedKey: sha256(hmac(saltedPassword, 'Client Key')),
    serverKey: hmac(saltedPassword, 'Server Key'),
  };
}

export interface CreateScramVerifierOptions {
  readonly iterations?: number;
  /** Defaults to 16 bytes from `randomBytes`. */
  readonly salt?: Buffer;
  readonly randomBytes?: RandomBytes;
}

export function createScramVerifier(password: string, options: CreateScramVerifierOptions = {}): ScramVerifier {
  const iterations = options.iterations ?? scramIterationsDefault;
  assert(Number.isInteger(iterations) && iterations >= 1 && iterations <= scramIterationsMax, `iterations out of range: ${iterations}`);
  const salt = options.salt ?? (options.randomBytes ?? cryptoRandomBytes)(saltBytesDefault);
  assert(salt.length > 0, 'a salt is not empty');
  return { iterations, salt, ...saltedPasswordKeys(password, salt, iterations) };
}

/** PostgreSQL's text form: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64. */
export function formatScramVerifier(verifier: ScramVerifier): string {
  return (
    `${scramMechanism}$${verifier.iterations}:${verifier.salt.toString('base64')}` +
    `$${verifier.storedKey.toString('base64')}:${verifier.serverKey.toString('base64')}`
  );
}

/** Strict base64: decodes and re-encodes to the same text (Buffer.from alone skips junk). */
function decodeBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

/** The verifier in PostgreSQL's text form, or null when `text` is not one (e.g. a plain password). */
export function parseScramVerifier(text: string): ScramVerifier | null {
  const match = /^SCRAM-SHA-256\$([1-9][0-9]{0,9}):([^$:]+)\$([^$:]+):([^$:]+)$/.exec(text);
  if (match === null) return null;
  const iterations = Number(match[1]);
  const salt = decodeBase64(match[2]!);
  const storedKey = decodeBase64(match[3]!);
  const serverKey = decodeBase64(match[4]!);
  if (iterations > scramIterationsMax || salt === null || salt.length === 0) return null;
  if (storedKey === null || storedKey.length !== keyBytes || serverKey === null || serverKey.length !== keyBytes) return null;
  return { iterations, salt, storedKey, serverKey };
}

/**
 * The verifier an unknown user is checked against: deterministic in (secret, user) so
 * repeated attempts see the same salt, and unusable because no password produced it.
 */
export function mockScramVerifier(serverSecret: Buffer, userName: string): ScramVerifier {
  assert(serverSecret.length >= 16, 'the mock secret has at least 16 bytes');
  const derive = (purpose: string): Buffer => hmac(serverSecret, `${purpose}\0${userName}`);
  return {
    iterations: scramIterationsDefault,
    salt: derive('salt').subarray(0, saltBytesDefault),
    storedKey: derive('stored key'),
    serverKey: derive('server key'),
  };
}

/** A server nonce as PostgreSQL makes one: 18 random bytes in base64. */
export function randomServerNonce(randomBytes: RandomBytes = cryptoRandomBytes): string {
  return randomBytes(serverNonceRandomBytes).toString('base64');
}

/** RFC 5802 `printable`: %x21-2B / %x2D-7E, i.e. visible ASCII but ','. */
const printableNonce = /^[\x21-\x2b\x2d-\x7e]+$/;

function malformed(detail: string): SqlError {
  return new SqlError('08P01', 'malformed SCRAM message', detail);
}

function scramText(data: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw malformed('The message is not valid UTF-8.');
  }
  if (text.includes('\0')) throw malformed('The message contains a NUL byte.');
  return text;
}

/** An attribute `x=value` of a SCRAM message, by its expected letter. */
function attribute(part: string | undefined, letter: string, what: string): string {
  if (part === undefined || !part.startsWith(`${letter}=`)) {
    throw malformed(`Expected attribute "${letter}" (${what}) but found ${part === undefined ? 'the end of the message' : JSON.stringify(part.slice(0, 2))}.`);
  }
  return part.slice(2);
}

function checkExtensions(parts: readonly string[]): void {
  for (const part of parts) {
    if (!/^[A-Za-z]=/.test(part)) throw malformed(`Invalid attribute ${JSON.stringify(part.slice(0, 16))}.`);
  }
}

export interface ScramServerExchangeOptions {
  /** Called once per exchange; must return printable ASCII without ','. */
  readonly serverNonce: () => string;
}

type ExchangeState =
  | { readonly step: 'expectClientFirst' }
  | {
      readonly step: 'expectClientFinal';
      readonly gs2Header: string;
      readonly clientFirstBare: string;
      readonly serverFirst: string;
      readonly nonce: string;
    }
  | { readonly step: 'done' };

/**
 * One SCRAM-SHA-256 exchange on the server. Call `receiveClientFirst` with the
 * SASLInitialResponse data and send the result in AuthenticationSASLContinue, then
 * `receiveClientFinal` with the SASLResponse data and send the result in
 * AuthenticationSASLFinal followed by AuthenticationOk. Either throws SqlError: 08P01
 * or 0A000 for a malformed or unsupported message, 28P01 for a wrong proof.
 */
export class ScramServerExchange {
  private state: ExchangeState = { step: 'expectClientFirst' };

  /**
   * @param doomed fail at the proof whatever the client sends: set only by
   *   `forUnknownUser`, so a mock exchange cannot succeed even by accident.
   */
  private constructor(
    private readonly userName: string,
    private readonly verifier: ScramVerifier,
    private readonly options: ScramServerExchangeOptions,
    private readonly doomed: boolean,
  ) {}

  static forUser(userName: string, verifier: ScramVerifier, options: ScramServerExchangeOptions): ScramServerExchange {
    return new ScramServerExchange(userName, verifier, options, false);
  }

  /** An exchange that looks like a real user's until it fails at the proof with the same error. */
  static forUnknownUser(userName: string, serverSecret: Buffer, options: ScramServerExchangeOptions): ScramServerExchange {
    return new ScramServerExchange(userName, mockScramVerifier(serverSecret, userName), options, true);
  }

  /** client-first-message in, server-first-message out. */
  receiveClientFirst(data: Buffer): string {
    assert(this.state.step === 'expectClientFirst', 'receiveClientFirst is called once, first');
    this.state = { step: 'done' }; // any throw below ends the exchange
    const text = scramText(data);

    // gs2-header = gs2-cbind-flag "," [authzid] ","
    const flag = text[0];
    if (flag === 'p') {
      throw new SqlError('08P01', 'SCRAM channel binding is not supported', {
        detail: 'The client asked for channel binding ("p="), but this server offers SCRAM-SHA-256 without channel binding.',
        hint: 'Connect without channel binding (channel_binding=disable or prefer).',
      });
    }
    if ((flag !== 'n' && flag !== 'y') || text[1] !== ',') {
      throw malformed('The message does not start with the GS2 header "n,," or "y,,".');
    }
    if (text.startsWith('a=', 2)) {
      throw new SqlError('0A000', 'client uses authorization identity, but it is not supported');
    }
    if (text[2] !== ',') throw malformed('The GS2 header does not end with ",".');
    const gs2Header = text.slice(0, 3);
    const clientFirstBare = text.slice(3);

    // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
    const parts = clientFirstBare.split(',');
    if (parts[0]?.startsWith('m=')) throw new SqlError('0A000', 'client requires an unsupported SCRAM extension');
    // The user name is the startup message's, as in PostgreSQL; this one is only checked for form.
    attribute(parts[0], 'n', 'user name');
    const clientNonce = attribute(parts[1], 'r', 'nonce');
    if (!printableNonce.test(clientNonce)) throw malformed('The client nonce is empty or not printable ASCII.');
    checkExtensions(parts.slice(2));

    const serverNonce = this.options.serverNonce();
    assert(printableNonce.test(serverNonce), 'the server nonce is printable ASCII without ","');
    const nonce = clientNonce + serverNonce;
    const serverFirst = `r=${nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    this.state = { step: 'expectClientFinal', gs2Header, clientFirstBare, serverFirst, nonce };
    return serverFirst;
  }

  /** client-final-message in, server-final-message (`v=...`) out; throws 28P01 on a wrong proof. */
  receiveClientFinal(data: Buffer): string {
    const state = this.state;
    assert(state.step === 'expectClientFinal', 'receiveClientFinal follows a successful receiveClientFirst');
    this.state = { step: 'done' };
    const text = scramText(data);

    // client-final-message = channel-binding "," nonce ["," extensions] "," proof
    const parts = text.split(',');
    const channelBinding = attribute(parts[0], 'c', 'channel binding');
    if (channelBinding !== Buffer.from(state.gs2Header).toString('base64')) {
      throw new SqlError('08P01', 'SCRAM channel binding check failed', {
        detail: 'The channel binding attribute does not repeat the GS2 header of the first message.',
      });
    }
    const nonce = attribute(parts[1], 'r', 'nonce');
    if (nonce !== state.nonce) throw malformed('The nonce does not match.');
    if (parts.length < 3) throw malformed('The client proof is missing.');
    checkExtensions(parts.slice(2, -1));
    const proof = decodeBase64(attribute(parts[parts.length - 1], 'p', 'proof'));
    if (proof === null || proof.length !== keyBytes) throw malformed('The client proof is not 32 bytes of base64.');

    const clientFinalWithoutProof = parts.slice(0, -1).join(',');
    const authMessage = `${state.clientFirstBare},${state.serverFirst},${clientFinalWithoutProof}`;
    const clientSignature = hmac(this.verifier.storedKey, authMessage);
    const clientKey = Buffer.alloc(keyBytes);
    for (let index = 0; index < keyBytes; index++) clientKey[index] = proof[index]! ^ clientSignature[index]!;
    // Compare in constant time, and do so for the mock verifier too, so both paths cost the same.
    const proofMatches = timingSafeEqual(sha256(clientKey), this.verifier.storedKey);
    if (!proofMatches || this.doomed) {
      throw new SqlError('28P01', `password authentication failed for user "${this.userName}"`);
    }
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}
