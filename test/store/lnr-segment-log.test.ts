import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { SegmentLog, type LogRecord } from '../../store/lnr/segment-log.js';
import {
  fileBytes,
  listFiles,
  segmentFilePaths,
  makeTemporaryDirectory,
  payloadForSequence,
  payloadsFor,
  removeTemporaryDirectory,
  sameBytes,
} from './lnr-fixtures.js';

let directory: string;
let openLogs: SegmentLog[];

beforeEach(() => {
  directory = makeTemporaryDirectory();
  openLogs = [];
});

afterEach(async () => {
  for (const log of openLogs) await log.close().catch(() => undefined);
  removeTemporaryDirectory(directory);
});

async function openLog(options: Parameters<typeof SegmentLog.open>[1] = {}): Promise<SegmentLog> {
  const log = await SegmentLog.open(directory, options);
  openLogs.push(log);
  return log;
}

/** Every record from `fromSequence` to the end, in as many read calls as it takes. */
async function readToEnd(log: SegmentLog, fromSequence: number, recordsMax = 1000): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  for (let sequence = fromSequence; sequence < log.nextSequence; ) {
    const chunk = await log.read(sequence, { recordsMax });
    expect(chunk.length).toBeGreaterThan(0);
    records.push(...chunk);
    sequence = chunk[chunk.length - 1]!.sequence + 1;
  }
  return records;
}

function expectPayloadsOf(records: LogRecord[], firstSequence: number, payloadBytesMax = 700): void {
  records.forEach((record, at) => {
    expect(record.sequence).toBe(firstSequence + at);
    expect(sameBytes(record.payload, payloadForSequence(record.sequence, payloadBytesMax))).toBe(true);
  });
}

async function expectSqlState(promise: Promise<unknown>, sqlstate: string, message?: RegExp): Promise<SqlError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SqlError);
  expect((error as SqlError).sqlstate).toBe(sqlstate);
  if (message !== undefined) expect((error as SqlError).message).toMatch(message);
  return error as SqlError;
}

describe('lnr segment log: round trip', () => {
  it('starts empty at sequence 0 with one empty active segment', async () => {
    const log = await openLog({ segmentBytesMax: 4096 });
    expect(log.firstSequence).toBe(0);
    expect(log.nextSequence).toBe(0);
    expect(log.segments()).toEqual([{ baseSequence: 0, lastSequence: null, bytes: 0, sealed: false }]);
    expect(await log.read(0)).toEqual([]);
    expect(listFiles(directory, '.seg')).toEqual(['00000000000000000000.seg']);
  });

  it('splits records over segments of at most segmentBytesMax and reads them all back', async () => {
    const log = await openLog({ segmentBytesMax: 4096, indexIntervalBytes: 256 });
    let sequence = 0;
    for (let batch = 0; batch < 40; batch++) {
      const count = 1 + (batch % 7);
      const result = await log.append(payloadsFor(sequence, count));
      expect(result).toEqual({ firstSequence: sequence, count });
      sequence += count;
    }
    expect(log.nextSequence).toBe(sequence);
    const segments = log.segments();
    expect(segments.length).toBeGreaterThan(4);
    segments.forEach((segment, at) => {
      expect(segment.bytes).toBeLessThanOrEqual(4096);
      expect(segment.sealed).toBe(at < segments.length - 1);
      const next = segments[at + 1];
      if (next !== undefined) expect(segment.lastSequence).toBe(next.baseSequence - 1);
    });
    expect(listFiles(directory, '.seg')).toHaveLength(segments.length);
    expect(listFiles(directory, '.idx')).toHaveLength(segments.length - 1);
    expectPayloadsOf(await readToEnd(log, 0), 0);
  });

  it('reads from any sequence, mid-segment included', async () => {
    const log = await openLog({ segmentBytesMax: 4096, indexIntervalBytes: 300 });
    await log.append(payloadsFor(0, 120));
    for (const from of [0, 1, 7, 33, 58, 59, 60, 61, 99, 118, 119]) {
      const records = await log.read(from, { recordsMax: 5 });
      expect(records.length).toBe(Math.min(5, 120 - from));
      expectPayloadsOf(records, from);
    }
    for (const segment of log.segments()) {
      const records = await log.read(segment.baseSequence, { recordsMax: 1 });
      expectPayloadsOf(records, segment.baseSequence);
    }
  });

  it('keeps empty payloads', async () => {
    const log = await openLog();
    const empty = new Uint8Array(0);
    await log.append([empty, Uint8Array.of(1), empty]);
    const records = await log.read(0);
    expect(records.map((record) => Array.from(record.payload))).toEqual([[], [1], []]);
  });

  it('starts a new log at a configured first sequence', async () => {
    const log = await openLog({ firstSequence: 1_000_000 });
    expect(await log.append(payloadsFor(1_000_000, 3))).toEqual({ firstSequence: 1_000_000, count: 3 });
    expect(log.firstSequence).toBe(1_000_000);
    expectPayloadsOf(await log.read(1_000_000), 1_000_000);
    expect(listFiles(directory, '.seg')).toEqual(['00000000000001000000.seg']);
  });
});

