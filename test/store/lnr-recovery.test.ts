/**
 * Crash recovery and damage: a torn tail of the active segment is cut at the
 * first bad record (zeros there are its preallocated space, not a tear); damage
 * in a sealed segment is left alone and reported on read; a missing or bad `.idx`
 * is rebuilt from its segment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { SegmentLog, type LogRecord } from '../../store/lnr/segment-log.js';
import {
  fileBytes,
  flipByte,
  listFiles,
  makeTemporaryDirectory,
  payloadForSequence,
  payloadsFor,
  removeTemporaryDirectory,
  sameBytes,
  segmentFilePaths,
} from './lnr-fixtures.js';

const options = { segmentBytesMax: 4096, indexIntervalBytes: 256 };
/** Records 0..28 carry payloadForSequence; record 29, the last, is 100 bytes of 7s. */
const recordCount = 30;
const lastPayload = new Uint8Array(100).fill(7);

let root: string;

beforeEach(() => {
  root = makeTemporaryDirectory();
});

afterEach(() => {
  removeTemporaryDirectory(root);
});

/** A closed log of `recordCount` records over several segments; returns its directory. */
async function writeClosedLog(name: string): Promise<string> {
  const directory = path.join(root, name);
  const log = await SegmentLog.open(directory, options);
  await log.append(payloadsFor(0, recordCount - 1));
  await log.append([lastPayload]);
  expect(log.segments().length).toBeGreaterThan(2);
  await log.close();
  return directory;
}

function lastSegmentPath(directory: string): string {
  const paths = segmentFilePaths(directory);
  return paths[paths.length - 1]!;
}

/** Where the last record (sequence 29) starts in the last segment. */
function lastRecordPosition(directory: string): number {
  return fileBytes(lastSegmentPath(directory)) - (16 + lastPayload.length);
}

async function readAll(log: SegmentLog, fromSequence: number): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  for (let sequence = fromSequence; sequence < log.nextSequence; ) {
    const chunk = await log.read(sequence);
    records.push(...chunk);
    sequence = chunk[chunk.length - 1]!.sequence + 1;
  }
  return records;
}

/** Reopens after damage to the tail; record 29 must be cut and everything before intact. */
async function expectTailCut(directory: string, cutPosition: number, damagedBytes: number, reason: RegExp): Promise<void> {
  const log = await SegmentLog.open(directory, options);
  try {
    expect(log.openReport.tornTail).toMatchObject({
      position: cutPosition,
      bytesCut: damagedBytes - cutPosition,
      firstLostSequence: recordCount - 1,
    });
    expect(log.openReport.tornTail?.reason).toMatch(reason);
    expectActiveEnd(log, directory, cutPosition);
    expect(log.nextSequence).toBe(recordCount - 1);
    const records = await readAll(log, 0);
    expect(records).toHaveLength(recordCount - 1);
    for (const record of records) expect(sameBytes(record.payload, payloadForSequence(record.sequence))).toBe(true);
    expect(await log.append(payloadsFor(recordCount - 1, 3))).toEqual({ firstSequence: recordCount - 1, count: 3 });
    const continued = await readAll(log, recordCount - 1);
    expect(continued.map((record) => record.sequence)).toEqual([29, 30, 31]);
    for (const record of continued) expect(sameBytes(record.payload, payloadForSequence(record.sequence))).toBe(true);
  } finally {
    await log.close();
  }
}

/** The active segment's records end at `end`, and its file is preallocated again past them. */
function expectActiveEnd(log: SegmentLog, directory: string, end: number): void {
  expect(log.segments().at(-1)!.bytes).toBe(end);
  expect(fileBytes(lastSegmentPath(directory))).toBeGreaterThanOrEqual(options.segmentBytesMax);
}

async function expectSqlState(promise: Promise<unknown>, sqlstate: string): Promise<SqlError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SqlError);
  expect((error as SqlError).sqlstate).toBe(sqlstate);
  return error as SqlError;
}

