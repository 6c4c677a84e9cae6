/**
 * The linear memory of one queue: an append-only log of records with
 * consecutive sequence numbers, kept as segment files in one directory
 * (docs/lnr-format.md describes the bytes; DESIGN §3 the contract).
 *
 * Durability: append resolves only after its records are written and
 * durable (the active segment's descriptor is opened with O_DSYNC, so a write
 * returns once its data is on disk: one system call where write + fdatasync
 * took two), and a new segment's directory entry is fsync'ed before any
 * record goes into it, so an acknowledged record survives a crash; recovery
 * on open cuts only records that were never acknowledged.
 *
 * Concurrency: every operation that changes files (a batch write, seal,
 * retention, close) runs one at a time on an internal chain; reads run beside
 * it and see only records already durable.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { SqlError, SqlState, assert } from '../../common/sql-error.js';
import { AppendQueue, type AppendBatch, type AppendResult, type EncodedAppend, type PendingAppend } from './append-queue.js';
import { BufferPool } from './buffer-pool.js';
import { resolveLimits, type SegmentLogLimits, type SegmentLogOptions } from './log-options.js';
import { recordBytes, recordHeaderBytes, sequenceMax, writeRecord } from './record-format.js';
import { scanRecords, type ScanFault } from './record-scan.js';
import { Segment, type SegmentInfo } from './segment.js';
import {
  createActiveSegment,
  trimPreallocation,
  loadSealedSegment,
  recoverActiveSegment,
  sealSegment,
  type MutableOpenReport,
  type OpenReport,
} from './segment-lifecycle.js';
import { fsyncDirectory, isNotFound, listLogDirectory, removeIfPresent, writeFully } from './segment-files.js';

export type { AppendResult } from './append-queue.js';
export type { SegmentLogOptions } from './log-options.js';
export type { SegmentInfo } from './segment.js';
export type { OpenReport, TornTail } from './segment-lifecycle.js';

export interface LogRecord {
  readonly sequence: number;
  /** A view of a read buffer that nothing else writes to; copy it to keep a small payload without its neighbours. */
  readonly payload: Uint8Array;
}

export interface ReadLimits {
  /** Records returned at most. */
  readonly recordsMax?: number;
  /** Payload bytes returned at most, except that a first record larger than this is still returned alone. */
  readonly bytesMax?: number;
}

export const readRecordsMaxDefault = 1024;
export const readBytesMaxDefault = 1024 * 1024;
export const readRecordsMaxHighest = 1024 * 1024;
export const readBytesMaxHighest = 256 * 1024 * 1024;

/** Reads fetch at least a page and at most this much per pread. */
const readChunkBytesMin = 4096;
const readChunkBytesMax = 1024 * 1024;


/** Batches written back to back before other operations (seal, retention, close) get a turn. */
const batchRoundsMax = 1024;

/** One writer per directory in this process; two would interleave records. */
const openDirectories = new Set<string>();

export class SegmentLog {
  readonly directory: string;
  readonly limits: SegmentLogLimits;
  /** What the open found and repaired (torn tail, rebuilt indexes). */
  readonly openReport: OpenReport;
  /** In log order; the last is the only one not sealed (unless a failed roll left none). */
  private readonly segmentList: Segment[];
  private readonly appendQueue: AppendQueue;
  private flushScheduled = false;
  private operationTail: Promise<unknown> = Promise.resolve();
  /** Set by the first failed write; the log then refuses appends until reopened. */
  private failure: SqlError | null = null;
  private closing: Promise<void> | null = null;
  /** Buffers appends are encoded into; each goes back to the pool once its batch is written. */
  private readonly encodeBuffers = new BufferPool();
  /** The sequence the next arriving append gets: ahead of nextSequence by what is queued or in flight. */
  private nextAssignedSequence: number;

  private constructor(directory: string, limits: SegmentLogLimits, segments: Segment[], report: OpenReport) {
    this.directory = directory;
    this.limits = limits;
    this.segmentList = segments;
    this.openReport = report;
    this.nextAssignedSequence = this.lastSegment.nextSequence;
    this.appendQueue = new AppendQueue(limits, (payloads, bytes) => this.encodeAppend(payloads, bytes));
  }

