/**
 * Child of the rnd SIGKILL test: writes words with 8 concurrent writers and prints
 * `ack N` for each write as soon as it is acknowledged. The parent kills it
 * mid-stream. Bounded so a forgotten child ends by itself.
 */
import { wordAddress } from '../../store/key.js';
import { LocalMemory } from '../../store/local-memory.js';
import { killTestValue } from './rnd-kill-value.js';

const directory = process.argv[2]!;
const writesMax = 200_000;
const memory = LocalMemory.open(directory);
let nextIndex = 0;

async function writer(): Promise<void> {
  while (nextIndex < writesMax) {
    const index = nextIndex++;
    const address = wordAddress({ account: 'acme', resource: 'kill', resourceType: 'rnd', primaryKey: BigInt(index) });
    await memory.write(address, killTestValue(index));
    // stdout to a pipe is synchronous on Linux: once the parent reads this line, the write was acknowledged.
    process.stdout.write(`ack ${index}\n`);
  }
}

await Promise.all(Array.from({ length: 8 }, writer));
await memory.close();
