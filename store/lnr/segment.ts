/**
 * The in-memory state of one segment file: where it starts, how much of it is
 * durable, its sparse index, and whether it is sealed.
 *
 * Only the last segment of a log is active (appended to); every earlier one is
 * sealed and immutable. A segment is sealed only once it holds at least one
 * record, so no two segments share a base sequence.
 */
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { OffsetIndex } from './offset-index.js';
import { indexFileName, segmentFileName } from './segment-files.js';

/** One segment as the log's users see it. */
export interface SegmentInfo {
  readonly baseSequence: number;
  /** The sequence of its last record; null while an active segment is empty. */
  readonly lastSequence: number | null;
  readonly bytes: number;
  readonly sealed: boolean;
}

export class Segment {
  readonly baseSequence: number;
  readonly segmentPath: string;
  readonly indexPath: string;
  /** Bytes known durable: the end of what reads may see. */
  bytes: number;
  /** One past the last durable record. */
  nextSequence: number;
  sealed: boolean;
  index: OffsetIndex;
  /** Open only while the segment is active. */
  writeHandle: FileHandle | null;

  constructor(directory: string, baseSequence: number, index: OffsetIndex) {
    this.baseSequence = baseSequence;
    this.segmentPath = path.join(directory, segmentFileName(baseSequence));
    this.indexPath = path.join(directory, indexFileName(baseSequence));
    this.bytes = 0;
    this.nextSequence = baseSequence;
    this.sealed = false;
    this.index = index;
    this.writeHandle = null;
  }

  get recordCount(): number {
    return this.nextSequence - this.baseSequence;
  }

  info(): SegmentInfo {
    return {
      baseSequence: this.baseSequence,
      lastSequence: this.recordCount === 0 ? null : this.nextSequence - 1,
      bytes: this.bytes,
      sealed: this.sealed,
    };
  }
}
