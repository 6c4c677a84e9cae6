/**
 * Durability against a real crash: a child appends until SIGKILL; every
 * sequence it printed as acknowledged must read back with its exact payload.
 */
import { spawn } from 'node:child_process';
import { typescriptNodeArguments } from '../typescript-child.js';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SegmentLog } from '../../store/lnr/segment-log.js';
import { makeTemporaryDirectory, payloadForSequence, removeTemporaryDirectory, sameBytes } from './lnr-fixtures.js';

const testDirectory = path.dirname(fileURLToPath(import.meta.url));
const childScript = path.join(testDirectory, 'lnr-kill-child.ts');
const projectRoot = path.resolve(testDirectory, '..', '..');
const acknowledgedBeforeKill = 400;
const childTimeoutMs = 15_000;

let directory: string;

beforeEach(() => {
  directory = makeTemporaryDirectory();
});

afterEach(() => {
  removeTemporaryDirectory(directory);
});

interface ChildRun {
  readonly openedAt: number;
  readonly acknowledged: number[];
}

/** Runs the child until it has acknowledged `target` records more, then SIGKILLs it. */
function runChildUntilKilled(target: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, typescriptNodeArguments(childScript, directory), {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged: number[] = [];
    let openedAt = -1;
    let pendingLine = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), childTimeoutMs);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (pendingLine + chunk.toString()).split('\n');
      pendingLine = lines.pop() ?? '';
      for (const line of lines) {
        const [word, value] = line.split(' ');
        if (word === 'open') openedAt = Number(value);
        if (word === 'ack') acknowledged.push(Number(value));
      }
      if (acknowledged.length >= target) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' || acknowledged.length < target) {
        reject(new Error(`child ended with ${signal ?? 'no signal'} after ${acknowledged.length} acks: ${stderr}`));
      } else {
        resolve({ openedAt, acknowledged });
      }
    });
  });
}

describe('lnr durability under SIGKILL', () => {
  it('keeps every acknowledged record, across two crashes', async () => {
    const acknowledged = new Set<number>();
    let recoveredNext = 0;
    for (let crash = 0; crash < 2; crash++) {
      const run = await runChildUntilKilled(acknowledgedBeforeKill);
      // The child continues exactly where recovery left the log.
      expect(run.openedAt).toBe(recoveredNext);
      for (const sequence of run.acknowledged) acknowledged.add(sequence);
      const log = await SegmentLog.open(directory, { segmentBytesMax: 16 * 1024, indexIntervalBytes: 512 });
      try {
        const acknowledgedMax = Math.max(...acknowledged);
        expect(log.nextSequence).toBeGreaterThan(acknowledgedMax);
        expect(log.segments().length).toBeGreaterThan(1);
        // Everything in the log, acknowledged or not, must be the payload of its sequence.
        let readBack = 0;
        for (let sequence = 0; sequence < log.nextSequence; ) {
          const records = await log.read(sequence, { recordsMax: 4096 });
          for (const record of records) {
            expect(record.sequence).toBe(sequence);
            expect(sameBytes(record.payload, payloadForSequence(sequence))).toBe(true);
            if (acknowledged.has(sequence)) readBack++;
            sequence++;
          }
        }
        expect(readBack).toBe(acknowledged.size);
        recoveredNext = log.nextSequence;
      } finally {
        await log.close();
      }
    }
  });
});
