/**
 * The storage node's request protocol (docs/cluster.md): one HTTP POST carries a batch of
 * acceptor operations on words and gets their replies in order, as MessagePack.
 *
 *     POST /v1/acceptor   x-dmachine-secret: <secret>
 *     { requests: [ { op: 'read', key, lease? } | { op: 'prepare', key, ballot } | { op: 'accept', key, ballot, value, next? } ] }
 *     → { replies: [ ReadReply | PrepareReply | AcceptReply ] }   (a read's reply is shaped as a promise's)
 *
 * A lease travels as [proposer, milliseconds]; a read's reply then says `leased`, and a
 * refusal for another proposer's lease says `leasedMilliseconds` (acceptor.ts).
 *
 * A key travels as [account, resource, resourceType, primaryKey, sortKeyBytes | null]
 * (the canonical primary key text and the typed sort-key bytes): the node recomputes the
 * pointer, so a word's address never depends on what a gateway says it hashes to. A
 * ballot travels as [counter, proposer].
 */
import { decode, encode } from '@msgpack/msgpack';
import { SqlError, SqlState } from '../common/sql-error.js';
import { decodeSortKeyBytes, resourceTypes, wordAddress, type ResourceType, type WordAddress } from '../store/key.js';
import type { LogAddress, ScanCursor, ScanRequest, SortKeyBound } from '../store/memory.js';
import type { AcceptReply, LeaseRequest, PrepareReply, ReadReply } from './caspaxos/acceptor.js';
import type { Ballot } from './caspaxos/ballot.js';
import { recordsPerSegment, segmentBase, segmentNumberLimit, segmentPlacement } from './log-segments.js';

export const acceptorPath = '/v1/acceptor';
export const secretHeader = 'x-dmachine-secret';
/** Operations one request may carry. */
export const batchOperationsMax = 4096;

type WireKey = [string, string, string, string, Uint8Array | null];
type WireBallot = [number, string];

export type NodeRequest =
  | { readonly op: 'read'; readonly key: WordAddress; readonly lease?: LeaseRequest | undefined }
  | { readonly op: 'prepare'; readonly key: WordAddress; readonly ballot: Ballot }
  | { readonly op: 'accept'; readonly key: WordAddress; readonly ballot: Ballot; readonly value: Buffer | null; readonly next?: Ballot | undefined };

export type NodeReply = ReadReply<Buffer> | PrepareReply<Buffer> | AcceptReply;

export function encodeRequests(requests: readonly NodeRequest[]): Uint8Array {
  return encode({
    requests: requests.map((request) => {
      if (request.op === 'read') return { op: 'read', key: wireKey(request.key), lease: request.lease === undefined ? null : [request.lease.proposer, request.lease.milliseconds] };
      if (request.op === 'prepare') return { op: 'prepare', key: wireKey(request.key), ballot: wireBallot(request.ballot) };
      return { op: 'accept', key: wireKey(request.key), ballot: wireBallot(request.ballot), value: request.value, next: request.next === undefined ? null : wireBallot(request.next) };
    }),
  });
}

/** The requests of a body, every field checked: a malformed one is 08P01 naming what is wrong. */
export function decodeRequests(body: Uint8Array): NodeRequest[] {
  const message = decodeOrFail(body) as { requests?: unknown };
  if (typeof message !== 'object' || message === null || !Array.isArray(message.requests)) throw malformed('expected { requests: [...] }');
  if (message.requests.length > batchOperationsMax) throw malformed(`more than ${batchOperationsMax} operations in one request`);
  return message.requests.map((request: unknown, index: number) => {
    if (typeof request !== 'object' || request === null) throw malformed(`request ${index} is not an object`);
    const { op, key, ballot, value, next, lease } = request as Record<string, unknown>;
    if (op === 'read') return { op, key: parseKey(key, index), lease: parseLease(lease, index) };
    if (op === 'prepare') return { op, key: parseKey(key, index), ballot: parseBallot(ballot, index) };
    if (op !== 'accept') throw malformed(`request ${index}: unknown op ${String(op)}`);
    if (value !== null && !(value instanceof Uint8Array)) throw malformed(`request ${index}: value must be bytes or nil`);
    return {
      op,
      key: parseKey(key, index),
      ballot: parseBallot(ballot, index),
      value: value === null ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      next: next === null || next === undefined ? undefined : parseBallot(next, index),
    };
  });
}

