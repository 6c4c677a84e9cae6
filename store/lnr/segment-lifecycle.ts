/**
 * The life of a segment file: created active, recovered after a crash, sealed,
 * loaded again as sealed on a later open.
 *
 * Recovery trusts nothing past the last verified record of the active segment:
 * appends are acknowledged only once durable, so a record that fails any
 * check there was never acknowledged and the tail from it on can be cut.
 * Sealed segments were fully synced before sealing, so damage there is not a
 * torn write but corruption; it is left in place and reported on read.
 *
 * Preallocated: an active segment's file is extended to segmentBytesMax (sparse: its
 * unwritten blocks read as zeros) when it is made, before any record goes in. A durable
 * write that does not change the file's size is much cheaper than one that grows it (on
 * ext4 a 4 MiB O_DSYNC append to a growing file measured about 13 ms, into a file of
 * fixed size about 2.6 ms); O_DSYNC still makes the blocks' allocation durable with the
 * data. Zeros are never a valid record (the header's CRC covers the sequence), so the end
 * of the records is found as before; a zero tail is free space, not a torn write.
 * Sealing, and a clean close, cut the file to its records.
 */
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import { OffsetIndex } from './offset-index.js';
import type { SegmentLogLimits } from './log-options.js';
import { readHeaderSequence, recordHeaderBytes } from './record-format.js';
import { scanRecords, type ScanFault, type ScanOutcome } from './record-scan.js';
import { Segment } from './segment.js';
import {
  fsyncDirectory,
  indexFileName,
  isNotFound,
  readAt,
  removeIfPresent,
  writeSelfCheckingFile,
} from './segment-files.js';

/** What opening a log found and repaired. */
export interface OpenReport {
  /** The torn tail cut from the last segment, or null if it ended cleanly. */
  readonly tornTail: TornTail | null;
  /** Sealed segments whose `.idx` was missing or untrusted and was rebuilt from the segment. */
  readonly indexesRebuilt: number;
  /** Base sequences of sealed segments found damaged while rebuilding an index; reading them fails. */
  readonly damagedSegments: readonly number[];
}

export interface TornTail {
  readonly segmentBaseSequence: number;
  readonly position: number;
  readonly bytesCut: number;
  readonly firstLostSequence: number;
  readonly reason: string;
}

export interface MutableOpenReport {
  tornTail: TornTail | null;
  indexesRebuilt: number;
  damagedSegments: number[];
}

/** Large reads: recovery and index rebuilds scan whole segments. */
const wholeSegmentScanChunkBytes = 1024 * 1024;

/** A new, empty active segment, preallocated; its name and size are durable before any record is written to it. */
export async function createActiveSegment(directory: string, baseSequence: number, limits: SegmentLogLimits): Promise<Segment> {
  const segment = new Segment(directory, baseSequence, activeIndex(baseSequence, 0, limits));
  segment.writeHandle = await fs.open(segment.segmentPath, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC);
  try {
    await preallocate(segment.writeHandle, 0, limits.segmentBytesMax);
    await fsyncDirectory(directory);
  } catch (error) {
    await segment.writeHandle.close();
    throw error;
  }
  return segment;
}

/** Cuts an active segment's file to its records: the zeros past them go, durably. */
export async function trimPreallocation(segment: Segment): Promise<void> {
  await segment.writeHandle?.truncate(segment.bytes);
  await segment.writeHandle?.datasync();
}

/** Seals an active segment whose records are all durable: cuts its zero tail, writes its index and stops writing. */
export async function sealSegment(directory: string, segment: Segment, limits: SegmentLogLimits): Promise<void> {
  await trimPreallocation(segment);
  const index = segment.index.encode(segment.bytes, limits.indexIntervalBytes);
  await writeSelfCheckingFile(directory, indexFileName(segment.baseSequence), index);
  await segment.writeHandle?.close();
  segment.writeHandle = null;
  segment.sealed = true;
}

