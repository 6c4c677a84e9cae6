/**
 * Placement throughput: SHA-512 of the key text plus rendezvous top-3 of 16 nodes,
 * as a ratio to bare SHA-512 hashes of the same texts measured in the same run.
 * Target: ratio >= 0.5 (placement costs at most as much as the hash itself).
 *
 *   npm run bench:placement      (BENCH_SECONDS=1 per round by default)
 */
import { createHash } from 'node:crypto';
import { Placement } from '../cluster/placement.js';
import { bestOf, formatRate, printRow, roundsDefault, syncRate } from './measure.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 1);
const keyCount = 4096;
const texts = Array.from({ length: keyCount }, (_, index) => `acme/users/rnd/user-${index * 7919}`);
const placement = new Placement(Array.from({ length: 16 }, (_, index) => ({ id: `node-${index + 1}`, weight: 1 })));
let sink = 0;

function hashAll(): void {
  for (const text of texts) sink ^= createHash('sha512').update(text, 'utf8').digest()[0]!;
}

function placeAll(): void {
  for (const text of texts) {
    const pointer = createHash('sha512').update(text, 'utf8').digest();
    sink ^= placement.replicaIndexes(pointer, 3)[0]!;
  }
}

const hashRate = await bestOf(roundsDefault, () => syncRate(hashAll, keyCount, seconds));
const placementRate = await bestOf(roundsDefault, () => syncRate(placeAll, keyCount, seconds));
const ratio = placementRate / hashRate;

printRow('bare SHA-512 hashes (baseline)', formatRate(hashRate));
printRow('placements: SHA-512 + top-3 of 16 nodes', formatRate(placementRate));
printRow('ratio placements / hashes', ratio.toFixed(2), ratio >= 0.5 ? '(target >= 0.5: met)' : '(target >= 0.5: MISSED)');
if (sink === -1) process.stdout.write('\n');