describe('lnr recovery: torn tail of the active segment', () => {
  it('(a) cuts a record truncated anywhere inside it', async () => {
    for (const into of [1, 4, 8, 15, 16, 17, 60, 115]) {
      const directory = await writeClosedLog(`cut-${into}`);
      const recordPosition = lastRecordPosition(directory);
      fs.truncateSync(lastSegmentPath(directory), recordPosition + into);
      await expectTailCut(directory, recordPosition, recordPosition + into, /left|runs past the end/);
    }
  });

  it('(b) cuts the last record when one of its bytes is flipped, header or payload', async () => {
    const cases: [number, RegExp][] = [
      [0, /runs past the end|CRC/], // length
      [4, /CRC/], // checksum
      [8, /CRC/], // sequence
      [16 + 50, /CRC/], // payload
      [16 + 99, /CRC/], // last payload byte
    ];
    for (const [offset, reason] of cases) {
      const directory = await writeClosedLog(`flip-${offset}`);
      const size = fileBytes(lastSegmentPath(directory));
      const recordPosition = lastRecordPosition(directory);
      flipByte(lastSegmentPath(directory), recordPosition + offset);
      await expectTailCut(directory, recordPosition, size, reason);
    }
  });

  it('(c) cuts garbage appended after the last record, and takes zeros there for free space', async () => {
    const garbage: [string, (lastRecord: Buffer) => Buffer][] = [
      ['short', () => Buffer.from([1, 2, 3, 4, 5])],
      ['zeros', () => Buffer.alloc(4096 - 1)], // what a preallocated segment holds past its records
      ['random', () => Buffer.from(Array.from({ length: 300 }, (_, at) => (at * 131 + 7) & 0xff))],
      // A valid record repeated: its CRC is right, only its sequence gives it away.
      ['replayed record', (lastRecord) => lastRecord],
    ];
    for (const [name, makeGarbage] of garbage) {
      const directory = await writeClosedLog(name.replace(' ', '-'));
      const segmentPath = lastSegmentPath(directory);
      const intactBytes = fileBytes(segmentPath);
      const lastRecord = fs.readFileSync(segmentPath).subarray(lastRecordPosition(directory));
      fs.appendFileSync(segmentPath, makeGarbage(lastRecord));
      const log = await SegmentLog.open(directory, options);
      if (name === 'zeros') expect(log.openReport.tornTail).toBeNull();
      else expect(log.openReport.tornTail).toMatchObject({ position: intactBytes, firstLostSequence: recordCount });
      expectActiveEnd(log, directory, intactBytes);
      expect(log.nextSequence).toBe(recordCount);
      expect(sameBytes((await log.read(recordCount - 1))[0]!.payload, lastPayload)).toBe(true);
      await log.close();
    }
  });

  it('reopens an active segment cut to nothing at its base sequence', async () => {
    const directory = await writeClosedLog('empty');
    const segmentPath = lastSegmentPath(directory);
    const base = Number(path.basename(segmentPath, '.seg'));
    fs.truncateSync(segmentPath, 3);
    const log = await SegmentLog.open(directory, options);
    expect(log.nextSequence).toBe(base);
    expectActiveEnd(log, directory, 0);
    expect(await log.append(payloadsFor(base, 1))).toEqual({ firstSequence: base, count: 1 });
    await log.close();
  });
});

