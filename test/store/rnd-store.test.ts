import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wordBytesMax } from '../../common/limits.js';
import { sortKeyBytes, wordAddress, type KeyValue, type WordAddress } from '../../store/key.js';
import { LocalMemory, rndStoreFileName } from '../../store/local-memory.js';
import type { ScanCursor, ScanPage, SortKeyRangeScan } from '../../store/memory.js';
import { RndStore } from '../../store/rnd-store.js';
import { sqlstateOf, temporaryDirectoryPerTest } from './helpers.js';

function address(primaryKey: KeyValue, sortKey?: KeyValue, resource = 'users', account = 'acme'): WordAddress {
  return wordAddress({ account, resource, resourceType: 'rnd', primaryKey, sortKey });
}

const bytes = (text: string) => Buffer.from(text);

describe('rnd store words', () => {
  const directory = temporaryDirectoryPerTest('rnd');
  const open = () => LocalMemory.open(directory());

  it('loads what was written, and nothing where nothing was', async () => {
    const memory = open();
    expect(await memory.load(address('alice'))).toBeUndefined();
    await memory.write(address('alice'), bytes('v1'));
    const word = await memory.load(address('alice'));
    expect(word?.value.toString()).toBe('v1');
    expect(word?.version).toBe(1);
    await memory.write(address('alice'), bytes('v2'));
    expect((await memory.load(address('alice')))?.version).toBe(2);
    await memory.close();
  });

  it('keeps words of different sort keys, resources and accounts apart', async () => {
    const memory = open();
    await memory.write(address('alice', 1n), bytes('one'));
    await memory.write(address('alice'), bytes('none'));
    await memory.write(address('alice', undefined, 'other'), bytes('other'));
    await memory.write(address('alice', undefined, 'users', 'globex'), bytes('globex'));
    expect((await memory.load(address('alice', 1n)))?.value.toString()).toBe('one');
    expect((await memory.load(address('alice')))?.value.toString()).toBe('none');
    expect((await memory.load(address('alice', undefined, 'other')))?.value.toString()).toBe('other');
    expect((await memory.load(address('alice', undefined, 'users', 'globex')))?.value.toString()).toBe('globex');
    expect(await memory.load(address('alice', 2n))).toBeUndefined();
    await memory.close();
  });

  it('takes a word of exactly 4096 bytes and refuses 4097 with 54000, writing nothing', async () => {
    const memory = open();
    await memory.write(address('max'), Buffer.alloc(wordBytesMax, 7));
    expect((await memory.load(address('max')))?.value.length).toBe(wordBytesMax);
    const tooBig = Buffer.alloc(wordBytesMax + 1);
    expect(await sqlstateOf(() => memory.write(address('big'), tooBig))).toBe('54000');
    await expect(memory.write(address('big'), tooBig)).rejects.toThrow(/4097 bytes exceeds the limit of 4096 bytes/);
    expect(await sqlstateOf(() => memory.cas(address('big'), null, tooBig))).toBe('54000');
    expect(await memory.load(address('big'))).toBeUndefined();
    await memory.close();
  });

  it('compares a word with a value, null meaning absent', async () => {
    const memory = open();
    expect(await memory.compare(address('c'), null)).toBe(true);
    await memory.write(address('c'), bytes('x'));
    expect(await memory.compare(address('c'), bytes('x'))).toBe(true);
    expect(await memory.compare(address('c'), bytes('y'))).toBe(false);
    expect(await memory.compare(address('c'), null)).toBe(false);
    await memory.close();
  });

  it('compare-and-swaps: applied, or the current value', async () => {
    const memory = open();
    expect(await memory.cas(address('k'), null, bytes('a'))).toEqual({ applied: true });
    expect(await memory.cas(address('k'), null, bytes('b'))).toEqual({ applied: false, current: bytes('a') });
    expect(await memory.cas(address('k'), bytes('z'), bytes('b'))).toEqual({ applied: false, current: bytes('a') });
    expect(await memory.cas(address('k'), bytes('a'), bytes('b'))).toEqual({ applied: true });
    expect((await memory.load(address('k')))?.value.toString()).toBe('b');
    // CAS to null deletes; CAS from null then recreates on the tombstone.
    expect(await memory.cas(address('k'), bytes('b'), null)).toEqual({ applied: true });
    expect(await memory.load(address('k'))).toBeUndefined();
    expect(await memory.cas(address('k'), bytes('b'), bytes('c'))).toEqual({ applied: false, current: null });
    expect(await memory.cas(address('k'), null, bytes('c'))).toEqual({ applied: true });
    await memory.close();
  });

  it('deletes with a tombstone and says whether there was a word', async () => {
    const memory = open();
    await memory.write(address('d'), bytes('x'));
    expect(await memory.delete(address('d'))).toBe(true);
    expect(await memory.delete(address('d'))).toBe(false);
    expect(await memory.delete(address('never'))).toBe(false);
    expect(await memory.load(address('d'))).toBeUndefined();
    await memory.write(address('d'), bytes('again'));
    expect((await memory.load(address('d')))?.version).toBe(3);
    await memory.close();
  });

  it('counts its live words through writes, deletes and COMPARE&SWAPs in one group commit, and after reopening', async () => {
    const memory = open();
    const store = memory.store;
    expect(store.countWords()).toBe(0);
    // One tick: these share a commit, several on the same word.
    await Promise.all([
      memory.write(address('a'), bytes('1')),
      memory.write(address('a'), bytes('2')),
      memory.write(address('b'), bytes('1')),
      memory.delete(address('b')),
      memory.cas(address('c'), null, bytes('1')),
      memory.cas(address('c'), null, bytes('2')), // fails: c exists by then
      memory.delete(address('never')),
    ]);
    expect(store.countWords()).toBe(2);
    await memory.cas(address('a'), bytes('2'), null);
    await memory.write(address('b'), bytes('back'));
    expect(store.countWords()).toBe(2);
    await memory.close();
    const reopened = open();
    expect(reopened.store.countWords()).toBe(2);
    await reopened.delete(address('c'));
    expect(reopened.store.countWords()).toBe(1);
    await reopened.close();
  });

  it('builds an atomic counter from LOAD and COMPARE&SWAP under 50 concurrent incrementers', async () => {
    const memory = open();
    const counter = address('counter');
    const increment = async () => {
      for (let attempt = 0; attempt < 1000; attempt++) {
        const current = (await memory.load(counter))?.value ?? null;
        const next = Buffer.from(String(Number(current?.toString() ?? '0') + 1));
        if ((await memory.cas(counter, current, next)).applied) return attempt;
      }
      throw new Error('counter increment did not converge');
    };
    const attempts = await Promise.all(Array.from({ length: 50 }, increment));
    expect((await memory.load(counter))?.value.toString()).toBe('50');
    expect(attempts.some((retries) => retries > 0)).toBe(true);
    await memory.close();
  });
});

