/**
 * Names of the files in an lnr log directory, and the few file-system steps
 * that need care to be durable.
 *
 * A segment is named by its base sequence, zero-padded to the 20 digits of the
 * largest u64, so that a plain directory listing sorts segments in log order
 * (Kafka does the same).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { assert } from '../../common/sql-error.js';
import { sequenceMax } from './record-format.js';

export const segmentFileSuffix = '.seg';
export const indexFileSuffix = '.idx';
export const temporaryFileSuffix = '.tmp';

const sequenceDigits = 20;
const sequenceNamePattern = /^(\d{20})\.(seg|idx)$/;

export function segmentFileName(baseSequence: number): string {
  return sequenceFileStem(baseSequence) + segmentFileSuffix;
}

export function indexFileName(baseSequence: number): string {
  return sequenceFileStem(baseSequence) + indexFileSuffix;
}

function sequenceFileStem(baseSequence: number): string {
  assert(Number.isSafeInteger(baseSequence) && baseSequence >= 0, `base sequence ${baseSequence} is valid`);
  return String(baseSequence).padStart(sequenceDigits, '0');
}

export interface ParsedFileName {
  readonly kind: 'segment' | 'index';
  readonly baseSequence: number;
}

/** A segment or index file name, or null for anything else in the directory. */
export function parseLogFileName(name: string): ParsedFileName | null {
  const match = sequenceNamePattern.exec(name);
  if (match === null) return null;
  const baseSequence = Number(match[1]);
  if (!Number.isSafeInteger(baseSequence) || baseSequence > sequenceMax) return null;
  return { kind: match[2] === 'seg' ? 'segment' : 'index', baseSequence };
}

/**
 * Makes entries created, renamed or removed in `directory` durable. Without
 * it, a new segment whose records were fdatasync'ed can still vanish in a
 * crash, because its name lives in the directory, not in the file.
 */
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a file whose contents carry their own checksum (an `.idx`). It goes
 * through a temporary name and a rename, so a reader never meets it half
 * written while the log runs; it is not fsynced, because after a crash a
 * missing, empty or torn file fails its checksum and is rebuilt, and an fsync
 * here would sit on the append path at every segment roll.
 */
export async function writeSelfCheckingFile(directory: string, name: string, bytes: Uint8Array): Promise<void> {
  const temporaryPath = path.join(directory, name + temporaryFileSuffix);
  const handle = await fs.open(temporaryPath, 'w');
  try {
    await writeFully(handle, bytes, 0);
  } finally {
    await handle.close();
  }
  await fs.rename(temporaryPath, path.join(directory, name));
}

/** pwrite until every byte is written; a regular file rarely needs a second call. */
export async function writeFully(handle: fs.FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0;
  // Each call writes at least one byte or throws, so bytes.length bounds the loop.
  for (let calls = 0; written < bytes.length; calls++) {
    assert(calls <= bytes.length, 'pwrite makes progress');
    const result = await handle.write(bytes, written, bytes.length - written, position + written);
    assert(result.bytesWritten > 0, 'pwrite wrote at least one byte');
    written += result.bytesWritten;
  }
}

/** pread up to `length` bytes at `position`; shorter only at end of file. */
export async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  for (let calls = 0; filled < length; calls++) {
    assert(calls <= length, 'pread makes progress');
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** The segments and indexes found in a log directory, segments in log order. */
export interface LogDirectoryListing {
  readonly segmentBases: readonly number[];
  readonly indexBases: ReadonlySet<number>;
}

/**
 * Lists the log's files and removes leftovers that are garbage by
 * construction: temporary files of an interrupted index write, and indexes
 * whose segment retention already deleted.
 */
export async function listLogDirectory(directory: string): Promise<LogDirectoryListing> {
  const names = await fs.readdir(directory);
  const segmentBases: number[] = [];
  const indexBases = new Set<number>();
  for (const name of names) {
    if (name.endsWith(temporaryFileSuffix)) await removeIfPresent(path.join(directory, name));
    const parsed = parseLogFileName(name);
    if (parsed?.kind === 'segment') segmentBases.push(parsed.baseSequence);
    if (parsed?.kind === 'index') indexBases.add(parsed.baseSequence);
  }
  segmentBases.sort((a, b) => a - b);
  const segmentBaseSet = new Set(segmentBases);
  for (const base of indexBases) {
    if (segmentBaseSet.has(base)) continue;
    await removeIfPresent(path.join(directory, indexFileName(base)));
    indexBases.delete(base);
  }
  return { segmentBases, indexBases };
}

/** Returns whether there was a file to remove. */
export async function removeIfPresent(filePath: string): Promise<boolean> {
  try {
    await fs.unlink(filePath);
    return true;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return false;
  }
}

/** Whether `directory` is an existing directory (absent, or anything else: false). */
export async function directoryExists(directory: string): Promise<boolean> {
  try {
    return (await fs.stat(directory)).isDirectory();
  } catch {
    return false;
  }
}