/** Reopens the last segment as active, cutting a torn tail at the first bad record. */
export async function recoverActiveSegment(
  directory: string,
  baseSequence: number,
  limits: SegmentLogLimits,
  report: MutableOpenReport,
): Promise<Segment> {
  const segment = new Segment(directory, baseSequence, activeIndex(baseSequence, 0, limits));
  const handle = await fs.open(segment.segmentPath, constants.O_RDWR | constants.O_DSYNC);
  try {
    const fileBytes = (await handle.stat()).size;
    segment.index = activeIndex(baseSequence, fileBytes, limits);
    const outcome = await indexWholeSegment(handle, segment, fileBytes, limits);
    let allocated = fileBytes;
    if (outcome.fault !== null && !(await zerosFrom(handle, outcome.fault.position, fileBytes))) {
      report.tornTail = await cutTornTail(handle, segment, fileBytes, outcome.fault);
      allocated = outcome.fault.position;
    }
    await preallocate(handle, allocated, limits.segmentBytesMax);
    // An index beside the active segment is from a seal that a crash interrupted; it is stale once appends
    // resume, and its removal must be durable first, or a later crash could bring it back beside new records.
    if (await removeIfPresent(segment.indexPath)) await fsyncDirectory(directory);
    segment.bytes = outcome.endPosition;
    segment.nextSequence = outcome.nextSequence;
    segment.writeHandle = handle;
    return segment;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Extends a file of `size` bytes to `to` (sparse: zeros), durably; a file already that long is left alone. */
async function preallocate(handle: fs.FileHandle, size: number, to: number): Promise<void> {
  if (size >= to) return;
  await handle.truncate(to);
  await handle.datasync();
}

/** Whether the file holds only zeros from `position` to `fileBytes`: preallocated space, not a torn record. */
async function zerosFrom(handle: fs.FileHandle, position: number, fileBytes: number): Promise<boolean> {
  for (let at = position; at < fileBytes; at += wholeSegmentScanChunkBytes) {
    const chunk = await readAt(handle, at, Math.min(wholeSegmentScanChunkBytes, fileBytes - at));
    if (chunk.some((byte) => byte !== 0)) return false;
  }
  return true;
}

async function cutTornTail(handle: fs.FileHandle, segment: Segment, fileBytes: number, fault: ScanFault): Promise<TornTail> {
  await handle.truncate(fault.position);
  await handle.sync();
  return {
    segmentBaseSequence: segment.baseSequence,
    position: fault.position,
    bytesCut: fileBytes - fault.position,
    firstLostSequence: fault.sequence,
    reason: fault.reason,
  };
}

/**
 * Loads a sealed segment, trusting its `.idx` only if it agrees with the
 * segment; otherwise rebuilds the index by scanning the segment.
 */
export async function loadSealedSegment(
  directory: string,
  baseSequence: number,
  nextSequence: number,
  limits: SegmentLogLimits,
  report: MutableOpenReport,
): Promise<Segment> {
  const segment = new Segment(directory, baseSequence, activeIndex(baseSequence, 0, limits));
  const handle = await fs.open(segment.segmentPath, 'r');
  try {
    segment.bytes = (await handle.stat()).size;
    segment.nextSequence = nextSequence;
    segment.sealed = true;
    const stored = await loadTrustedIndex(handle, segment);
    if (stored !== null) segment.index = stored;
    else await rebuildSealedIndex(directory, handle, segment, limits, report);
    return segment;
  } finally {
    await handle.close();
  }
}

async function loadTrustedIndex(handle: fs.FileHandle, segment: Segment): Promise<OffsetIndex | null> {
  let file: Buffer;
  try {
    file = await fs.readFile(segment.indexPath);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const expectation = { baseSequence: segment.baseSequence, segmentBytes: segment.bytes, nextSequence: segment.nextSequence };
  const decoded = OffsetIndex.decode(file, expectation);
  if (typeof decoded === 'string') return null;
  return (await lastEntryPointsAtItsRecord(handle, decoded)) ? decoded : null;
}

/**
 * A cheap cross-check beyond the index's own CRC: an index copied from another
 * segment of the same size would pass every other test.
 */
async function lastEntryPointsAtItsRecord(handle: fs.FileHandle, index: OffsetIndex): Promise<boolean> {
  const last = index.lastEntry();
  if (last === null) return true;
  const header = await readAt(handle, last.position, recordHeaderBytes);
  return header.length === recordHeaderBytes && readHeaderSequence(header, 0) === last.sequence;
}

async function rebuildSealedIndex(
  directory: string,
  handle: fs.FileHandle,
  segment: Segment,
  limits: SegmentLogLimits,
  report: MutableOpenReport,
): Promise<void> {
  segment.index = activeIndex(segment.baseSequence, segment.bytes, limits);
  const expectedNext = segment.nextSequence;
  const outcome = await indexWholeSegment(handle, segment, segment.bytes, limits);
  report.indexesRebuilt++;
  if (outcome.fault !== null || outcome.nextSequence !== expectedNext) {
    // Keep the partial index in memory only: a damaged segment must not get an index that looks authoritative.
    report.damagedSegments.push(segment.baseSequence);
    return;
  }
  const index = segment.index.encode(segment.bytes, limits.indexIntervalBytes);
  await writeSelfCheckingFile(directory, indexFileName(segment.baseSequence), index);
}

function indexWholeSegment(
  handle: fs.FileHandle,
  segment: Segment,
  fileBytes: number,
  limits: SegmentLogLimits,
): Promise<ScanOutcome> {
  const range = { startPosition: 0, endPosition: fileBytes, firstSequence: segment.baseSequence };
  return scanRecords(handle, range, wholeSegmentScanChunkBytes, (sequence, _payload, position) => {
    segment.index.noteRecord(sequence, position, limits.indexIntervalBytes);
    return true;
  });
}

/** An index sized for a segment that may grow to segmentBytesMax, or is already `fileBytes` long. */
function activeIndex(baseSequence: number, fileBytes: number, limits: SegmentLogLimits): OffsetIndex {
  const bytes = Math.max(fileBytes, limits.segmentBytesMax);
  return new OffsetIndex(baseSequence, OffsetIndex.entriesMaxFor(bytes, limits.indexIntervalBytes));
}
