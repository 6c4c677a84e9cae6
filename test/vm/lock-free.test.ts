/**
 * The lock-free building blocks of vm/programs/, assembled from their listings
 * and run concurrently against one word.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wordAddress } from '../../store/key.js';
import { LocalMemory } from '../../store/local-memory.js';
import { execute } from '../../vm/interpreter.js';
import { prepareProgram, type PreparedProgram } from '../../vm/prepared-program.js';
import { decodeRow, encodeRow } from '../../vm/row-codec.js';
import type { SqlValue } from '../../vm/sql-values.js';
import { assemble } from '../../vm/text-format.js';
import { temporaryDirectoryPerTest } from '../store/helpers.js';

function libraryProgram(name: string): PreparedProgram {
  const path = fileURLToPath(new URL(`../../vm/programs/${name}.dmasm`, import.meta.url));
  return prepareProgram(assemble(readFileSync(path, 'utf8')));
}

const directory = temporaryDirectoryPerTest('lock-free');
let memory: LocalMemory;
beforeEach(() => {
  memory = LocalMemory.open(directory());
});
afterEach(async () => {
  await memory.close();
});

const run = (prepared: PreparedProgram, params: SqlValue[]) => execute(prepared, { memory, account: 'acme', params });

describe('the atomic counter', () => {
  const counter = libraryProgram('atomic-counter');
  const address = wordAddress({ account: 'acme', resource: 'counters', resourceType: 'rnd', primaryKey: 'hits' });

  it('ends at exactly 50 after 50 concurrent increments of one word', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => run(counter, ['hits'])));
    const word = await memory.load(address);
    expect(decodeRow(word!.value, 2)).toEqual(['hits', 50n]);
    expect(results.every((result) => result.rowCount === 1)).toBe(true);
    const conflicts = results.reduce((sum, result) => sum + result.stats.memory.compareAndSwapConflicts, 0);
    const swaps = results.reduce((sum, result) => sum + result.stats.memory.compareAndSwaps, 0);
    expect(swaps).toBe(50 + conflicts); // every conflict is one retry of the loop
    expect(conflicts).toBeGreaterThan(0); // they really raced
  });

  it('keeps counters of different keys apart', async () => {
    await Promise.all([run(counter, ['a']), run(counter, ['b']), run(counter, ['a'])]);
    const value = async (key: string) =>
      decodeRow((await memory.load(wordAddress({ account: 'acme', resource: 'counters', resourceType: 'rnd', primaryKey: key })))!.value, 2)[1];
    expect(await value('a')).toBe(2n);
    expect(await value('b')).toBe(1n);
  });
});

describe('the conditional update', () => {
  const update = libraryProgram('conditional-update');
  const alice = wordAddress({ account: 'acme', resource: 'accounts', resourceType: 'rnd', primaryKey: 'alice' });
  const balance = async () => decodeRow((await memory.load(alice))!.value, 2)[1];

  it('applies when the field matches and reports it', async () => {
    await memory.write(alice, encodeRow(['alice', 100n]));
    const result = await run(update, ['alice', 100n, 90n]);
    expect(result.rows).toEqual([[true]]);
    expect(result.rowCount).toBe(1);
    expect(await balance()).toBe(90n);
  });

  it('does not apply when the field differs or the row is missing, and changes nothing', async () => {
    await memory.write(alice, encodeRow(['alice', 100n]));
    const mismatch = await run(update, ['alice', 50n, 0n]);
    expect(mismatch.rows).toEqual([[false]]);
    expect(mismatch.rowCount).toBe(0);
    expect(await balance()).toBe(100n);
    expect((await run(update, ['nobody', 100n, 0n])).rows).toEqual([[false]]);
  });

  it('applies exactly once among 20 concurrent updates from the same expected value', async () => {
    await memory.write(alice, encodeRow(['alice', 100n]));
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => run(update, ['alice', 100n, BigInt(index)])));
    const winners = results.flatMap((result, index) => (result.rows[0]![0] === true ? [index] : []));
    expect(winners).toHaveLength(1);
    expect(await balance()).toBe(BigInt(winners[0]!));
  });
});