  /** Opens the log in `directory`, creating it if needed and recovering from a crash if one happened. */
  static async open(directory: string, options: SegmentLogOptions = {}): Promise<SegmentLog> {
    const limits = resolveLimits(options);
    const resolved = path.resolve(directory);
    if (openDirectories.has(resolved)) {
      throw new SqlError(SqlState.objectInUse, `lnr log ${resolved} is already open in this process`);
    }
    openDirectories.add(resolved);
    try {
      await createDirectoryDurably(resolved);
      const report: MutableOpenReport = { tornTail: null, indexesRebuilt: 0, damagedSegments: [] };
      const segments = await openSegments(resolved, limits, report);
      return new SegmentLog(resolved, limits, segments, report);
    } catch (error) {
      openDirectories.delete(resolved);
      throw asSqlError(error, `opening lnr log ${resolved}`);
    }
  }

  /** The lowest sequence still stored (retention moves it forward). */
  get firstSequence(): number {
    return this.firstSegment.baseSequence;
  }

  /** The sequence the next appended record will get; every lower one is durable. */
  get nextSequence(): number {
    return this.lastSegment.nextSequence;
  }

  segments(): SegmentInfo[] {
    return this.segmentList.map((segment) => segment.info());
  }

  /**
   * Appends records and resolves once they are durable. Appends made in the
   * same tick share one durable write. Payloads must not change
   * until the promise settles.
   */
  append(payloads: readonly Uint8Array[]): Promise<AppendResult> {
    try {
      this.checkWritable();
      const appended = this.appendQueue.enqueue(payloads);
      this.scheduleFlush();
      return appended;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Records from `fromSequence` on, in order, each verified against its CRC. */
  async read(fromSequence: number, limits: ReadLimits = {}): Promise<LogRecord[]> {
    const recordsMax = readLimit('recordsMax', limits.recordsMax ?? readRecordsMaxDefault, readRecordsMaxHighest);
    const bytesMax = readLimit('bytesMax', limits.bytesMax ?? readBytesMaxDefault, readBytesMaxHighest);
    this.checkReadable(fromSequence);
    const collector = new ReadCollector(this.nextSequence, recordsMax, bytesMax);
    const chunkBytes = readChunkBytes(this.limits.indexIntervalBytes + bytesMax + recordHeaderBytes * recordsMax);
    let sequence = fromSequence;
    // Each pass finishes a segment or fills the collector; segments created later start at or past endSequence.
    const passesMax = this.segmentList.length;
    for (let passes = 0; !collector.full && sequence < collector.endSequence; passes++) {
      assert(passes < passesMax, 'a read visits each segment at most once');
      sequence = await this.readSegment(this.segmentContaining(sequence), sequence, collector, chunkBytes);
    }
    return collector.records;
  }

  /** Seals the active segment now, even if not full; appends already made go into it first. */
  seal(): Promise<void> {
    return this.serialize(async () => {
      this.checkWritable();
      await this.drainAppends();
      this.checkWritable();
      if (this.lastSegment.recordCount === 0) return;
      await this.guardWrite(() => this.rollActiveSegment());
    });
  }

  /**
   * Retention: deletes every sealed segment whose records all precede
   * `sequence`. Never the active segment, never part of a segment, so the
   * first retained sequence is a segment base at or below `sequence`.
   * Returns how many segments were deleted.
   */
  dropSegmentsBefore(sequence: number): Promise<number> {
    return this.serialize(async () => {
      this.checkOpen();
      checkSequenceArgument(sequence);
      let dropped = 0;
      for (let first = this.firstSegment; this.isDroppable(first, sequence); first = this.firstSegment) {
        this.segmentList.shift();
        dropped++;
        await this.removeSegmentFiles(first);
      }
      return dropped;
    });
  }

  /** Completes appends already made, then releases the files. Appends after close are refused. */
  close(): Promise<void> {
    this.closing ??= this.serialize(async () => {
      await this.drainAppends();
      try {
        // A clean close leaves the active segment as long as its records; the next open preallocates it again.
        if (this.failure === null) await trimPreallocation(this.lastSegment);
        await this.lastSegment.writeHandle?.close();
        this.lastSegment.writeHandle = null;
      } finally {
        openDirectories.delete(this.directory);
      }
    });
    return this.closing;
  }

  // ---- the write path ----

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Runs after the current tick's appends have queued and after the write in flight, if any.
    void this.serialize(async () => {
      this.flushScheduled = false;
      await this.drainAppends();
      if (this.appendQueue.length > 0) this.scheduleFlush();
    });
  }

  /**
   * Writes batches while appends wait, at most batchRoundsMax of them before
   * letting other operations in. A batch is acknowledged only once the next
   * one's write is under way: its callers' work (often encoding the next
   * append) then overlaps the disk instead of delaying the next write. The
   * delay costs nothing in durability: the batch is already on disk.
   */
  private async drainAppends(): Promise<void> {
    let acknowledge = (): void => {};
    for (let round = 0; round < batchRoundsMax && this.appendQueue.length > 0; round++) {
      const written = this.writeNextBatch();
      acknowledge();
      acknowledge = await written;
    }
    acknowledge();
  }

  /**
   * Starts writing one batch; resolves, once it is durable or has failed, to the
   * function that settles its appends. Never rejects (failures reject the appends).
   */
  private async writeNextBatch(): Promise<() => void> {
    const batch = this.appendQueue.takeBatch();
    const settled = (settle: (append: PendingAppend, index: number) => void) => () => {
      batch.appends.forEach(settle);
      this.appendQueue.release(batch);
      for (const append of batch.appends) this.encodeBuffers.give(append.encoded.buffer);
    };
    try {
      if (this.failure !== null) throw this.failure;
      const results = await this.guardWrite(() => this.writeBatch(batch));
      return settled((append, index) => append.resolve(results[index]!));
    } catch (error) {
      return settled((append) => append.reject(error));
    }
  }

  /** Encodes an append as it arrives, assigning its sequences in arrival order. */
  private encodeAppend(payloads: readonly Uint8Array[], recordBytes: number): EncodedAppend {
    const buffer = this.encodeBuffers.take(recordBytes);
    const bytes = buffer.subarray(0, recordBytes);
    const firstSequence = this.nextAssignedSequence;
    let sequence = firstSequence;
    let position = 0;
    for (const payload of payloads) {
      assert(sequence < sequenceMax, 'sequences stay below 2^53');
      position = writeRecord(bytes, position, sequence, payload);
      sequence++;
    }
    assert(position === recordBytes, 'the append buffer is exactly filled');
    this.nextAssignedSequence = sequence;
    return { firstSequence, bytes, buffer };
  }

  /**
   * Writes a batch of encoded appends segment by segment: when a record would
   * overflow the active segment, what precedes it is made durable, the segment
   * is sealed and a new one started.
   */
  private async writeBatch(batch: AppendBatch): Promise<AppendResult[]> {
    const pieces: Buffer[] = [];
    let piecesBytes = 0; // the bytes of `pieces`, kept rather than summed per record
    let sequence = this.nextSequence;
    for (const append of batch.appends) {
      assert(append.encoded.firstSequence === sequence, 'appends are written in the order their sequences were assigned');
      let pieceStart = 0;
      let offset = 0;
      for (const payload of append.payloads) {
        const size = recordBytes(payload.length);
        if (this.lastSegment.bytes + piecesBytes + offset - pieceStart + size > this.limits.segmentBytesMax) {
          if (offset > pieceStart) pieces.push(append.encoded.bytes.subarray(pieceStart, offset));
          await this.commitPieces(pieces.splice(0), sequence);
          await this.rollActiveSegment();
          piecesBytes = 0;
          pieceStart = offset;
        }
        const position = this.lastSegment.bytes + piecesBytes + offset - pieceStart;
        this.lastSegment.index.noteRecord(sequence, position, this.limits.indexIntervalBytes);
        offset += size;
        sequence++;
      }
      if (offset > pieceStart) pieces.push(append.encoded.bytes.subarray(pieceStart, offset));
      piecesBytes += offset - pieceStart;
    }
    await this.commitPieces(pieces, sequence);
    return batch.appends.map((append) => ({ firstSequence: append.encoded.firstSequence, count: append.payloads.length }));
  }

  /** Makes encoded records durable at the end of the active segment, then lets reads see them. */
  private async commitPieces(pieces: Buffer[], nextSequence: number): Promise<void> {
    const active = this.lastSegment;
    assert(!active.sealed && active.writeHandle !== null, 'records go only into the active segment');
    const bytes = totalLength(pieces);
    if (bytes > 0) {
      // One piece is the common case (one append per batch); several are joined for a single write.
      // The handle is O_DSYNC: each write returns once its data is durable.
      await writeFully(active.writeHandle, pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, bytes), active.bytes);
    }
    active.bytes += bytes;
    active.nextSequence = nextSequence;
  }