describe('rnd store scans', () => {
  const directory = temporaryDirectoryPerTest('rnd-scan');

  async function eventsMemory(): Promise<LocalMemory> {
    const memory = LocalMemory.open(directory());
    await Promise.all(
      [-5n, -1n, 0n, 1n, 2n, 3n, 10n].map((ts) => memory.write(address('alice', ts, 'events'), bytes(`a${ts}`))),
    );
    await memory.write(address('bob', 0n, 'events'), bytes('b0'));
    await memory.delete(address('alice', 2n, 'events'));
    return memory;
  }

  const range = (extra: Partial<SortKeyRangeScan>): SortKeyRangeScan => ({
    kind: 'sortKeyRange',
    address: address('alice', undefined, 'events'),
    limit: 100,
    ...extra,
  });
  const bound = (value: bigint, inclusive: boolean) => ({ bytes: sortKeyBytes(value), inclusive });
  const texts = (page: { words: readonly { value: Buffer }[] }) => page.words.map((word) => word.value.toString());

  it('scans the sort keys of one pointer in order, skipping tombstones and other pointers', async () => {
    const memory = await eventsMemory();
    expect(texts(await memory.scan(range({})))).toEqual(['a-5', 'a-1', 'a0', 'a1', 'a3', 'a10']);
    expect(texts(await memory.scan(range({ reverse: true })))).toEqual(['a10', 'a3', 'a1', 'a0', 'a-1', 'a-5']);
    await memory.close();
  });

  it('honours inclusive and exclusive bounds, limits and direction', async () => {
    const memory = await eventsMemory();
    expect(texts(await memory.scan(range({ lower: bound(-1n, true), upper: bound(3n, true) })))).toEqual(['a-1', 'a0', 'a1', 'a3']);
    expect(texts(await memory.scan(range({ lower: bound(-1n, false), upper: bound(3n, false) })))).toEqual(['a0', 'a1']);
    expect(texts(await memory.scan(range({ lower: bound(0n, true), limit: 2 })))).toEqual(['a0', 'a1']);
    expect(texts(await memory.scan(range({ upper: bound(1n, true), reverse: true, limit: 2 })))).toEqual(['a1', 'a0']);
    const word = (await memory.scan(range({ lower: bound(10n, true) }))).words[0]!;
    expect(word.address.sortKey?.text).toBe('10');
    expect(word.address.primaryKey).toBe('alice');
    expect(await sqlstateOf(() => memory.scan(range({ limit: 0 })))).toBe('22023');
    await memory.close();
  });

  it('continues a sort-key scan from its cursor in both directions', async () => {
    const memory = await eventsMemory();
    for (const reverse of [false, true]) {
      const seen: string[] = [];
      let after: ScanCursor | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await memory.scan(range({ reverse, limit: 4, after }));
        seen.push(...texts(result));
        after = result.next;
        if (!after) break;
      }
      const expected = ['a-5', 'a-1', 'a0', 'a1', 'a3', 'a10'];
      expect(seen).toEqual(reverse ? expected.reverse() : expected);
    }
    await memory.close();
  });

  it('scans a whole resource page by page, every live word exactly once', async () => {
    const memory = LocalMemory.open(directory());
    const written = new Set<string>();
    await Promise.all(
      Array.from({ length: 250 }, (_, index) => {
        written.add(`row${index}`);
        return memory.write(address(`pk${index % 83}`, BigInt(index), 'orders'), bytes(`row${index}`));
      }),
    );
    await memory.write(address('pk1', undefined, 'users'), bytes('not an order'));
    await memory.write(address('pk1', 0n, 'orders', 'globex'), bytes('not acme'));
    await memory.delete(address('pk0', 0n, 'orders'));
    written.delete('row0');
    const seen: string[] = [];
    let after: ScanCursor | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await memory.scan({ kind: 'resource', account: 'acme', resource: 'orders', resourceType: 'rnd', limit: 7, after });
      expect(result.words.length).toBeLessThanOrEqual(7);
      seen.push(...texts(result));
      after = result.next;
      if (!after) break;
    }
    expect(seen.length).toBe(written.size);
    expect(new Set(seen)).toEqual(written);
    await memory.close();
  });
});

