/**
 * The sparse offset index of one segment (Kafka-style): every
 * `indexIntervalBytes` of records, one entry mapping a sequence to the file
 * position of its record. A lookup lands at most one interval before the
 * wanted record; the reader scans forward from there.
 *
 * The index is advisory. The segment is the truth: an index that is missing,
 * torn or disagrees with its segment is rebuilt by scanning the segment, so
 * the `.idx` file needs no fsync ordering of its own.
 *
 * Entries hold sequences relative to the segment's base: a segment is under
 * 2^32 bytes, so both fields fit u32 and an entry costs 8 bytes in memory and
 * on disk.
 */
import { crc32c } from '../../common/checksum.js';
import { assert } from '../../common/sql-error.js';
import { readSequence, recordHeaderBytes, writeSequence } from './record-format.js';

export interface IndexEntry {
  readonly sequence: number;
  readonly position: number;
}

/** What an `.idx` file must agree with to be trusted. */
export interface IndexExpectation {
  readonly baseSequence: number;
  readonly segmentBytes: number;
  /** One past the last sequence the segment holds. */
  readonly nextSequence: number;
}

const indexMagic = 0x49524e4c; // "LNRI" read as a little-endian u32
const indexFormatVersion = 1;
const indexHeaderBytes = 28;
const indexEntryBytes = 8;
const indexTrailerBytes = 4;
const initialCapacity = 64;

export class OffsetIndex {
  readonly baseSequence: number;
  private readonly entriesMax: number;
  private relativeSequences: Uint32Array;
  private positions: Uint32Array;
  private entryCount = 0;

  constructor(baseSequence: number, entriesMax: number) {
    assert(Number.isSafeInteger(entriesMax) && entriesMax >= 1, 'an index holds at least one entry');
    this.baseSequence = baseSequence;
    this.entriesMax = entriesMax;
    const capacity = Math.min(initialCapacity, entriesMax);
    this.relativeSequences = new Uint32Array(capacity);
    this.positions = new Uint32Array(capacity);
  }

  /** The most entries a segment of `segmentBytes` can need at one entry per `intervalBytes`. */
  static entriesMaxFor(segmentBytes: number, intervalBytes: number): number {
    return Math.ceil(segmentBytes / intervalBytes) + 1;
  }

  get count(): number {
    return this.entryCount;
  }

  /** Called for every record in file order; keeps one entry per interval. */
  noteRecord(sequence: number, position: number, intervalBytes: number): void {
    const last = this.entryCount - 1;
    if (last >= 0 && position - (this.positions[last] ?? 0) < intervalBytes) return;
    this.push(sequence - this.baseSequence, position);
  }

