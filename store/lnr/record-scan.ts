/**
 * Forward scan over the records of one segment file, verifying each one. The
 * same scan serves reads, index rebuilds and crash recovery; they differ only
 * in what they do with a fault (report corruption, stop indexing, truncate).
 */
import type { FileHandle } from 'node:fs/promises';
import { assert } from '../../common/sql-error.js';
import { readPayloadBytes, recordBytes, recordFault, recordHeaderBytes } from './record-format.js';
import { readAt } from './segment-files.js';

export interface ScanRange {
  /** File position of a record boundary (0 or an index entry). */
  readonly startPosition: number;
  /** Bytes of the file that count: its durable length, never more. */
  readonly endPosition: number;
  /** The sequence the record at startPosition must carry. */
  readonly firstSequence: number;
}

/** The first record that is not what it should be. */
export interface ScanFault {
  readonly position: number;
  readonly sequence: number;
  readonly reason: string;
}

export interface ScanOutcome {
  /** Position after the last record visited and accepted. */
  readonly endPosition: number;
  readonly nextSequence: number;
  readonly fault: ScanFault | null;
  /** True if the visitor asked to stop before the end. */
  readonly stopped: boolean;
}

/**
 * Sees each good record in order; returns false to stop without accepting it.
 * The payload is a view of a buffer that the scan never reuses, so it stays
 * valid after the scan.
 */
export type RecordVisitor = (sequence: number, payload: Buffer, position: number) => boolean;

export async function scanRecords(
  handle: FileHandle,
  range: ScanRange,
  chunkBytes: number,
  visit: RecordVisitor,
): Promise<ScanOutcome> {
  const window = new ReadWindow(handle, range.endPosition, chunkBytes);
  let position = range.startPosition;
  let sequence = range.firstSequence;
  const outcome = (fault: ScanFault | null, stopped: boolean): ScanOutcome => ({
    endPosition: position,
    nextSequence: sequence,
    fault,
    stopped,
  });
  // Every accepted record advances by at least a header.
  const recordsMax = Math.floor((range.endPosition - range.startPosition) / recordHeaderBytes);
  for (let records = 0; position < range.endPosition; records++) {
    assert(records <= recordsMax, 'a scan accepts at most one record per header of bytes');
    const located = await locateRecord(window, position);
    if (typeof located === 'string') return outcome({ position, sequence, reason: located }, false);
    const reason = recordFault(window.buffer, located.offset, sequence);
    if (reason !== null) return outcome({ position, sequence, reason }, false);
    const payload = window.buffer.subarray(located.offset + recordHeaderBytes, located.offset + located.bytes);
    if (!visit(sequence, payload, position)) return outcome(null, true);
    position += located.bytes;
    sequence++;
  }
  return outcome(null, false);
}

interface LocatedRecord {
  /** Where the record starts in window.buffer. */
  readonly offset: number;
  readonly bytes: number;
}

/** Brings the whole record at `position` into the window, or says why it cannot be there. */
async function locateRecord(window: ReadWindow, position: number): Promise<LocatedRecord | string> {
  const bytesLeft = window.endPosition - position;
  if (bytesLeft < recordHeaderBytes) return `${bytesLeft} bytes left, less than a record header`;
  const headerOffset = await window.load(position, recordHeaderBytes);
  if (headerOffset < 0) return 'the file ends before its expected length';
  const payloadBytes = readPayloadBytes(window.buffer, headerOffset);
  const bytes = recordBytes(payloadBytes);
  if (bytes > bytesLeft) return `payload length ${payloadBytes} runs past the end (${bytesLeft} bytes left)`;
  const offset = await window.load(position, bytes);
  if (offset < 0) return 'the file ends before its expected length';
  return { offset, bytes };
}

/** A chunk of the file held in memory, refilled as the scan moves past it. */
class ReadWindow {
  buffer: Buffer = Buffer.alloc(0);
  private filePosition = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly endPosition: number,
    private readonly chunkBytes: number,
  ) {}

  /** Offset in `buffer` of file bytes [position, position + bytes), or -1 if the file is shorter. */
  async load(position: number, bytes: number): Promise<number> {
    const offset = position - this.filePosition;
    if (offset >= 0 && offset + bytes <= this.buffer.length) return offset;
    const length = Math.min(Math.max(this.chunkBytes, bytes), this.endPosition - position);
    // A fresh buffer each time: payload views handed to the visitor must not change.
    this.buffer = await readAt(this.handle, position, length);
    this.filePosition = position;
    return this.buffer.length >= bytes ? 0 : -1;
  }
}