  private async rollActiveSegment(): Promise<void> {
    const active = this.lastSegment;
    assert(active.recordCount > 0, 'only a segment with records is sealed, so base sequences stay unique');
    await sealSegment(this.directory, active, this.limits);
    this.segmentList.push(await createActiveSegment(this.directory, active.nextSequence, this.limits));
  }

  /**
   * After a failed durable write the state of the file is unknown (the
   * kernel may have dropped the dirty pages), so the log stops accepting
   * writes; reopening recovers from what is really on disk.
   */
  private async guardWrite<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      this.failure ??= new SqlError(
        SqlState.ioError,
        `lnr log ${this.directory} failed to write: ${errorMessage(error)}`,
        'appends are refused until the log is closed and reopened',
      );
      this.appendQueue.rejectAll(this.failure);
      throw this.failure;
    }
  }

  // ---- the read path ----

  /** Reads from one segment into the collector; returns the sequence to continue from. */
  private async readSegment(segment: Segment, fromSequence: number, collector: ReadCollector, chunkBytes: number): Promise<number> {
    const start = segment.index.entryAtOrBefore(fromSequence);
    const range = { startPosition: start.position, endPosition: segment.bytes, firstSequence: start.sequence };
    const stopSequence = Math.min(segment.nextSequence, collector.endSequence);
    const handle = await this.openForRead(segment, fromSequence);
    try {
      const outcome = await scanRecords(handle, range, chunkBytes, (sequence, payload) => {
        if (sequence < fromSequence) return true;
        return sequence < stopSequence && collector.accept(sequence, payload);
      });
      if (outcome.fault !== null) throw corruption(segment, outcome.fault);
      if (!outcome.stopped && outcome.nextSequence < stopSequence) {
        throw corruption(segment, {
          position: outcome.endPosition,
          sequence: outcome.nextSequence,
          reason: `the segment ends before sequence ${stopSequence - 1}`,
        });
      }
      return outcome.nextSequence;
    } finally {
      await handle.close();
    }
  }

  private async openForRead(segment: Segment, fromSequence: number): Promise<fs.FileHandle> {
    try {
      return await fs.open(segment.segmentPath, 'r');
    } catch (error) {
      // Retention deleted the segment after this read located it.
      if (isNotFound(error) && fromSequence < this.firstSequence) throw this.belowRetention(fromSequence);
      throw asSqlError(error, `reading lnr segment ${segment.segmentPath}`);
    }
  }

  /** Binary search over segment bases: the last segment whose base is at or below `sequence`. */
  private segmentContaining(sequence: number): Segment {
    if (sequence < this.firstSequence) throw this.belowRetention(sequence);
    let low = 0;
    let high = this.segmentList.length; // invariant: bases [0, low) are <= sequence, [high, length) are >
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.segmentList[middle]?.baseSequence ?? 0) <= sequence) low = middle + 1;
      else high = middle;
    }
    const segment = this.segmentList[low - 1];
    assert(segment !== undefined, 'a sequence at or above the first base lies in some segment');
    return segment;
  }

  // ---- retention ----

  private isDroppable(segment: Segment, sequence: number): boolean {
    return this.segmentList.length > 1 && segment.sealed && segment.nextSequence <= sequence;
  }

  private async removeSegmentFiles(segment: Segment): Promise<void> {
    try {
      await removeIfPresent(segment.segmentPath);
      // Durable before the next removal, so that after a crash the kept segments are still a suffix of the log.
      await fsyncDirectory(this.directory);
      await removeIfPresent(segment.indexPath);
    } catch (error) {
      throw asSqlError(error, `removing lnr segment ${segment.segmentPath}`);
    }
  }

  // ---- shared ----

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.operationTail.then(operation);
    this.operationTail = result.catch(() => undefined);
    return result;
  }

  private get firstSegment(): Segment {
    const segment = this.segmentList[0];
    assert(segment !== undefined, 'a log always has a segment');
    return segment;
  }

  private get lastSegment(): Segment {
    const segment = this.segmentList[this.segmentList.length - 1];
    assert(segment !== undefined, 'a log always has a segment');
    return segment;
  }

  private checkOpen(): void {
    if (this.closing !== null) throw new SqlError(SqlState.objectNotInPrerequisiteState, `lnr log ${this.directory} is closed`);
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.failure !== null) throw this.failure;
  }

  private checkReadable(fromSequence: number): void {
    this.checkOpen();
    checkSequenceArgument(fromSequence);
    if (fromSequence < this.firstSequence) throw this.belowRetention(fromSequence);
    if (fromSequence > this.nextSequence) {
      throw new SqlError(
        SqlState.invalidParameterValue,
        `lnr read from sequence ${fromSequence} is past the end of the log (next sequence ${this.nextSequence})`,
      );
    }
  }

  private belowRetention(sequence: number): SqlError {
    return new SqlError(
      SqlState.invalidParameterValue,
      `lnr read from sequence ${sequence} is below the first retained sequence ${this.firstSequence}`,
      'earlier records were deleted by retention',
    );
  }
}

