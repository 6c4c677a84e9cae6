/**
 * rnd store throughput: durable writes per second with 1 writer and with 32
 * concurrent writers (group commit), and loads per second. The baseline, measured
 * in the same run on the same disk, is raw durable appends: a 4 KiB write plus
 * fdatasync of the same block, one at a time — what one durable write costs at best without
 * batching.
 *
 *   npm run bench:rnd      (BENCH_SECONDS=2 per measurement by default)
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wordAddress, type WordAddress } from '../store/key.js';
import { LocalMemory } from '../store/local-memory.js';
import { asyncRate, formatRate, printRow, syncRate } from './measure.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const valueBytes = 256;
const keyCount = 10_000;
const directory = mkdtempSync(join(tmpdir(), 'dmachine-bench-rnd-'));

function rawDurableAppendRate(): number {
  const descriptor = openSync(join(directory, 'baseline.bin'), 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    return syncRate(() => {
      writeSync(descriptor, block, 0, block.length, 0);
      fdatasyncSync(descriptor);
    }, 1, seconds);
  } finally {
    closeSync(descriptor);
  }
}

const addresses: WordAddress[] = Array.from({ length: keyCount }, (_, index) =>
  wordAddress({ account: 'bench', resource: 'words', resourceType: 'rnd', primaryKey: BigInt(index) }),
);
const value = Buffer.alloc(valueBytes, 7);

async function writeRate(memory: LocalMemory, writers: number): Promise<number> {
  let next = 0;
  const writeOne = () => memory.write(addresses[next++ % keyCount]!, value);
  return asyncRate(async () => {
    await Promise.all(Array.from({ length: writers }, writeOne));
  }, writers, seconds);
}

async function loadRate(memory: LocalMemory): Promise<number> {
  let next = 0;
  return asyncRate(async () => {
    for (let index = 0; index < 1000; index++) await memory.load(addresses[(next++ * 7919) % keyCount]!);
  }, 1000, seconds);
}

try {
  const baseline = rawDurableAppendRate();
  const memory = LocalMemory.open(join(directory, 'node'));
  await Promise.all(addresses.map((address) => memory.write(address, value)));
  const single = await writeRate(memory, 1);
  const concurrent = await writeRate(memory, 32);
  const loads = await loadRate(memory);
  const { transactions, operations } = memory.store.stats;
  await memory.close();

  printRow('raw 4 KiB write + fdatasync (baseline)', formatRate(baseline));
  printRow(`durable writes, 1 writer (${valueBytes} B words)`, formatRate(single), `ratio to baseline ${(single / baseline).toFixed(2)}`);
  printRow('durable writes, 32 concurrent writers', formatRate(concurrent), `ratio to 1 writer ${(concurrent / single).toFixed(1)}`);
  printRow('loads (1 at a time, 10k words)', formatRate(loads));
  printRow('writes per commit, whole run', (operations / transactions).toFixed(1));
} finally {
  rmSync(directory, { recursive: true, force: true });
}