export function encodeReplies(replies: readonly NodeReply[]): Uint8Array {
  return encode({
    replies: replies.map((reply) => {
      if ('value' in reply) return { ok: true, accepted: wireBallot(reply.accepted), value: reply.value, ...('leased' in reply && reply.leased !== undefined ? { leased: reply.leased } : {}) };
      if (reply.ok) return { ok: true };
      const leased = reply.leasedMilliseconds === undefined ? {} : { leasedMilliseconds: reply.leasedMilliseconds };
      return 'acceptedHere' in reply
        ? { ok: false, promised: wireBallot(reply.promised), acceptedHere: reply.acceptedHere, ...leased }
        : { ok: false, promised: wireBallot(reply.promised), ...leased };
    }),
  });
}

export function decodeReplies(body: Uint8Array, expected: number): NodeReply[] {
  const message = decodeOrFail(body) as { replies?: unknown };
  if (typeof message !== 'object' || message === null || !Array.isArray(message.replies) || message.replies.length !== expected) {
    throw malformed(`expected ${expected} replies`);
  }
  return message.replies.map((reply: Record<string, unknown>, index: number): NodeReply => {
    if (reply.ok === true && 'accepted' in reply) {
      const value = reply.value;
      if (value !== null && !(value instanceof Uint8Array)) throw malformed(`reply ${index}: value must be bytes or nil`);
      if (reply.leased !== undefined && typeof reply.leased !== 'boolean') throw malformed(`reply ${index}: leased must be a boolean`);
      const leased = reply.leased === undefined ? {} : { leased: reply.leased };
      return { ok: true, accepted: parseBallot(reply.accepted, index), value: value === null ? null : Buffer.from(value), ...leased };
    }
    if (reply.ok === true) return { ok: true };
    const promised = parseBallot(reply.promised, index);
    const waitMilliseconds = reply.leasedMilliseconds;
    if (waitMilliseconds !== undefined && !(typeof waitMilliseconds === 'number' && waitMilliseconds >= 0 && Number.isFinite(waitMilliseconds))) throw malformed(`reply ${index}: leasedMilliseconds`);
    const leased = waitMilliseconds === undefined ? {} : { leasedMilliseconds: waitMilliseconds };
    const acceptedHere = reply.acceptedHere;
    if (acceptedHere === undefined) return { ok: false, promised, ...leased };
    if (acceptedHere !== 'yes' && acceptedHere !== 'no' && acceptedHere !== 'unknown') throw malformed(`reply ${index}: acceptedHere`);
    return { ok: false, promised, acceptedHere, ...leased };
  });
}

function wireKey(address: WordAddress): WireKey {
  return [address.account, address.resource, address.resourceType, address.primaryKey, address.sortKey?.bytes ?? null];
}

function wireBallot(ballot: Ballot): WireBallot {
  return [ballot.counter, ballot.proposer];
}

function parseKey(input: unknown, index: number): WordAddress {
  if (!Array.isArray(input) || input.length !== 5) throw malformed(`request ${index}: key must be [account, resource, type, primary key, sort key]`);
  const [account, resource, resourceType, primaryKey, sortKey] = input as unknown[];
  if (typeof account !== 'string' || typeof resource !== 'string' || typeof primaryKey !== 'string') throw malformed(`request ${index}: key names must be text`);
  if (!resourceTypes.includes(resourceType as ResourceType)) throw malformed(`request ${index}: unknown resource type`);
  if (sortKey !== null && !(sortKey instanceof Uint8Array)) throw malformed(`request ${index}: sort key must be bytes or nil`);
  try {
    return wordAddress({ account, resource, resourceType: resourceType as ResourceType, primaryKey, sortKey: sortKey === null ? undefined : decodeSortKeyBytes(sortKey) });
  } catch (error) {
    throw malformed(`request ${index}: ${(error as Error).message}`);
  }
}

function parseLease(input: unknown, index: number): LeaseRequest | undefined {
  if (input === null || input === undefined) return undefined;
  if (!Array.isArray(input) || input.length !== 2 || typeof input[0] !== 'string' || !Number.isSafeInteger(input[1]) || (input[1] as number) <= 0) {
    throw malformed(`request ${index}: lease must be [proposer, milliseconds]`);
  }
  return { proposer: input[0], milliseconds: input[1] as number };
}

function parseBallot(input: unknown, index: number): Ballot {
  if (!Array.isArray(input) || input.length !== 2 || !Number.isSafeInteger(input[0]) || (input[0] as number) < 0 || typeof input[1] !== 'string') {
    throw malformed(`request ${index}: ballot must be [counter, proposer]`);
  }
  return { counter: input[0] as number, proposer: input[1] as string };
}

function decodeOrFail(body: Uint8Array): unknown {
  try {
    return decode(body);
  } catch (error) {
    throw malformed(`not MessagePack: ${(error as Error).message}`);
  }
}