/** Collects read results up to the limits; the first record is taken whatever its size, so reads progress. */
class ReadCollector {
  readonly records: LogRecord[] = [];
  full = false;
  private payloadBytes = 0;

  constructor(
    /** The log's next sequence when the read began: later appends are not part of this read. */
    readonly endSequence: number,
    private readonly recordsMax: number,
    private readonly bytesMax: number,
  ) {}

  accept(sequence: number, payload: Uint8Array): boolean {
    if (this.full) return false;
    if (this.records.length > 0 && this.payloadBytes + payload.length > this.bytesMax) {
      this.full = true;
      return false;
    }
    this.records.push({ sequence, payload });
    this.payloadBytes += payload.length;
    this.full = this.records.length >= this.recordsMax || this.payloadBytes >= this.bytesMax;
    return true;
  }
}

async function openSegments(directory: string, limits: SegmentLogLimits, report: MutableOpenReport): Promise<Segment[]> {
  const { segmentBases } = await listLogDirectory(directory);
  const lastBase = segmentBases[segmentBases.length - 1];
  if (lastBase === undefined) return [await createActiveSegment(directory, limits.firstSequence, limits)];
  const segments: Segment[] = [];
  for (let at = 0; at + 1 < segmentBases.length; at++) {
    const base = segmentBases[at] as number;
    const nextBase = segmentBases[at + 1] as number;
    segments.push(await loadSealedSegment(directory, base, nextBase, limits, report));
  }
  segments.push(await recoverActiveSegment(directory, lastBase, limits, report));
  return segments;
}