  /** The last entry at or before `sequence`: where a forward scan for it starts. */
  entryAtOrBefore(sequence: number): IndexEntry {
    const relative = sequence - this.baseSequence;
    assert(relative >= 0, `sequence ${sequence} is not below the segment base ${this.baseSequence}`);
    let low = 0;
    let high = this.entryCount; // invariant: entries [0, low) are <= relative, [high, count) are >
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.relativeSequences[middle] ?? 0) <= relative) low = middle + 1;
      else high = middle;
    }
    if (low === 0) return { sequence: this.baseSequence, position: 0 };
    return this.entryAt(low - 1);
  }

  lastEntry(): IndexEntry | null {
    return this.entryCount === 0 ? null : this.entryAt(this.entryCount - 1);
  }

  private entryAt(entry: number): IndexEntry {
    return {
      sequence: this.baseSequence + (this.relativeSequences[entry] ?? 0),
      position: this.positions[entry] ?? 0,
    };
  }

  /** The `.idx` file contents for a sealed segment of `segmentBytes`. */
  encode(segmentBytes: number, intervalBytes: number): Buffer {
    const bodyBytes = indexHeaderBytes + this.entryCount * indexEntryBytes;
    const file = Buffer.allocUnsafe(bodyBytes + indexTrailerBytes);
    file.writeUInt32LE(indexMagic, 0);
    file.writeUInt32LE(indexFormatVersion, 4);
    writeSequence(file, 8, this.baseSequence);
    file.writeUInt32LE(segmentBytes, 16);
    file.writeUInt32LE(intervalBytes, 20);
    file.writeUInt32LE(this.entryCount, 24);
    for (let entry = 0; entry < this.entryCount; entry++) {
      const at = indexHeaderBytes + entry * indexEntryBytes;
      file.writeUInt32LE(this.relativeSequences[entry] ?? 0, at);
      file.writeUInt32LE(this.positions[entry] ?? 0, at + 4);
    }
    file.writeUInt32LE(crc32c(file.subarray(0, bodyBytes)), bodyBytes);
    return file;
  }

  /** The index an `.idx` file holds, or why it cannot be trusted. */
  static decode(file: Buffer, expected: IndexExpectation): OffsetIndex | string {
    const headerFault = indexHeaderFault(file, expected);
    if (headerFault !== null) return headerFault;
    const count = file.readUInt32LE(24);
    const index = new OffsetIndex(expected.baseSequence, Math.max(count, 1));
    for (let entry = 0; entry < count; entry++) {
      const at = indexHeaderBytes + entry * indexEntryBytes;
      const entryFault = index.pushChecked(file.readUInt32LE(at), file.readUInt32LE(at + 4), expected);
      if (entryFault !== null) return `entry ${entry}: ${entryFault}`;
    }
    if (expected.segmentBytes > 0 && count === 0) return 'no entries for a non-empty segment';
    return index;
  }

  private pushChecked(relativeSequence: number, position: number, expected: IndexExpectation): string | null {
    const last = this.entryCount - 1;
    if (last < 0 && (relativeSequence !== 0 || position !== 0)) return 'the first entry is not the first record';
    if (last >= 0 && relativeSequence <= (this.relativeSequences[last] ?? 0)) return 'sequences not increasing';
    if (last >= 0 && position <= (this.positions[last] ?? 0)) return 'positions not increasing';
    if (position + recordHeaderBytes > expected.segmentBytes) return 'position past the segment end';
    if (expected.baseSequence + relativeSequence >= expected.nextSequence) return 'sequence past the segment end';
    this.push(relativeSequence, position);
    return null;
  }

  private push(relativeSequence: number, position: number): void {
    assert(this.entryCount < this.entriesMax, `index holds at most ${this.entriesMax} entries`);
    if (this.entryCount === this.positions.length) this.grow();
    this.relativeSequences[this.entryCount] = relativeSequence;
    this.positions[this.entryCount] = position;
    this.entryCount++;
  }

  private grow(): void {
    const capacity = Math.min(this.positions.length * 2, this.entriesMax);
    const relativeSequences = new Uint32Array(capacity);
    const positions = new Uint32Array(capacity);
    relativeSequences.set(this.relativeSequences);
    positions.set(this.positions);
    this.relativeSequences = relativeSequences;
    this.positions = positions;
  }
}

function indexHeaderFault(file: Buffer, expected: IndexExpectation): string | null {
  if (file.length < indexHeaderBytes + indexTrailerBytes) return `${file.length} bytes is shorter than a header`;
  const count = file.readUInt32LE(24);
  const bodyBytes = indexHeaderBytes + count * indexEntryBytes;
  if (file.length !== bodyBytes + indexTrailerBytes) return `${file.length} bytes does not hold ${count} entries`;
  if (file.readUInt32LE(bodyBytes) !== crc32c(file.subarray(0, bodyBytes))) return 'CRC mismatch';
  if (file.readUInt32LE(0) !== indexMagic) return 'not an lnr index (bad magic)';
  if (file.readUInt32LE(4) !== indexFormatVersion) return `unknown index format version ${file.readUInt32LE(4)}`;
  if (readSequence(file, 8) !== expected.baseSequence) return 'base sequence differs from the segment name';
  const segmentBytes = file.readUInt32LE(16);
  if (segmentBytes !== expected.segmentBytes) {
    return `describes ${segmentBytes} segment bytes, the segment has ${expected.segmentBytes}`;
  }
  return null;
}