describe('rnd store durability and integrity', () => {
  const directory = temporaryDirectoryPerTest('rnd-durable');
  const file = () => join(directory(), rndStoreFileName);

  it('runs WAL, and acknowledges a write only after an fdatasync of the WAL that follows its commit', async () => {
    const store = RndStore.open(file());
    // NORMAL: the commit itself does not sync; the store syncs the WAL before answering.
    expect(store.durabilitySettings()).toEqual({ journalMode: 'wal', synchronous: 'normal' });
    const syncsWhenAnswered = store.write(address('synced'), bytes('v')).then(() => store.stats.syncs);
    expect(store.stats.syncs).toBe(0);
    expect(await syncsWhenAnswered).toBe(1);
    expect(store.stats).toMatchObject({ transactions: 1, operations: 1, syncs: 1 });
    await store.close();
  });

  it('group-commits concurrent writes into few transactions, all durable', async () => {
    const memory = LocalMemory.open(directory());
    const before = { ...memory.store.stats };
    await Promise.all(Array.from({ length: 32 }, (_, index) => memory.write(address(`g${index}`), bytes(`v${index}`))));
    expect(memory.store.stats.operations - before.operations).toBe(32);
    expect(memory.store.stats.transactions - before.transactions).toBe(1);
    await memory.close();
    const reopened = LocalMemory.open(directory());
    for (let index = 0; index < 32; index++) {
      expect((await reopened.load(address(`g${index}`)))?.value.toString()).toBe(`v${index}`);
    }
    await reopened.close();
  });

  it('refuses a second opener of the same data with 55006', async () => {
    const memory = LocalMemory.open(directory());
    await memory.write(address('x'), bytes('held'));
    expect(await sqlstateOf(() => RndStore.open(file()))).toBe('55006');
    await memory.close();
  });

  it('detects a corrupted word by its checksum (XX001)', async () => {
    const memory = LocalMemory.open(directory());
    await memory.write(address('victim'), bytes('precious'));
    await memory.write(address('bystander'), bytes('fine'));
    await memory.close();
    const db = new Database(file());
    db.prepare("UPDATE words SET value = ? WHERE primary_key = 'victim'").run(bytes('tampered'));
    db.close();
    const reopened = LocalMemory.open(directory());
    expect(await sqlstateOf(() => reopened.load(address('victim')))).toBe('XX001');
    expect(await sqlstateOf(() => reopened.cas(address('victim'), null, bytes('x')))).toBe('XX001');
    expect((await reopened.load(address('bystander')))?.value.toString()).toBe('fine');
    await reopened.close();
  });

  it('refuses a database of another schema version', async () => {
    await LocalMemory.open(directory()).close();
    const db = new Database(file());
    db.pragma('user_version = 99');
    db.close();
    await expect(async () => RndStore.open(file())).rejects.toThrow(/schema version 99/);
  });

  it('refuses operations after close', async () => {
    const memory = LocalMemory.open(directory());
    await memory.close();
    expect(await sqlstateOf(() => memory.load(address('x')))).toBe('55000');
    expect(await sqlstateOf(() => memory.write(address('x'), bytes('y')))).toBe('55000');
  });
});