/** A new log directory's own name must be durable too, or its first segment could vanish with it. */
async function createDirectoryDurably(directory: string): Promise<void> {
  const created = await fs.mkdir(directory, { recursive: true });
  if (created !== undefined) await fsyncDirectory(path.dirname(directory));
}

function corruption(segment: Segment, fault: ScanFault): SqlError {
  return new SqlError(
    SqlState.dataCorrupted,
    `lnr segment ${segment.segmentPath} is corrupt at byte ${fault.position} (sequence ${fault.sequence}): ${fault.reason}`,
    segment.sealed ? 'the segment is sealed; restore it from a replica' : 'the active segment changed under the log',
  );
}

function readLimit(name: string, value: number, highest: number): number {
  if (Number.isSafeInteger(value) && value >= 1 && value <= highest) return value;
  throw new SqlError(SqlState.invalidParameterValue, `lnr read ${name} = ${value} must be an integer from 1 to ${highest}`);
}

function readChunkBytes(wanted: number): number {
  return Math.min(readChunkBytesMax, Math.max(readChunkBytesMin, wanted));
}

function checkSequenceArgument(sequence: number): void {
  if (Number.isSafeInteger(sequence) && sequence >= 0) return;
  throw new SqlError(SqlState.invalidParameterValue, `lnr sequence ${sequence} must be a non-negative safe integer`);
}

function asSqlError(error: unknown, doing: string): SqlError {
  if (error instanceof SqlError) return error;
  return new SqlError(SqlState.ioError, `${doing}: ${errorMessage(error)}`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function totalLength(buffers: readonly Buffer[]): number {
  let length = 0;
  for (const buffer of buffers) length += buffer.length;
  return length;
}
