/**
 * Keys and pointers (DESIGN §1).
 *
 * A key is the text `account/resource/resourceType/primaryKey[/sortKey]`, each
 * component escaped (`%` → `%25`, `/` → `%2F`; the empty text key is `%00`) so
 * that no two different keys share a text. The pointer is the SHA-512 of the escaped text without the sort
 * key: every sort key of one primary key lives under one pointer, together and
 * ordered by the sort key's order-preserving bytes.
 */
import { createHash } from 'node:crypto';
import { nameBytesMax, primaryKeyBytesMax, sortKeyBytesMax } from '../common/limits.js';
import { SqlError, SqlState } from '../common/sql-error.js';

export const resourceTypes = ['rnd', 'lnr'] as const;
export type ResourceType = (typeof resourceTypes)[number];

export const pointerBytes = 64;

/**
 * A timestamp key: microseconds since 1970-01-01 00:00 UTC, as the VM's timestamptz
 * holds it (its infinities are the values just outside the finite range).
 */
export class KeyTimestamp {
  constructor(readonly microseconds: bigint) {
    Object.freeze(this);
  }
}

/** A value that can be a primary or sort key: int (any SQL integer type), text, bytea, boolean, timestamp. */
export type KeyValue = bigint | string | Uint8Array | boolean | KeyTimestamp;

/** The components of a key, unescaped; primaryKey and sortKey are canonical texts. */
export interface KeyParts {
  readonly account: string;
  readonly resource: string;
  readonly resourceType: ResourceType;
  readonly primaryKey: string;
  readonly sortKey?: string | undefined;
}

/**
 * The component the empty text key stands as. A component cannot be empty (`a//b` would
 * be ambiguous) and no text key holds NUL, so this one character names '' alone; its
 * textual form is `%00`.
 */
export const emptyTextComponent = '\u0000';

const int8Min = -(2n ** 63n);
const int8Max = 2n ** 63n - 1n;

// ---------------------------------------------------------------------------
// Escaping and the textual key