describe('lnr recovery: sealed segments', () => {
  it('reports a flipped byte in a sealed segment as XX001 on read, never skipping it', async () => {
    const directory = await writeClosedLog('sealed-flip');
    const firstSegment = segmentFilePaths(directory)[0]!;
    flipByte(firstSegment, 16 + 3); // inside the payload of record 0
    const sizeBefore = fileBytes(firstSegment);
    const log = await SegmentLog.open(directory, options);
    try {
      expect(log.openReport.tornTail).toBeNull();
      expect(fileBytes(firstSegment)).toBe(sizeBefore);
      const error = await expectSqlState(log.read(0), 'XX001');
      expect(error.message).toMatch(/CRC mismatch/);
      expect(error.message).toContain('00000000000000000000.seg');
      // Records of later segments are unaffected.
      const second = log.segments()[1]!;
      expect((await log.read(second.baseSequence, { recordsMax: 1 }))[0]?.sequence).toBe(second.baseSequence);
    } finally {
      await log.close();
    }
  });

  it('detects damage in a sealed segment while the log is open', async () => {
    const directory = path.join(root, 'open-flip');
    const log = await SegmentLog.open(directory, options);
    try {
      await log.append(payloadsFor(0, 40));
      const firstSegment = segmentFilePaths(directory)[0]!;
      flipByte(firstSegment, fileBytes(firstSegment) - 1);
      const error = await expectSqlState(readAll(log, 0), 'XX001');
      expect(error.detail).toMatch(/sealed/);
    } finally {
      await log.close();
    }
  });

  it('does not truncate a shortened sealed segment; reading it fails with XX001', async () => {
    const directory = await writeClosedLog('sealed-short');
    const firstSegment = segmentFilePaths(directory)[0]!;
    const shortened = fileBytes(firstSegment) - 10;
    fs.truncateSync(firstSegment, shortened);
    const log = await SegmentLog.open(directory, options);
    try {
      expect(log.openReport.damagedSegments).toEqual([0]);
      expect(fileBytes(firstSegment)).toBe(shortened);
      await expectSqlState(readAll(log, 0), 'XX001');
    } finally {
      await log.close();
    }
  });
});

describe('lnr recovery: offset index files', () => {
  async function expectIndexRebuilt(directory: string, indexPath: string, original: Buffer): Promise<void> {
    const log = await SegmentLog.open(directory, options);
    try {
      expect(log.openReport.indexesRebuilt).toBe(1);
      expect(fs.readFileSync(indexPath).equals(original)).toBe(true);
      for (let sequence = 0; sequence < recordCount - 1; sequence++) {
        const [record] = await log.read(sequence, { recordsMax: 1 });
        expect(record?.sequence).toBe(sequence);
        expect(sameBytes(record!.payload, payloadForSequence(sequence))).toBe(true);
      }
    } finally {
      await log.close();
    }
  }

  it('rebuilds a deleted .idx from its segment', async () => {
    const directory = await writeClosedLog('idx-deleted');
    const indexPath = path.join(directory, listFiles(directory, '.idx')[1]!);
    const original = fs.readFileSync(indexPath);
    fs.rmSync(indexPath);
    await expectIndexRebuilt(directory, indexPath, original);
  });

  it('rebuilds a corrupt, truncated or foreign .idx', async () => {
    const damages: [string, (indexPath: string, directory: string) => void][] = [
      ['flipped', (indexPath) => flipByte(indexPath, 30)],
      ['truncated', (indexPath) => fs.truncateSync(indexPath, fileBytes(indexPath) - 3)],
      ['empty', (indexPath) => fs.writeFileSync(indexPath, '')],
      [
        'foreign',
        (indexPath, directory) => fs.copyFileSync(path.join(directory, listFiles(directory, '.idx')[0]!), indexPath),
      ],
    ];
    for (const [name, damage] of damages) {
      const directory = await writeClosedLog(`idx-${name}`);
      const indexPath = path.join(directory, listFiles(directory, '.idx')[1]!);
      const original = fs.readFileSync(indexPath);
      damage(indexPath, directory);
      await expectIndexRebuilt(directory, indexPath, original);
    }
  });

  it('removes leftovers: temporary files, orphan indexes, a stale index beside the active segment', async () => {
    const directory = await writeClosedLog('leftovers');
    const activeBase = path.basename(lastSegmentPath(directory), '.seg');
    fs.writeFileSync(path.join(directory, `${activeBase}.idx`), 'stale');
    fs.writeFileSync(path.join(directory, '00000000000000000001.idx.tmp'), 'partial');
    fs.writeFileSync(path.join(directory, '00000000000000099999.idx'), 'orphan');
    const indexesBefore = listFiles(directory, '.idx').length - 2;
    const log = await SegmentLog.open(directory, options);
    await log.close();
    expect(listFiles(directory, '.tmp')).toEqual([]);
    expect(listFiles(directory, '.idx')).toHaveLength(indexesBefore);
    expect(listFiles(directory, '.idx')).not.toContain(`${activeBase}.idx`);
  });
});
