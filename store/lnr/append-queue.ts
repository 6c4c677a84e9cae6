/**
 * Appends waiting for their group commit. Callers in the same tick (and any
 * that arrive while a write is in flight) are written together with one write
 * (durable: the segment is open with O_DSYNC); each still gets its own
 * sequence range, in call order.
 *
 * An append is encoded (sequences assigned, headers and CRCs written) the
 * moment it arrives, by the encoder the log supplies: while one batch waits
 * for the disk, the next is already being prepared, so CPU and disk overlap.
 *
 * The queue is bounded in bytes: past pendingBytesMax an append is refused at
 * once rather than queued, so a producer faster than the disk sees an error
 * instead of growing the heap without limit.
 */
import { SqlError, SqlState, assert } from '../../common/sql-error.js';
import type { SegmentLogLimits } from './log-options.js';
import { recordBytes, recordHeaderBytes } from './record-format.js';

export interface AppendResult {
  readonly firstSequence: number;
  readonly count: number;
}

/** An append's records, encoded on arrival. */
export interface EncodedAppend {
  readonly firstSequence: number;
  /** The records' bytes, ready to be written. */
  readonly bytes: Buffer;
  /** The whole buffer `bytes` is a view of, handed back to the log once written. */
  readonly buffer: Buffer;
}

export type AppendEncoder = (payloads: readonly Uint8Array[], recordBytes: number) => EncodedAppend;

export interface PendingAppend {
  readonly payloads: readonly Uint8Array[];
  readonly encoded: EncodedAppend;
  /** Record bytes (headers included) the payloads occupy on disk. */
  readonly recordBytes: number;
  /** What the append counts against the queue: at least a header, so empty appends are bounded too. */
  readonly queuedBytes: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

export interface AppendBatch {
  readonly appends: readonly PendingAppend[];
  readonly recordBytes: number;
  readonly queuedBytes: number;
}

export class AppendQueue {
  private waiting: PendingAppend[] = [];
  private queuedBytes = 0;

  constructor(
    private readonly limits: SegmentLogLimits,
    private readonly encode: AppendEncoder,
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  /** Queues an append, or throws why it is refused; the promise settles when its batch is durable. */
  enqueue(payloads: readonly Uint8Array[]): Promise<AppendResult> {
    const bytes = this.admit(payloads);
    const queuedBytes = Math.max(bytes, recordHeaderBytes);
    // The array is copied so that a caller reusing it cannot change a batch whose size is already counted.
    const snapshot = payloads.slice();
    const encoded = this.encode(snapshot, bytes);
    return new Promise<AppendResult>((resolve, reject) => {
      this.waiting.push({ payloads: snapshot, encoded, recordBytes: bytes, queuedBytes, resolve, reject });
      this.queuedBytes += queuedBytes;
    });
  }

  /** The oldest appends, up to batchBytesMax (always at least one). They stay counted until `release`. */
  takeBatch(): AppendBatch {
    let count = 0;
    let batchRecordBytes = 0;
    let batchQueuedBytes = 0;
    for (const append of this.waiting) {
      const fits = batchQueuedBytes + append.queuedBytes <= this.limits.batchBytesMax;
      if (count > 0 && !fits) break;
      count++;
      batchRecordBytes += append.recordBytes;
      batchQueuedBytes += append.queuedBytes;
    }
    const appends = this.waiting.splice(0, count);
    return { appends, recordBytes: batchRecordBytes, queuedBytes: batchQueuedBytes };
  }

  /** A batch has settled: its bytes no longer count against the queue. */
  release(batch: AppendBatch): void {
    this.queuedBytes -= batch.queuedBytes;
    assert(this.queuedBytes >= 0, 'queued bytes never go negative');
  }

  /** Rejects every waiting append with `error` (the log can no longer write). */
  rejectAll(error: unknown): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const append of waiting) {
      this.queuedBytes -= append.queuedBytes;
      append.reject(error);
    }
  }

  private admit(payloads: readonly Uint8Array[]): number {
    if (!Array.isArray(payloads)) {
      throw new SqlError(SqlState.invalidParameterValue, 'lnr append takes an array of byte arrays');
    }
    let bytes = 0;
    for (const payload of payloads) bytes += this.admitRecord(payload);
    if (bytes > this.limits.appendBytesMax) {
      throw new SqlError(
        SqlState.programLimitExceeded,
        `lnr append of ${payloads.length} records (${bytes} bytes) exceeds the limit of ${this.limits.appendBytesMax} bytes per append`,
      );
    }
    if (this.queuedBytes + Math.max(bytes, recordHeaderBytes) > this.limits.pendingBytesMax) {
      throw new SqlError(
        SqlState.insufficientResources,
        `lnr append refused: ${this.queuedBytes} bytes already wait for the disk (limit ${this.limits.pendingBytesMax})`,
        'the log is writing slower than it is appended to; retry after earlier appends complete',
      );
    }
    return bytes;
  }

  private admitRecord(payload: Uint8Array): number {
    if (!(payload instanceof Uint8Array)) {
      throw new SqlError(SqlState.invalidParameterValue, 'lnr append payloads must be byte arrays (Uint8Array)');
    }
    const bytes = recordBytes(payload.length);
    if (bytes > this.limits.segmentBytesMax) {
      throw new SqlError(
        SqlState.programLimitExceeded,
        `lnr record of ${bytes} bytes exceeds the segment size limit of ${this.limits.segmentBytesMax} bytes`,
        `a record is its ${payload.length}-byte payload plus a ${recordHeaderBytes}-byte header and must fit one segment`,
      );
    }
    return bytes;
  }
}