function malformed(message: string): SqlError {
  return new SqlError(SqlState.protocolViolation, `malformed node request: ${message}`);
}

// --- scans ------------------------------------------------------------------------

export const scanPath = '/v1/scan';

/** What one node holds for a word a scan met: its accepted ballot and value (null: none, or deleted). */
export interface ScannedWord {
  readonly address: WordAddress;
  readonly accepted: Ballot;
  readonly value: Buffer | null;
}

export interface NodeScanPage {
  readonly words: readonly ScannedWord[];
  readonly next: ScanCursor | undefined;
}

export function encodeScan(request: ScanRequest): Uint8Array {
  const after = request.after === undefined ? null : [request.after.pointer, request.after.sortKeyBytes];
  if (request.kind === 'resource') {
    return encode({ kind: 'resource', account: request.account, resource: request.resource, resourceType: request.resourceType, limit: request.limit, after });
  }
  const bound = (value: SortKeyBound | undefined) => (value === undefined ? null : [value.bytes, value.inclusive]);
  return encode({ kind: 'range', key: wireKey(request.address), lower: bound(request.lower), upper: bound(request.upper), reverse: request.reverse ?? false, limit: request.limit, after });
}

export function decodeScan(body: Uint8Array): ScanRequest {
  const input = decodeOrFail(body) as Record<string, unknown>;
  if (typeof input !== 'object' || input === null) throw malformed('expected a scan');
  const limit = input.limit;
  if (!Number.isSafeInteger(limit)) throw malformed('scan limit must be an integer');
  const after = parseCursor(input.after);
  if (input.kind === 'resource') {
    const { account, resource, resourceType } = input;
    if (typeof account !== 'string' || typeof resource !== 'string' || !resourceTypes.includes(resourceType as ResourceType)) throw malformed('scan resource');
    return { kind: 'resource', account, resource, resourceType: resourceType as ResourceType, limit: limit as number, after };
  }
  if (input.kind !== 'range') throw malformed(`unknown scan kind ${String(input.kind)}`);
  const bound = (value: unknown): SortKeyBound | undefined => {
    if (value === null || value === undefined) return undefined;
    if (!Array.isArray(value) || !(value[0] instanceof Uint8Array) || typeof value[1] !== 'boolean') throw malformed('scan bound');
    return { bytes: Buffer.from(value[0]), inclusive: value[1] };
  };
  return { kind: 'sortKeyRange', address: parseKey(input.key, 0), lower: bound(input.lower), upper: bound(input.upper), reverse: input.reverse === true, limit: limit as number, after };
}

export function encodeScanPage(page: NodeScanPage): Uint8Array {
  return encode({
    words: page.words.map((word) => [wireKey(word.address), wireBallot(word.accepted), word.value]),
    next: page.next === undefined ? null : [page.next.pointer, page.next.sortKeyBytes],
  });
}

export function decodeScanPage(body: Uint8Array): NodeScanPage {
  const input = decodeOrFail(body) as { words?: unknown; next?: unknown };
  if (typeof input !== 'object' || input === null || !Array.isArray(input.words)) throw malformed('expected a scan page');
  const words = input.words.map((entry: unknown, index: number): ScannedWord => {
    if (!Array.isArray(entry) || entry.length !== 3 || (entry[2] !== null && !(entry[2] instanceof Uint8Array))) throw malformed(`scan word ${index}`);
    return { address: parseKey(entry[0], index), accepted: parseBallot(entry[1], index), value: entry[2] === null ? null : Buffer.from(entry[2]) };
  });
  return { words, next: parseCursor(input.next) };
}

function parseCursor(input: unknown): ScanCursor | undefined {
  if (input === null || input === undefined) return undefined;
  if (!Array.isArray(input) || !(input[0] instanceof Uint8Array) || !(input[1] instanceof Uint8Array)) throw malformed('scan cursor');
  return { pointer: Buffer.from(input[0]), sortKeyBytes: Buffer.from(input[1]) };
}

// --- the linear memory --------------------------------------------------------------

/**
 *     POST /v1/lnr   x-dmachine-secret: <secret>   one operation per request
 *     { op: 'append', log: [account, resource], segment, first, payloads: [bytes, ...] }  → { ok: true } | { ok: false, next }
 *     { op: 'read',   log, segment, record, count }                                      → { payloads: [bytes, ...] }
 *     { op: 'next',   log, segment }                                                     → { next }
 *     { op: 'seal',   log, segment }                                                     → { ok: true }
 *     { op: 'drop',   log, segment }                                                     → { existed }
 *
 * An append is taken only at the segment's next record number (its single writer sends
 * its records in order); otherwise the node answers the number it expects. A read answers
 * the records from `record` on that the copy holds, at most `count` and about
 * readReplyBytesMax bytes (at least one); `next` is the copy's next record number.
 */
