import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import { SegmentLog } from '../../store/lnr/segment-log.js';
import {
  listFiles,
  makeTemporaryDirectory,
  payloadForSequence,
  payloadsFor,
  removeTemporaryDirectory,
  sameBytes,
} from './lnr-fixtures.js';

const options = { segmentBytesMax: 2048, indexIntervalBytes: 256 };

let directory: string;

beforeEach(() => {
  directory = makeTemporaryDirectory();
});

afterEach(() => {
  removeTemporaryDirectory(directory);
});

async function readError(promise: Promise<unknown>): Promise<SqlError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SqlError);
  return error as SqlError;
}

describe('lnr retention: dropSegmentsBefore', () => {
  it('drops only whole sealed segments below the sequence and deletes their files', async () => {
    const log = await SegmentLog.open(directory, options);
    try {
      await log.append(payloadsFor(0, 60));
      const segments = log.segments();
      expect(segments.length).toBeGreaterThan(4);
      const third = segments[2]!;
      // A sequence inside the third segment: the first two go, the third stays whole.
      const cut = third.baseSequence + 1;
      expect(await log.dropSegmentsBefore(cut)).toBe(2);
      expect(log.firstSequence).toBe(third.baseSequence);
      expect(log.segments()).toEqual(segments.slice(2));
      const names = (base: number) => [`${String(base).padStart(20, '0')}.seg`, `${String(base).padStart(20, '0')}.idx`];
      const remaining = [...listFiles(directory, '.seg'), ...listFiles(directory, '.idx')];
      for (const gone of segments.slice(0, 2)) for (const name of names(gone.baseSequence)) expect(remaining).not.toContain(name);
      expect(remaining).toContain(names(third.baseSequence)[0]);

      const below = await readError(log.read(third.baseSequence - 1));
      expect(below.sqlstate).toBe('22023');
      expect(below.message).toMatch(/below the first retained sequence/);
      const records = await log.read(third.baseSequence, { recordsMax: 1000 });
      expect(records[0]?.sequence).toBe(third.baseSequence);
      for (const record of records) expect(sameBytes(record.payload, payloadForSequence(record.sequence))).toBe(true);
    } finally {
      await log.close();
    }
  });

  it('never drops the active segment, even past the end of the log', async () => {
    const log = await SegmentLog.open(directory, options);
    try {
      await log.append(payloadsFor(0, 40));
      const active = log.segments().at(-1)!;
      const dropped = await log.dropSegmentsBefore(1_000_000);
      expect(dropped).toBeGreaterThan(0);
      expect(log.segments()).toEqual([active]);
      expect(log.firstSequence).toBe(active.baseSequence);
      expect(await log.append(payloadsFor(40, 1))).toEqual({ firstSequence: 40, count: 1 });
      expect(await log.dropSegmentsBefore(0)).toBe(0);
    } finally {
      await log.close();
    }
  });

  it('keeps the retained range across a reopen', async () => {
    const log = await SegmentLog.open(directory, options);
    await log.append(payloadsFor(0, 50));
    await log.dropSegmentsBefore(25);
    const first = log.firstSequence;
    await log.close();
    const reopened = await SegmentLog.open(path.resolve(directory), options);
    try {
      expect(reopened.firstSequence).toBe(first);
      expect(reopened.nextSequence).toBe(50);
      expect((await readError(reopened.read(first - 1))).sqlstate).toBe('22023');
      expect((await reopened.read(first, { recordsMax: 1 }))[0]?.sequence).toBe(first);
    } finally {
      await reopened.close();
    }
  });
});
