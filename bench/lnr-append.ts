/**
 * lnr append throughput against the disk's own sequential write speed.
 *
 *   npm run bench:lnr      (BENCH_MB=256 and BENCH_ROUNDS=3 by default)
 *
 * lnr: 1 KiB records, appended 1024 at a time, each append its own durable
 * write (O_DSYNC: one per MiB of payload). The producer keeps two appends in
 * flight, as a queue with more than one client does: the log encodes the next
 * MiB while the disk syncs the last one. Baselines, same total size,
 * same 1 MiB chunks: a plain file with one fsync at the end (the disk's
 * streaming speed) and with an fsync after every chunk (the cost of making
 * every MiB durable, which is what lnr promises).
 *
 * Each measurement runs BENCH_ROUNDS times (default 3), interleaved so that
 * drifts of the disk or the page cache hit all three alike; the median of each
 * is reported.
 */
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { recordBytes } from '../store/lnr/record-format.js';
import { SegmentLog } from '../store/lnr/segment-log.js';
import { writeSequentialFile } from './measure.js';

const mebibyte = 1024 * 1024;
const recordPayloadBytes = 1024;
const recordsPerAppend = mebibyte / recordPayloadBytes;
const totalMebibytes = Number(process.env.BENCH_MB ?? 256);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
for (const [name, value] of [['BENCH_MB', totalMebibytes], ['BENCH_ROUNDS', rounds]] as const) {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name}=${value} is not a positive integer`);
}

/** MiB/s of one run. */
async function measure(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return totalMebibytes / ((performance.now() - started) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function report(label: string, samples: number[]): number {
  const middle = median(samples);
  const runs = samples.map((sample) => sample.toFixed(0)).join(', ');
  console.log(`${label.padEnd(46)} ${middle.toFixed(1).padStart(8)} MiB/s  (runs: ${runs})`);
  return middle;
}

async function appendToLog(directory: string, payloads: Uint8Array[]): Promise<void> {
  // One append per batch, so every MiB is made durable on its own even with two in flight.
  const log = await SegmentLog.open(directory, { batchBytesMax: recordsPerAppend * recordBytes(recordPayloadBytes) });
  try {
    let inFlight: Promise<unknown> = Promise.resolve();
    for (let append = 0; append < totalMebibytes; append++) {
      const appended = log.append(payloads);
      await inFlight;
      inFlight = appended;
    }
    await inFlight;
  } finally {
    await log.close();
  }
}

async function main(): Promise<void> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'dmachine-lnr-bench-'));
  try {
    console.log(
      `lnr append benchmark: ${totalMebibytes} MiB x ${rounds} rounds, ${recordPayloadBytes}-byte records, ` +
        `${recordsPerAppend} per durable append, in ${directory}`,
    );
    const payloads = Array.from({ length: recordsPerAppend }, () => randomFillSync(new Uint8Array(recordPayloadBytes)));
    const plainFile = path.join(directory, 'baseline');
    const logDirectory = path.join(directory, 'log');
    const samples = { oneFsync: [] as number[], fsyncPerChunk: [] as number[], lnr: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      samples.oneFsync.push(await measure(() => writeSequentialFile(plainFile, totalMebibytes, false)));
      fs.rmSync(plainFile);
      samples.fsyncPerChunk.push(await measure(() => writeSequentialFile(plainFile, totalMebibytes, true)));
      fs.rmSync(plainFile);
      samples.lnr.push(await measure(() => appendToLog(logDirectory, payloads)));
      fs.rmSync(logDirectory, { recursive: true });
    }
    const oneFsync = report('baseline: 1 MiB writes, one fsync at the end', samples.oneFsync);
    const fsyncPerChunk = report('baseline: 1 MiB writes, fsync per MiB', samples.fsyncPerChunk);
    const lnr = report('lnr: appends of 1024 x 1 KiB, each durable', samples.lnr);
    console.log(`ratio lnr / one-fsync baseline:     ${(lnr / oneFsync).toFixed(2)}`);
    console.log(`ratio lnr / fsync-per-MiB baseline: ${(lnr / fsyncPerChunk).toFixed(2)}`);
    console.log('(lnr counts payload bytes; each record adds a 16-byte header, 1.6% more on disk)');
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

await main();