describe('lnr segment log: limits', () => {
  it('refuses a record that could never fit a segment with 54000, naming size and limit', async () => {
    const log = await openLog({ segmentBytesMax: 4096 });
    await expectSqlState(log.append([new Uint8Array(4081)]), '54000', /4097 bytes.*4096 bytes/);
    expect(log.nextSequence).toBe(0);
    // A record of exactly segmentBytesMax fits, alone in its segment.
    await log.append([Uint8Array.of(1)]);
    expect(await log.append([new Uint8Array(4080)])).toEqual({ firstSequence: 1, count: 1 });
    expect(log.segments().map((segment) => segment.bytes)).toEqual([17, 4096]);
    expect((await log.read(1))[0]?.payload.length).toBe(4080);
    // A full segment rolls when the next record arrives.
    await log.append([new Uint8Array(0)]);
    expect(log.segments().map((segment) => segment.bytes)).toEqual([17, 4096, 16]);
  });

  it('refuses an append over appendBytesMax and one over pendingBytesMax', async () => {
    const log = await openLog({ segmentBytesMax: 4096, appendBytesMax: 1000, pendingBytesMax: 2000, batchBytesMax: 1000 });
    await expectSqlState(log.append(payloadsFor(0, 3, 400).map(() => new Uint8Array(400))), '54000', /per append/);
    const first = log.append([new Uint8Array(900)]);
    const second = log.append([new Uint8Array(900)]);
    await expectSqlState(log.append([new Uint8Array(900)]), '53000');
    expect(await Promise.all([first, second])).toEqual([
      { firstSequence: 0, count: 1 },
      { firstSequence: 1, count: 1 },
    ]);
    expect(await log.append([new Uint8Array(900)])).toEqual({ firstSequence: 2, count: 1 });
  });

  it('refuses payloads that are not byte arrays', async () => {
    const log = await openLog();
    await expectSqlState(log.append(['text' as unknown as Uint8Array]), '22023');
  });

  it('bounds reads by recordsMax and bytesMax, always returning at least one record', async () => {
    const log = await openLog();
    await log.append([100, 200, 300, 400, 500].map((bytes) => new Uint8Array(bytes)));
    expect((await log.read(0, { recordsMax: 2 })).map((record) => record.sequence)).toEqual([0, 1]);
    expect((await log.read(0, { bytesMax: 300 })).map((record) => record.sequence)).toEqual([0, 1]);
    expect((await log.read(0, { bytesMax: 299 })).map((record) => record.sequence)).toEqual([0]);
    expect((await log.read(3, { bytesMax: 10 })).map((record) => record.sequence)).toEqual([3]);
    expect(await log.read(5)).toEqual([]);
    await expectSqlState(log.read(6), '22023', /past the end/);
    await expectSqlState(log.read(-1), '22023');
    await expectSqlState(log.read(0, { recordsMax: 0 }), '22023');
  });

  it('rejects options out of range', async () => {
    await expectSqlState(SegmentLog.open(directory, { segmentBytesMax: 10 }), '22023', /segmentBytesMax/);
    await expectSqlState(SegmentLog.open(directory, { indexIntervalBytes: 1.5 }), '22023', /indexIntervalBytes/);
    await expectSqlState(SegmentLog.open(directory, { firstSequence: -1 }), '22023', /firstSequence/);
  });
});

