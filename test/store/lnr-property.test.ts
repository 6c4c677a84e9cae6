/**
 * Model-based property: whatever the segment size, index interval, batch
 * shapes, seals, retention and reopen points, the log reads back exactly what
 * a plain array of appended payloads says it should.
 */
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SegmentLog, type SegmentLogOptions } from '../../store/lnr/segment-log.js';
import { makeTemporaryDirectory, removeTemporaryDirectory, sameBytes } from './lnr-fixtures.js';

type Step =
  | { readonly kind: 'append'; readonly callers: readonly (readonly number[])[] }
  | { readonly kind: 'reopen' }
  | { readonly kind: 'seal' }
  | { readonly kind: 'drop'; readonly fraction: number }
  | { readonly kind: 'read'; readonly fraction: number; readonly recordsMax: number; readonly bytesMax: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      callers: fc.array(fc.array(fc.nat({ max: 600 }), { maxLength: 8 }), { minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'seal' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      recordsMax: fc.integer({ min: 1, max: 50 }),
      bytesMax: fc.integer({ min: 1, max: 5000 }),
    }),
  },
);

const scenarioArbitrary = fc.record({
  segmentBytesMax: fc.integer({ min: 64, max: 8192 }),
  indexIntervalBytes: fc.integer({ min: 16, max: 2048 }),
  firstSequence: fc.oneof(fc.constant(0), fc.nat({ max: 1_000_000 }), fc.constant(2 ** 40 - 3)),
  steps: fc.array(stepArbitrary, { maxLength: 16 }),
});

type Scenario = typeof scenarioArbitrary extends fc.Arbitrary<infer Value> ? Value : never;

/** What the log must hold: payloads by sequence, from the first retained one. */
class LogModel {
  readonly payloads = new Map<number, Uint8Array>();
  constructor(
    public firstSequence: number,
    public nextSequence: number,
  ) {}

  payloadFor(sequence: number, size: number): Uint8Array {
    const payload = new Uint8Array(size);
    for (let at = 0; at < size; at++) payload[at] = (sequence * 31 + at * 7) & 0xff;
    return payload;
  }
}

let root: string;
let runs = 0;

beforeAll(() => {
  root = makeTemporaryDirectory();
});

afterAll(() => {
  removeTemporaryDirectory(root);
});

async function runScenario(scenario: Scenario): Promise<void> {
  const directory = path.join(root, `run-${runs++}`);
  const options: SegmentLogOptions = {
    segmentBytesMax: scenario.segmentBytesMax,
    indexIntervalBytes: scenario.indexIntervalBytes,
    firstSequence: scenario.firstSequence,
  };
  const payloadBytesMax = scenario.segmentBytesMax - 16;
  const model = new LogModel(scenario.firstSequence, scenario.firstSequence);
  let log = await SegmentLog.open(directory, options);
  try {
    for (const step of scenario.steps) {
      if (step.kind === 'reopen') {
        await log.close();
        log = await SegmentLog.open(directory, options);
        expect(log.openReport.tornTail).toBeNull();
      } else {
        await applyStep(log, model, step, payloadBytesMax);
      }
      expect(log.nextSequence).toBe(model.nextSequence);
      expect(log.firstSequence).toBe(model.firstSequence);
    }
    expectSegmentInvariants(log, scenario.segmentBytesMax);
    await expectReadsBack(log, model, model.firstSequence, Number.MAX_SAFE_INTEGER, 1000);
  } finally {
    await log.close();
  }
}

async function applyStep(log: SegmentLog, model: LogModel, step: Step, payloadBytesMax: number): Promise<void> {
  switch (step.kind) {
    case 'append': {
      let sequence = model.nextSequence;
      const appends = step.callers.map((sizes) => {
        const payloads = sizes.map((size) => model.payloadFor(sequence++, Math.min(size, payloadBytesMax)));
        return log.append(payloads);
      });
      const results = await Promise.all(appends);
      for (const [caller, result] of results.entries()) {
        expect(result).toEqual({ firstSequence: model.nextSequence, count: step.callers[caller]!.length });
        for (let at = 0; at < result.count; at++) {
          const size = Math.min(step.callers[caller]![at]!, payloadBytesMax);
          model.payloads.set(model.nextSequence, model.payloadFor(model.nextSequence, size));
          model.nextSequence++;
        }
      }
      return;
    }
    case 'seal':
      await log.seal();
      expect(log.segments().at(-1)?.lastSequence).toBeNull();
      return;
    case 'drop': {
      const sequence = model.firstSequence + Math.floor(step.fraction * (model.nextSequence - model.firstSequence + 1));
      await log.dropSegmentsBefore(sequence);
      expect(log.firstSequence).toBeLessThanOrEqual(Math.max(sequence, model.firstSequence));
      for (let dropped = model.firstSequence; dropped < log.firstSequence; dropped++) model.payloads.delete(dropped);
      model.firstSequence = log.firstSequence;
      return;
    }
    case 'read': {
      const from = model.firstSequence + Math.floor(step.fraction * (model.nextSequence - model.firstSequence));
      await expectReadsBack(log, model, from, step.bytesMax, step.recordsMax);
      return;
    }
    case 'reopen':
      throw new Error('handled by the caller');
  }
}

/** Reads from `from` to the end in calls bounded by the limits, comparing with the model. */
async function expectReadsBack(log: SegmentLog, model: LogModel, from: number, bytesMax: number, recordsMax: number): Promise<void> {
  let sequence = from;
  for (let calls = 0; sequence < model.nextSequence; calls++) {
    expect(calls).toBeLessThanOrEqual(model.nextSequence - from);
    const records = await log.read(sequence, { recordsMax, bytesMax: Math.min(bytesMax, 256 * 1024 * 1024) });
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThanOrEqual(recordsMax);
    let payloadBytes = 0;
    for (const record of records) {
      expect(record.sequence).toBe(sequence);
      expect(sameBytes(record.payload, model.payloads.get(sequence)!)).toBe(true);
      payloadBytes += record.payload.length;
      sequence++;
    }
    if (records.length > 1) expect(payloadBytes).toBeLessThanOrEqual(bytesMax);
  }
}

function expectSegmentInvariants(log: SegmentLog, segmentBytesMax: number): void {
  const segments = log.segments();
  segments.forEach((segment, at) => {
    expect(segment.bytes).toBeLessThanOrEqual(segmentBytesMax);
    expect(segment.sealed).toBe(at < segments.length - 1);
    const next = segments[at + 1];
    if (next !== undefined) {
      expect(segment.lastSequence).toBe(next.baseSequence - 1);
      expect(segment.lastSequence).not.toBeNull();
    }
  });
  expect(segments.at(-1)?.baseSequence).toBeLessThanOrEqual(log.nextSequence);
}

describe('lnr property: the log reads back what was appended', () => {
  it('holds for random batches, segment sizes, seals, retention and reopens', async () => {
    await fc.assert(fc.asyncProperty(scenarioArbitrary, runScenario), { numRuns: 100 });
  });
});
