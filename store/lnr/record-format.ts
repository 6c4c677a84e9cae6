/**
 * The byte layout of one lnr record (docs/lnr-format.md is the prose version;
 * test/store/lnr-record-format.test.ts pins both to the same bytes).
 *
 *   offset  size  field
 *        0     4  payload length, u32 little-endian
 *        4     4  CRC32C of bytes [8, 16 + length), u32 little-endian
 *        8     8  sequence, u64 little-endian
 *       16     n  payload
 *
 * The CRC covers the sequence as well as the payload so that a record that is
 * intact but sits at the wrong place (a stale block, a misdirected write) is
 * caught by the sequence check and cannot be mistaken for the expected one.
 * The length is outside the CRC because it is needed to find the CRC's extent;
 * a corrupt length is caught by the bounds check or, failing that, by the CRC.
 */
import { crc32c } from '../../common/checksum.js';
import { assert } from '../../common/sql-error.js';

export const recordHeaderBytes = 16;

const lengthOffset = 0;
const checksumOffset = 4;
const sequenceOffset = 8;

/**
 * Sequences stay below 2^53 so they are exact JavaScript numbers; on disk they
 * are u64, which leaves room to widen the in-memory type later without a
 * format change.
 */
export const sequenceMax = Number.MAX_SAFE_INTEGER;

const u32Range = 0x1_0000_0000;

export function recordBytes(payloadBytes: number): number {
  return recordHeaderBytes + payloadBytes;
}

/** Encodes one record at `position` of `target`; returns the position after it. */
export function writeRecord(target: Buffer, position: number, sequence: number, payload: Uint8Array): number {
  const end = position + recordBytes(payload.length);
  // Constant messages: a template string here would be built for every record.
  assert(end <= target.length, 'record fits the batch buffer');
  assert(Number.isSafeInteger(sequence) && sequence >= 0, 'a record sequence is a safe non-negative integer');
  const sequenceLow = sequence % u32Range;
  const sequenceHigh = Math.floor(sequence / u32Range);
  storeU32(target, position + lengthOffset, payload.length);
  storeU32(target, position + sequenceOffset, sequenceLow);
  storeU32(target, position + sequenceOffset + 4, sequenceHigh);
  target.set(payload, position + recordHeaderBytes);
  // The sequence's 8 bytes are checksummed here in JavaScript and only the
  // payload natively: a native call on a view of the batch buffer would cost a
  // view object per record, a third of the encoding time at 1 KiB records.
  const checksum = crc32c(payload, sequenceChecksum(sequenceLow, sequenceHigh));
  storeU32(target, position + checksumOffset, checksum);
  return end;
}

/** Byte stores rather than Buffer#writeUInt32LE: this runs per record on the write path. */
function storeU32(target: Buffer, position: number, value: number): void {
  target[position] = value;
  target[position + 1] = value >>> 8;
  target[position + 2] = value >>> 16;
  target[position + 3] = value >>> 24;
}

/** CRC32C lookup table (reflected polynomial 0x82F63B78), one entry per byte value. */
const crc32cTable = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    table[byte] = crc >>> 0;
  }
  return table;
})();

/** CRC32C of a sequence's 8 little-endian bytes, in the finished form `crc32c(bytes, initial)` continues from. */
function sequenceChecksum(low: number, high: number): number {
  let crc = 0xffffffff;
  for (let shift = 0; shift < 32; shift += 8) crc = (crc32cTable[(crc ^ (low >>> shift)) & 0xff] ?? 0) ^ (crc >>> 8);
  for (let shift = 0; shift < 32; shift += 8) crc = (crc32cTable[(crc ^ (high >>> shift)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function writeSequence(target: Buffer, position: number, sequence: number): void {
  assert(Number.isSafeInteger(sequence) && sequence >= 0, `sequence ${sequence} is a safe non-negative integer`);
  target.writeUInt32LE(sequence % u32Range, position);
  target.writeUInt32LE(Math.floor(sequence / u32Range), position + 4);
}

/** Returns -1 for a u64 beyond 2^53, which no valid record holds. */
export function readSequence(source: Buffer, position: number): number {
  const low = source.readUInt32LE(position);
  const high = source.readUInt32LE(position + 4);
  const value = high * u32Range + low;
  return Number.isSafeInteger(value) ? value : -1;
}

export function readPayloadBytes(source: Buffer, position: number): number {
  return source.readUInt32LE(position + lengthOffset);
}

/** The sequence field of the header at `position`, for checks that read only a header. */
export function readHeaderSequence(source: Buffer, position: number): number {
  return readSequence(source, position + sequenceOffset);
}

/**
 * Why a record is not the one expected, or null if it is. `source` holds the
 * whole record from `position` (the caller has bounds-checked the length).
 */
export function recordFault(source: Buffer, position: number, expectedSequence: number): string | null {
  const end = position + recordBytes(readPayloadBytes(source, position));
  assert(end <= source.length, 'the caller bounds-checked the record length');
  const stored = source.readUInt32LE(position + checksumOffset);
  const computed = crc32c(source.subarray(position + sequenceOffset, end));
  if (stored !== computed) {
    return `CRC mismatch (stored ${hex32(stored)}, computed ${hex32(computed)})`;
  }
  const sequence = readSequence(source, position + sequenceOffset);
  if (sequence !== expectedSequence) {
    const found = sequence < 0 ? 'a sequence beyond 2^53' : `sequence ${sequence}`;
    return `${found} where ${expectedSequence} was expected`;
  }
  return null;
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