export const lnrPath = '/v1/lnr';
/** Payloads one append may carry, and records one read may ask for. */
export const appendPayloadsMax = 65_536;
/** A read's reply stops after the record that reaches this many bytes. */
export const readReplyBytesMax = 4 * 1024 * 1024;

export type LnrRequest =
  | { readonly op: 'append'; readonly log: LogAddress; readonly segment: number; readonly first: number; readonly payloads: readonly Buffer[] }
  | { readonly op: 'read'; readonly log: LogAddress; readonly segment: number; readonly record: number; readonly count: number }
  | { readonly op: 'next' | 'seal' | 'drop'; readonly log: LogAddress; readonly segment: number };

export type AppendReply = { readonly ok: true } | { readonly ok: false; readonly next: number };

export function encodeLnrRequest(request: LnrRequest): Uint8Array {
  const { log, ...rest } = request;
  return encode({ ...rest, log: [log.account, log.resource] });
}

/** The operation of a body, every field checked: 08P01 for a malformed one, 22023 for numbers outside the segment. */
export function decodeLnrRequest(body: Uint8Array): LnrRequest {
  const input = decodeOrFail(body) as Record<string, unknown>;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw malformed('expected an lnr operation');
  const { op, log, segment, first, record, count, payloads } = input;
  if (!Array.isArray(log) || log.length !== 2 || typeof log[0] !== 'string' || typeof log[1] !== 'string') throw malformed('log must be [account, resource]');
  const address: LogAddress = { account: log[0], resource: log[1] };
  try {
    segmentPlacement(address, 0); // checks the names as a key would
  } catch (error) {
    throw malformed(`log: ${(error as Error).message}`);
  }
  if (!Number.isSafeInteger(segment) || (segment as number) < 0 || (segment as number) >= segmentNumberLimit) throw malformed('segment must be a segment number');
  const inSegment = (name: string, value: unknown, count = 1): number => {
    if (!Number.isSafeInteger(value)) throw malformed(`${name} must be an integer`);
    const base = segmentBase(segment as number);
    if ((value as number) < base || (value as number) + count > base + recordsPerSegment) {
      throw new SqlError(SqlState.invalidParameterValue, `${name} ${String(value)} is outside segment ${String(segment)}`);
    }
    return value as number;
  };
  if (op === 'append') {
    if (!Array.isArray(payloads) || payloads.length === 0 || payloads.length > appendPayloadsMax) throw malformed(`payloads must be 1 to ${appendPayloadsMax} byte strings`);
    if (!payloads.every((payload) => payload instanceof Uint8Array)) throw malformed('payloads must be byte strings');
    const buffers = payloads.map((payload: Uint8Array) => Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
    return { op, log: address, segment: segment as number, first: inSegment('first', first, buffers.length), payloads: buffers };
  }
  if (op === 'read') {
    if (!Number.isSafeInteger(count) || (count as number) < 1 || (count as number) > appendPayloadsMax) throw malformed(`count must be 1 to ${appendPayloadsMax}`);
    return { op, log: address, segment: segment as number, record: inSegment('record', record), count: count as number };
  }
  if (op === 'next' || op === 'seal' || op === 'drop') return { op, log: address, segment: segment as number };
  throw malformed(`unknown lnr op ${String(op)}`);
}

export function decodeAppendReply(body: Uint8Array): AppendReply {
  const reply = decodeOrFail(body) as Record<string, unknown>;
  if (reply?.ok === true) return { ok: true };
  if (reply?.ok === false && Number.isSafeInteger(reply.next)) return { ok: false, next: reply.next as number };
  throw malformed('expected an append reply');
}

export function decodeReadReply(body: Uint8Array): Buffer[] {
  const reply = decodeOrFail(body) as Record<string, unknown>;
  const payloads = reply?.payloads;
  if (!Array.isArray(payloads) || !payloads.every((payload) => payload instanceof Uint8Array)) throw malformed('expected a read reply');
  return payloads.map((payload: Uint8Array) => Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
}

export function decodeNextReply(body: Uint8Array): number {
  const reply = decodeOrFail(body) as Record<string, unknown>;
  if (!Number.isSafeInteger(reply?.next)) throw malformed('expected a next reply');
  return reply.next as number;
}

export function decodeDropReply(body: Uint8Array): boolean {
  const reply = decodeOrFail(body) as Record<string, unknown>;
  if (typeof reply?.existed !== 'boolean') throw malformed('expected a drop reply');
  return reply.existed;
}
