/**
 * Child process of lnr-kill.test.ts: appends to the log in `argv[2]` until it
 * is killed, printing each sequence once its append is acknowledged (durable).
 * Pipes to a parent are written synchronously on Linux, so a printed sequence
 * was acknowledged before the next append began.
 */
import { SegmentLog } from '../../store/lnr/segment-log.js';
import { payloadsFor } from './lnr-fixtures.js';

const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: lnr-kill-child.ts <log directory>');

const log = await SegmentLog.open(directory, { segmentBytesMax: 16 * 1024, indexIntervalBytes: 512 });
let nextSequence = log.nextSequence;
process.stdout.write(`open ${nextSequence}\n`);

const roundsMax = 1_000_000;
const callersPerRound = 4;
for (let round = 0; round < roundsMax; round++) {
  const appends: Promise<void>[] = [];
  for (let caller = 0; caller < callersPerRound; caller++) {
    const firstSequence = nextSequence;
    const count = 1 + ((round + caller) % 5);
    nextSequence += count;
    appends.push(acknowledge(firstSequence, count));
  }
  await Promise.all(appends);
}

async function acknowledge(firstSequence: number, count: number): Promise<void> {
  const result = await log.append(payloadsFor(firstSequence, count));
  if (result.firstSequence !== firstSequence || result.count !== count) {
    process.stderr.write(`expected ${firstSequence}+${count}, got ${result.firstSequence}+${result.count}\n`);
    process.exit(2);
  }
  let lines = '';
  for (let at = 0; at < count; at++) lines += `ack ${firstSequence + at}\n`;
  process.stdout.write(lines);
}
