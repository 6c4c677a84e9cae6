/**
 * The bounds of one lnr log, with their defaults, checked once when the log
 * opens (STYLE 6: every queue and buffer has a limit, units last).
 */
import { segmentBytesMaxDefault } from '../../common/limits.js';
import { SqlError, SqlState } from '../../common/sql-error.js';
import { recordHeaderBytes, sequenceMax } from './record-format.js';

export interface SegmentLogOptions {
  /** A segment file never grows past this; a record that cannot fit one is refused. */
  readonly segmentBytesMax?: number;
  /** Bytes of records between two entries of a segment's sparse offset index. */
  readonly indexIntervalBytes?: number;
  /** The sequence of the first record of a new, empty log. Ignored for an existing log. */
  readonly firstSequence?: number;
  /** Record bytes (headers included) one append call may carry. */
  readonly appendBytesMax?: number;
  /** Record bytes waiting to be written, over all callers; beyond it appends are refused, not queued. */
  readonly pendingBytesMax?: number;
  /** Record bytes written with one durable write (a single larger append still goes alone). */
  readonly batchBytesMax?: number;
}

export type SegmentLogLimits = Required<SegmentLogOptions>;

export const indexIntervalBytesDefault = 4096;
export const appendBytesMaxDefault = 64 * 1024 * 1024;
export const pendingBytesMaxDefault = 256 * 1024 * 1024;
export const batchBytesMaxDefault = 16 * 1024 * 1024;

/** Room for a header and a few payload bytes; anything smaller is a configuration mistake. */
export const segmentBytesMaxLowest = 64;
/** Index entries hold file positions as u32; 2 GiB also stays inside one Buffer. */
export const segmentBytesMaxHighest = 2 * 1024 * 1024 * 1024;

export function resolveLimits(options: SegmentLogOptions): SegmentLogLimits {
  const limits: SegmentLogLimits = {
    segmentBytesMax: options.segmentBytesMax ?? segmentBytesMaxDefault,
    indexIntervalBytes: options.indexIntervalBytes ?? indexIntervalBytesDefault,
    firstSequence: options.firstSequence ?? 0,
    appendBytesMax: options.appendBytesMax ?? appendBytesMaxDefault,
    pendingBytesMax: options.pendingBytesMax ?? pendingBytesMaxDefault,
    batchBytesMax: options.batchBytesMax ?? batchBytesMaxDefault,
  };
  checkRange('segmentBytesMax', limits.segmentBytesMax, segmentBytesMaxLowest, segmentBytesMaxHighest);
  checkRange('indexIntervalBytes', limits.indexIntervalBytes, recordHeaderBytes, segmentBytesMaxHighest);
  checkRange('firstSequence', limits.firstSequence, 0, sequenceMax);
  checkRange('appendBytesMax', limits.appendBytesMax, recordHeaderBytes, limits.pendingBytesMax);
  checkRange('pendingBytesMax', limits.pendingBytesMax, recordHeaderBytes, Number.MAX_SAFE_INTEGER);
  checkRange('batchBytesMax', limits.batchBytesMax, recordHeaderBytes, limits.pendingBytesMax);
  return limits;
}

function checkRange(name: string, value: number, lowest: number, highest: number): void {
  if (Number.isSafeInteger(value) && value >= lowest && value <= highest) return;
  throw new SqlError(
    SqlState.invalidParameterValue,
    `lnr option ${name} = ${value} is out of range`,
    `${name} must be an integer from ${lowest} to ${highest}`,
  );
}
