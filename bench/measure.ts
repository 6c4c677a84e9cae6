/**
 * Small helpers shared by the benchmarks: rates measured over a fixed time, best
 * of a few rounds (the machine is noisy; the best round is the least disturbed).
 */
import { randomFillSync } from 'node:crypto';
import { promises as fsPromises } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const roundsDefault = 3;

/** Calls `batch` (which does `perBatch` operations) for `seconds`; returns operations per second. */
export function syncRate(batch: () => void, perBatch: number, seconds: number): number {
  const started = performance.now();
  let operations = 0;
  while (performance.now() - started < seconds * 1000) {
    batch();
    operations += perBatch;
  }
  return operations / ((performance.now() - started) / 1000);
}

export async function asyncRate(batch: () => Promise<void>, perBatch: number, seconds: number): Promise<number> {
  const started = performance.now();
  let operations = 0;
  while (performance.now() - started < seconds * 1000) {
    await batch();
    operations += perBatch;
  }
  return operations / ((performance.now() - started) / 1000);
}

export async function bestOf(rounds: number, measure: () => number | Promise<number>): Promise<number> {
  let best = 0;
  for (let round = 0; round < rounds; round++) best = Math.max(best, await measure());
  return best;
}

export function formatRate(rate: number): string {
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M/s` : rate >= 1e3 ? `${(rate / 1e3).toFixed(1)} k/s` : `${rate.toFixed(0)} /s`;
}

export function printRow(label: string, value: string, note = ''): void {
  process.stdout.write(`${label.padEnd(44)} ${value.padStart(14)}  ${note}\n`);
}

const mebibyte = 1024 * 1024;

/**
 * The disk's sequential write baseline: `mebibytes` MiB of random bytes written to
 * `filePath` in 1 MiB chunks, with one fsync at the end, or one after every chunk.
 */
export async function writeSequentialFile(filePath: string, mebibytes: number, fsyncEveryChunk: boolean): Promise<void> {
  const chunk = randomFillSync(Buffer.allocUnsafe(mebibyte));
  const handle = await fsPromises.open(filePath, 'w');
  try {
    for (let written = 0; written < mebibytes; written++) {
      await handle.write(chunk, 0, chunk.length, written * mebibyte);
      if (fsyncEveryChunk) await handle.sync();
    }
    if (!fsyncEveryChunk) await handle.sync();
  } finally {
    await handle.close();
  }
}