export function escapeComponent(component: string): string {
  if (component === emptyTextComponent) return '%00';
  return component.replace(/%/g, '%25').replace(/\//g, '%2F');
}

/** Inverse of escapeComponent; any escape other than %25, %2F and a whole `%00` is refused so each key has one text. */
export function unescapeComponent(escaped: string, name: string): string {
  if (escaped === '%00') return emptyTextComponent;
  return escaped.replace(/%(..)?/g, (match: string, hex: string | undefined) => {
    if (hex === '25') return '%';
    if (hex === '2F') return '/';
    throw new SqlError(
      SqlState.invalidParameterValue,
      `invalid escape "${match}" in the ${name} of a key: only %25 (for %), %2F (for /) and %00 alone (the empty text) are allowed`,
    );
  });
}

const componentNames = ['account', 'resource', 'resourceType', 'primaryKey', 'sortKey'] as const;

/** Parses `account/resource/resourceType/primaryKey[/sortKey]` and checks every component. */
export function parseKey(text: string): KeyParts {
  const pieces = text.split('/');
  if (pieces.length < 4 || pieces.length > 5) {
    throw new SqlError(
      SqlState.invalidParameterValue,
      `a key has 4 or 5 components (account/resource/resourceType/primaryKey[/sortKey]), got ${pieces.length}`,
      'escape "/" inside a component as %2F and "%" as %25',
    );
  }
  const [account, resource, resourceType, primaryKey, sortKey] = pieces.map((piece, index) =>
    unescapeComponent(piece, componentNames[index]!),
  ) as [string, string, string, string, string | undefined];
  return checkKeyParts({ account, resource, resourceType: resourceType as ResourceType, primaryKey, sortKey });
}

export function formatKey(parts: KeyParts): string {
  const hashed = hashedKeyText(parts);
  return parts.sortKey === undefined ? hashed : `${hashed}/${escapeComponent(parts.sortKey)}`;
}

export function formatAddress(address: WordAddress): string {
  return formatKey({ ...address, sortKey: address.sortKey?.text });
}

/** The text whose SHA-512 is the pointer: the escaped key without its sort key. */
export function hashedKeyText(parts: KeyParts): string {
  return [parts.account, parts.resource, parts.resourceType, parts.primaryKey].map(escapeComponent).join('/');
}

// ---------------------------------------------------------------------------
// Checks

/** Throws a clear error for an empty or oversized component or an unknown resourceType; returns parts. */
export function checkKeyParts(parts: KeyParts): KeyParts {
  checkComponent(parts.account, 'account', nameBytesMax);
  checkComponent(parts.resource, 'resource', nameBytesMax);
  if (!(resourceTypes as readonly string[]).includes(parts.resourceType)) {
    throw new SqlError(
      SqlState.invalidParameterValue,
      `unknown resourceType "${parts.resourceType}": expected one of ${resourceTypes.join(', ')}`,
    );
  }
  checkComponent(parts.primaryKey, 'primaryKey', primaryKeyBytesMax);
  if (parts.sortKey !== undefined) checkComponent(parts.sortKey, 'sortKey', sortKeyBytesMax);
  return parts;
}

function checkComponent(component: string, name: string, bytesMax: number): void {
  if (component.length === 0) {
    throw new SqlError(SqlState.invalidParameterValue, `the ${name} of a key must not be empty`);
  }
  if (component === emptyTextComponent && (name === 'primaryKey' || name === 'sortKey')) return;
  checkWellFormedText(component, name);
  const bytes = Buffer.byteLength(component, 'utf8');
  if (bytes > bytesMax) {
    throw new SqlError(
      SqlState.programLimitExceeded,
      `the ${name} of a key is ${bytes} bytes, over the limit of ${bytesMax} bytes`,
    );
  }
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-8 encoding would silently replace these, letting two texts share one key. */
function checkWellFormedText(text: string, name: string): void {
  if (text.includes('\u0000')) {
    throw new SqlError(SqlState.characterNotInRepertoire, `the ${name} of a key contains a NUL character`);
  }
  if (loneSurrogate.test(text)) {
    throw new SqlError(SqlState.characterNotInRepertoire, `the ${name} of a key is not well-formed Unicode`);
  }
}

// ---------------------------------------------------------------------------
// Key values: canonical text and order-preserving sort-key bytes

/** Canonical text (DESIGN §1): integers in decimal, text as is, bytea as \x + hex, booleans true/false. */
export function canonicalText(value: KeyValue): string {
  switch (typeof value) {
    case 'bigint':
      checkInt8(value);
      return value.toString(10);
    case 'string':
      return value === '' ? emptyTextComponent : value;
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value instanceof KeyTimestamp) return `${value.microseconds}us`;
      return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  }
}

/**
 * The first byte of sort-key bytes says the value's type, so bytes decode on their
 * own (for inspection) and values of one column compare by their payload alone.
 */
export const SortKeyTag = { boolean: 0x10, integer: 0x20, text: 0x30, bytea: 0x40, timestamp: 0x50 } as const;

/** 2000-01-01 00:00 UTC in µs since 1970: timestamps are stored relative to it (as PostgreSQL does), so all fit int8. */
const timestampEpochMicroseconds = 946_684_800_000_000n;

/**
 * Bytes whose unsigned lexicographic order is the SQL order of values of one type:
 * integers as 8 big-endian bytes with the sign bit flipped (negatives first),
 * text as its UTF-8 bytes (C collation), bytea as is, false before true, timestamps
 * as integers of µs since 2000.
 */
export function sortKeyBytes(value: KeyValue): Buffer {
  switch (typeof value) {
    case 'bigint':
      return int8Bytes(SortKeyTag.integer, value);
    case 'string':
      checkWellFormedText(value, 'sortKey');
      return Buffer.concat([Buffer.of(SortKeyTag.text), Buffer.from(value, 'utf8')]);
    case 'boolean':
      return Buffer.of(SortKeyTag.boolean, value ? 1 : 0);
    default:
      if (value instanceof KeyTimestamp) return int8Bytes(SortKeyTag.timestamp, value.microseconds - timestampEpochMicroseconds);
      return Buffer.concat([Buffer.of(SortKeyTag.bytea), value]);
  }
}

/** The tag, then 8 big-endian bytes with the sign bit flipped: unsigned byte order is signed order. */
function int8Bytes(tag: number, value: bigint): Buffer {
  checkInt8(value);
  const bytes = Buffer.alloc(9);
  bytes[0] = tag;
  bytes.writeBigUInt64BE(BigInt.asUintN(64, value) ^ (1n << 63n), 1);
  return bytes;
}

/** Inverse of sortKeyBytes. */
export function decodeSortKeyBytes(bytes: Uint8Array): KeyValue {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payload = buffer.subarray(1);
  switch (buffer[0]) {
    case SortKeyTag.integer:
      if (payload.length !== 8) break;
      return BigInt.asIntN(64, payload.readBigUInt64BE(0) ^ (1n << 63n));
    case SortKeyTag.text:
      return payload.toString('utf8');
    case SortKeyTag.boolean:
      if (payload.length !== 1 || payload[0]! > 1) break;
      return payload[0] === 1;
    case SortKeyTag.bytea:
      return new Uint8Array(payload);
    case SortKeyTag.timestamp:
      if (payload.length !== 8) break;
      return new KeyTimestamp(BigInt.asIntN(64, payload.readBigUInt64BE(0) ^ (1n << 63n)) + timestampEpochMicroseconds);
  }
  throw new SqlError(SqlState.dataCorrupted, `malformed sort-key bytes ${buffer.toString('hex')}`);
}

function checkInt8(value: bigint): void {
  if (value < int8Min || value > int8Max) {
    throw new SqlError(SqlState.numericValueOutOfRange, `key value ${value} is out of range for type bigint`);
  }
}

// ---------------------------------------------------------------------------
// Pointers and word addresses

export function pointerOf(parts: KeyParts): Buffer {
  return createHash('sha512').update(hashedKeyText(parts), 'utf8').digest();
}

export interface SortKey {
  readonly text: string;
  readonly bytes: Buffer;
}

/**
 * Where a word lives: its key components in clear and its pointer, computed once.
 * `sortKey` is undefined for a word whose key has none; such a word is stored
 * under empty sort-key bytes, which order before every sort key.
 */
export interface WordAddress {
  readonly account: string;
  readonly resource: string;
  readonly resourceType: ResourceType;
  readonly primaryKey: string;
  readonly sortKey: SortKey | undefined;
  readonly pointer: Buffer;
}

export interface WordKey {
  readonly account: string;
  readonly resource: string;
  readonly resourceType: ResourceType;
  readonly primaryKey: KeyValue;
  readonly sortKey?: KeyValue | undefined;
}

/** Checks a key and computes its pointer: the one way to make a WordAddress. */
export function wordAddress(key: WordKey): WordAddress {
  const sortKey = key.sortKey === undefined ? undefined : { text: canonicalText(key.sortKey), bytes: sortKeyBytes(key.sortKey) };
  const parts = checkKeyParts({
    account: key.account,
    resource: key.resource,
    resourceType: key.resourceType,
    primaryKey: canonicalText(key.primaryKey),
    sortKey: sortKey?.text,
  });
  return {
    account: parts.account,
    resource: parts.resource,
    resourceType: parts.resourceType,
    primaryKey: parts.primaryKey,
    sortKey,
    pointer: pointerOf(parts),
  };
}

/** The address of a textual key; a sort key given in text is a text value. */
export function wordAddressOfText(text: string): WordAddress {
  const parts = parseKey(text);
  return wordAddress({ ...parts, sortKey: parts.sortKey });
}

export const emptySortKeyBytes = Buffer.alloc(0);

export function storedSortKeyBytes(address: WordAddress): Buffer {
  return address.sortKey?.bytes ?? emptySortKeyBytes;
}