describe('rnd store against a model', () => {
  const directory = temporaryDirectoryPerTest('rnd-model');

  it('agrees with a map under random operations, across reopen', async () => {
    const keyIndex = fc.integer({ min: 0, max: 5 });
    const value = fc.option(fc.uint8Array({ maxLength: 16 }), { nil: null });
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), key: keyIndex, value: fc.uint8Array({ maxLength: 16 }) }),
      fc.record({ kind: fc.constant('cas' as const), key: keyIndex, expected: value, next: value }),
      fc.record({ kind: fc.constant('delete' as const), key: keyIndex }),
      fc.record({ kind: fc.constant('reopen' as const) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 30 }), async (operations) => {
        const resource = `model${run++}`;
        const keyOf = (index: number) => address(`k${index}`, undefined, resource);
        const model = new Map<number, Buffer>();
        let memory = LocalMemory.open(directory());
        for (const op of operations) {
          if (op.kind === 'reopen') {
            await memory.close();
            memory = LocalMemory.open(directory());
          } else if (op.kind === 'write') {
            await memory.write(keyOf(op.key), op.value);
            model.set(op.key, Buffer.from(op.value));
          } else if (op.kind === 'delete') {
            expect(await memory.delete(keyOf(op.key))).toBe(model.delete(op.key));
          } else {
            const current = model.get(op.key) ?? null;
            const matches = op.expected === null ? current === null : current !== null && current.equals(op.expected);
            const result = await memory.cas(keyOf(op.key), op.expected, op.next);
            expect(result.applied).toBe(matches);
            if (!result.applied) expect(result.current).toEqual(current);
            if (matches) op.next === null ? model.delete(op.key) : model.set(op.key, Buffer.from(op.next));
          }
        }
        for (let index = 0; index <= 5; index++) {
          expect((await memory.load(keyOf(index)))?.value ?? null).toEqual(model.get(index) ?? null);
        }
        await memory.close();
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * Writes are decided when submitted and acknowledged when synced; reads see them meanwhile
 * (store/rnd-store.ts). These tests look inside that window: before the batch commits, after
 * it commits and before its sync, and after.
 */
describe('rnd store writes in flight', () => {
  const directory = temporaryDirectoryPerTest('rnd-in-flight');
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('lets racers for one slot learn at once who won, so all of them claim a slot in one commit', async () => {
    const memory = LocalMemory.open(directory());
    const before = { ...memory.store.stats };
    const claim = async (racer: number): Promise<number> => {
      for (let slot = 0; ; slot++) {
        const result = await memory.cas(address('slots', BigInt(slot)), null, bytes(`racer${racer}`));
        if (result.applied) return slot;
        expect(result.current).not.toBeNull(); // lost to a write still in flight, and told its value
      }
    };
    const slots = await Promise.all(Array.from({ length: 8 }, (_, racer) => claim(racer)));
    expect([...slots].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(memory.store.stats.transactions - before.transactions).toBe(1);
    expect(memory.store.stats.syncs - before.syncs).toBe(1);
    await memory.close();
  });

  it('holds durable() back only for a caller that saw a value not yet synced', async () => {
    const memory = LocalMemory.open(directory());
    const write = memory.write(address('pending'), bytes('v'));
    // Nothing read from the batch yet: nothing to wait for.
    await memory.durable();
    expect(memory.store.stats.syncs).toBe(0);
    expect((await memory.load(address('pending')))?.value.toString()).toBe('v');
    await memory.durable();
    expect(memory.store.stats.syncs).toBe(1);
    await write;
    await memory.close();
  });

  it('makes a session wait only for what it was shown itself', async () => {
    const memory = LocalMemory.open(directory());
    const [reader, bystander] = [memory.session(), memory.session()];
    const write = memory.write(address('seen'), bytes('v'));
    expect((await reader.load(address('seen')))?.value.toString()).toBe('v');
    expect(await bystander.load(address('other'))).toBeUndefined();
    await bystander.durable();
    expect(memory.store.stats.syncs).toBe(0);
    await reader.durable();
    expect(memory.store.stats.syncs).toBe(1);
    await write;
    await memory.close();
  });

  it('counts a value committed but not yet synced as not durable', async () => {
    const memory = LocalMemory.open(directory());
    const write = memory.write(address('committed'), bytes('v'));
    await nextTurn(); // the batch commits in this turn, before us; its fdatasync is then in flight
    expect(memory.store.stats).toMatchObject({ transactions: 1, syncs: 0 });
    const seen = await memory.scan({ kind: 'sortKeyRange', address: address('committed'), limit: 5 });
    expect(seen.words.map((word) => word.value.toString())).toEqual(['v']);
    await memory.durable();
    expect(memory.store.stats.syncs).toBe(1);
    await write;
    await memory.close();
  });

  it('agrees with a model applied in submission order, reads and scans included, and keeps it across reopen', async () => {
    const slot = fc.integer({ min: 0, max: 7 });
    const value = fc.option(fc.uint8Array({ minLength: 1, maxLength: 6 }), { nil: null });
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), slot, value: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
      fc.record({ kind: fc.constant('cas' as const), slot, expected: value, next: value }),
      fc.record({ kind: fc.constant('delete' as const), slot }),
      fc.record({ kind: fc.constant('load' as const), slot }),
      fc.record({ kind: fc.constant('scan' as const), limit: fc.integer({ min: 1, max: 4 }), reverse: fc.boolean() }),
      fc.record({ kind: fc.constant('resourceScan' as const), limit: fc.integer({ min: 1, max: 4 }) }),
      fc.constantFrom({ kind: 'turn' as const }, { kind: 'settle' as const }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 40 }), async (operations) => {
        const resource = `flight${run++}`;
        const at = (index: number) => address('p', BigInt(index), resource);
        const model = new Map<number, Buffer>();
        const modelWords = (reverse: boolean) => [...model.entries()].sort(([a], [b]) => (reverse ? b - a : a - b)).map(([, v]) => v.toString('hex'));
        const hex = (page: ScanPage) => page.words.map((word) => word.value.toString('hex'));
        const memory = LocalMemory.open(directory());
        const inFlight: Promise<unknown>[] = [];
        for (const op of operations) {
          if (op.kind === 'write') {
            inFlight.push(memory.write(at(op.slot), op.value));
            model.set(op.slot, Buffer.from(op.value));
          } else if (op.kind === 'delete') {
            const existed = model.delete(op.slot);
            inFlight.push(memory.delete(at(op.slot)).then((result) => expect(result).toBe(existed)));
          } else if (op.kind === 'cas') {
            const current = model.get(op.slot) ?? null;
            const matches = op.expected === null ? current === null : current !== null && current.equals(op.expected);
            if (matches) op.next === null ? model.delete(op.slot) : model.set(op.slot, Buffer.from(op.next));
            inFlight.push(
              memory.cas(at(op.slot), op.expected, op.next).then((result) => {
                expect(result.applied).toBe(matches);
                if (!result.applied) expect(result.current).toEqual(current);
              }),
            );
          } else if (op.kind === 'load') {
            expect((await memory.load(at(op.slot)))?.value ?? null).toEqual(model.get(op.slot) ?? null);
          } else if (op.kind === 'scan' || op.kind === 'resourceScan') {
            const seen: string[] = [];
            let after: ScanCursor | undefined;
            for (let page = 0; page < 20; page++) {
              const result = await memory.scan(
                op.kind === 'scan'
                  ? { kind: 'sortKeyRange', address: at(0), limit: op.limit, reverse: op.reverse, after }
                  : { kind: 'resource', account: 'acme', resource, resourceType: 'rnd', limit: op.limit, after },
              );
              expect(result.words.length).toBeLessThanOrEqual(op.limit);
              seen.push(...hex(result));
              after = result.next;
              if (!after) break;
            }
            expect(seen).toEqual(modelWords(op.kind === 'scan' && op.reverse));
          } else if (op.kind === 'turn') {
            await nextTurn();
          } else {
            await Promise.all(inFlight.splice(0));
          }
        }
        await Promise.all(inFlight);
        await memory.close();
        const reopened = LocalMemory.open(directory());
        const stored = await reopened.scan({ kind: 'sortKeyRange', address: at(0), limit: 100 });
        expect(hex(stored)).toEqual(modelWords(false));
        await reopened.close();
      }),
      { numRuns: 150 },
    );
  });
});