describe('lnr segment log: group commit', () => {
  it('preallocates the active segment to its full size, and cuts it to its records when sealed or closed', async () => {
    const log = await openLog({ segmentBytesMax: 4096 });
    await log.append(payloadsFor(0, 3));
    const active = () => segmentFilePaths(directory).at(-1)!;
    expect(fileBytes(active())).toBe(4096); // appends write into the file's length, never grow it
    while (log.segments().length < 2) await log.append(payloadsFor(log.nextSequence, 1));
    const [sealed, current] = log.segments();
    expect(fileBytes(segmentFilePaths(directory)[0]!)).toBe(sealed!.bytes);
    expect(fileBytes(active())).toBe(4096);
    await log.close();
    expect(fileBytes(active())).toBe(current!.bytes);
  });

  it('gives appends made in one tick consecutive ranges in call order, with one durable write', async () => {
    const log = await openLog({ segmentBytesMax: 1024 * 1024 });
    await log.append(payloadsFor(0, 1));
    const handlePrototype = await fileHandlePrototype();
    const datasync = vi.spyOn(handlePrototype, 'datasync');
    const write = vi.spyOn(handlePrototype, 'write');
    try {
      const counts = Array.from({ length: 50 }, (_, at) => 1 + ((at * 7) % 5));
      let sequence = 1;
      const appends = counts.map((count) => {
        const appended = log.append(payloadsFor(sequence, count));
        sequence += count;
        return appended;
      });
      const results = await Promise.all(appends);
      let expected = 1;
      results.forEach((result, at) => {
        expect(result).toEqual({ firstSequence: expected, count: counts[at] });
        expected += result.count;
      });
      // The segment is open with O_DSYNC: the one write is durable when it returns, no fdatasync needed.
      expect(write).toHaveBeenCalledTimes(1);
      expect(datasync).not.toHaveBeenCalled();
      expectPayloadsOf(await readToEnd(log, 0), 0);
    } finally {
      datasync.mockRestore();
      write.mockRestore();
    }
  });

  it('batches appends that arrive while a write is in flight, across segment rolls', async () => {
    const log = await openLog({ segmentBytesMax: 2048, indexIntervalBytes: 128 });
    let sequence = 0;
    const appends: Promise<{ firstSequence: number; count: number }>[] = [];
    for (let round = 0; round < 20; round++) {
      for (let caller = 0; caller < 5; caller++) {
        const count = 1 + ((round + caller) % 4);
        appends.push(log.append(payloadsFor(sequence, count)));
        sequence += count;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const results = await Promise.all(appends);
    let expected = 0;
    for (const result of results) {
      expect(result.firstSequence).toBe(expected);
      expected += result.count;
    }
    expect(log.nextSequence).toBe(sequence);
    expectPayloadsOf(await readToEnd(log, 0), 0);
  });
});

describe('lnr segment log: lifecycle', () => {
  it('reopens with every record in place and continues the sequence', async () => {
    const first = await SegmentLog.open(directory, { segmentBytesMax: 4096 });
    await first.append(payloadsFor(0, 50));
    const segmentsBefore = first.segments();
    await first.close();
    const log = await openLog({ segmentBytesMax: 4096 });
    expect(log.openReport).toEqual({ tornTail: null, indexesRebuilt: 0, damagedSegments: [] });
    expect(log.segments()).toEqual(segmentsBefore);
    expect(await log.append(payloadsFor(50, 30))).toEqual({ firstSequence: 50, count: 30 });
    expectPayloadsOf(await readToEnd(log, 0), 0);
  });

  it('seals the active segment on request, and not when it is empty', async () => {
    const log = await openLog({ segmentBytesMax: 1024 * 1024 });
    await log.seal();
    expect(log.segments()).toHaveLength(1);
    await log.append(payloadsFor(0, 5));
    await log.seal();
    await log.seal();
    expect(log.segments()).toEqual([
      { baseSequence: 0, lastSequence: 4, bytes: expect.any(Number), sealed: true },
      { baseSequence: 5, lastSequence: null, bytes: 0, sealed: false },
    ]);
    expect(listFiles(directory, '.idx')).toEqual(['00000000000000000000.idx']);
    const sealedBytes = fs.readFileSync(path.join(directory, '00000000000000000000.seg'));
    await log.append(payloadsFor(5, 5));
    expect(fs.readFileSync(path.join(directory, '00000000000000000000.seg')).equals(sealedBytes)).toBe(true);
    expectPayloadsOf(await readToEnd(log, 0), 0);
  });

  it('puts appends made before seal() into the sealed segment', async () => {
    const log = await openLog({ batchBytesMax: 64 });
    const appends = [log.append(payloadsFor(0, 2, 40)), log.append(payloadsFor(2, 2, 40))];
    await log.seal();
    await Promise.all(appends);
    expect(log.segments()[0]).toMatchObject({ baseSequence: 0, lastSequence: 3, sealed: true });
  });

  it('completes appends made before close and refuses later ones', async () => {
    const log = await SegmentLog.open(directory);
    const before = log.append(payloadsFor(0, 3));
    const closed = log.close();
    await expectSqlState(log.append(payloadsFor(3, 1)), '55000');
    expect(await before).toEqual({ firstSequence: 0, count: 3 });
    await closed;
    await expectSqlState(log.read(0), '55000');
    const reopened = await openLog();
    expect(reopened.nextSequence).toBe(3);
  });

  it('writes the active segment through a descriptor opened with O_DSYNC', async () => {
    const log = await openLog();
    await log.append(payloadsFor(0, 1));
    const segmentPath = segmentFilePaths(directory).at(-1)!;
    const descriptors = fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`) === segmentPath;
      } catch {
        return false; // closed between listing and reading
      }
    });
    const flags = descriptors.map((fd) => Number.parseInt(/flags:\s+([0-7]+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8));
    expect(flags.some((value) => (value & fs.constants.O_DSYNC) === fs.constants.O_DSYNC)).toBe(true);
    await log.close();
  });

  it('stops taking appends after a failed durable write, and recovers on reopen', async () => {
    const log = await SegmentLog.open(directory, { segmentBytesMax: 4096 });
    await log.append(payloadsFor(0, 5));
    const write = vi.spyOn(await fileHandlePrototype(), 'write');
    write.mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
    try {
      const failed = log.append(payloadsFor(5, 3));
      const queuedBehind = log.append(payloadsFor(8, 1));
      await expectSqlState(failed, '58030', /EIO/);
      await expectSqlState(queuedBehind, '58030');
      await expectSqlState(log.append(payloadsFor(5, 1)), '58030');
      await expectSqlState(log.seal(), '58030');
      expect(log.nextSequence).toBe(5);
      expectPayloadsOf(await log.read(0), 0);
    } finally {
      write.mockRestore();
      await log.close();
    }
    // The unacknowledged records may or may not be on disk; either way the log reopens consistent.
    const reopened = await openLog({ segmentBytesMax: 4096 });
    const next = reopened.nextSequence;
    expect([5, 9]).toContain(next);
    expect(await reopened.append(payloadsFor(next, 2))).toEqual({ firstSequence: next, count: 2 });
    expectPayloadsOf(await readToEnd(reopened, 0), 0);
  });

  it('lets reads see only records whose append has completed', async () => {
    const log = await openLog();
    await log.append(payloadsFor(0, 3));
    const pending = log.append(payloadsFor(3, 3));
    expect(log.nextSequence).toBe(3);
    expect((await log.read(0)).map((record) => record.sequence)).toEqual([0, 1, 2]);
    await pending;
    expect((await log.read(0)).map((record) => record.sequence)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refuses to open the same directory twice in one process', async () => {
    await openLog();
    await expectSqlState(SegmentLog.open(directory), '55006');
  });
});

async function fileHandlePrototype(): Promise<{ datasync: () => Promise<void>; write: (...args: never[]) => unknown }> {
  const handle = await fs.promises.open(path.join(directory, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(handle) as { datasync: () => Promise<void>; write: (...args: never[]) => unknown };
  await handle.close();
  fs.rmSync(path.join(directory, 'probe'));
  return prototype;
}
