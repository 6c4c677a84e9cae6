import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mix64, Placement, type NodeSpec } from '../../cluster/placement.js';
import { wordAddressOfText } from '../../store/key.js';
import { typescriptNodeArguments } from '../typescript-child.js';

const pointerCount = 100_000;

function pointers(count: number): Buffer[] {
  return Array.from({ length: count }, (_, index) => createHash('sha512').update(`acme/t/rnd/${index}`).digest());
}

function equalNodes(count: number, prefix = 'n'): NodeSpec[] {
  return Array.from({ length: count }, (_, index) => ({ id: `${prefix}${index + 1}`, weight: 1 }));
}

function firstReplicaCounts(placement: Placement, keys: Buffer[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const pointer of keys) {
    const owner = placement.replicas(pointer, 1)[0]!;
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

const keys = pointers(pointerCount);

describe('the 64-bit mix', () => {
  it('equals fmix64 computed with BigInt', () => {
    const reference = (value: bigint) => {
      const mask = (1n << 64n) - 1n;
      value ^= value >> 33n;
      value = (value * 0xff51afd7ed558ccdn) & mask;
      value ^= value >> 33n;
      value = (value * 0xc4ceb9fe1a85ec53n) & mask;
      return value ^ (value >> 33n);
    };
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (value) => {
        const { high, low } = mix64(Number(value >> 32n), Number(value & 0xffffffffn));
        return ((BigInt(high) << 32n) | BigInt(low)) === reference(value);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('rendezvous placement', () => {
  it('is deterministic across processes', () => {
    const nodes = [...equalNodes(4), { id: 'big', weight: 3 }];
    const placement = new Placement(nodes);
    const texts = ['acme/users/rnd/alice', 'acme/users/rnd/bob', 'acme/jobs/lnr/q1', 'x/y/rnd/z/1'];
    const here = texts.map((text) => placement.replicas(wordAddressOfText(text).pointer, 3));
    const child = fileURLToPath(new URL('./placement-child.ts', import.meta.url));
    const output = execFileSync(process.execPath, typescriptNodeArguments(child, JSON.stringify(nodes), JSON.stringify(texts), '3'), {
      encoding: 'utf8',
    });
    const there = JSON.parse(output) as string[][];
    expect(there).toEqual(here);
    // Golden values: a change here re-homes every stored word, so it must be deliberate.
    expect(new Placement(equalNodes(5)).replicas(wordAddressOfText('acme/users/rnd/alice').pointer, 3)).toMatchInlineSnapshot(`
      [
        "n3",
        "n5",
        "n2",
      ]
    `);
  });

  it('returns R distinct nodes, best first, and refuses R outside 1..nodes', () => {
    const placement = new Placement(equalNodes(16));
    for (const pointer of keys.slice(0, 1000)) {
      const replicas = placement.replicas(pointer, 3);
      expect(new Set(replicas).size).toBe(3);
      expect(placement.replicas(pointer, 1)[0]).toBe(replicas[0]);
      expect(placement.replicas(pointer, 16).slice(0, 3)).toEqual(replicas);
    }
    expect(() => placement.replicas(keys[0]!, 17)).toThrow(/from 1 to the number of nodes \(16\)/);
    expect(() => placement.replicas(keys[0]!, 0)).toThrow(/replica count/);
  });

  it('refuses bad node lists', () => {
    expect(() => new Placement([])).toThrow(/at least one node/);
    expect(() => new Placement([{ id: 'a', weight: 1 }, { id: 'a', weight: 1 }])).toThrow(/appears twice/);
    expect(() => new Placement([{ id: 'a', weight: 0 }])).toThrow(/positive/);
    expect(() => new Placement([{ id: 'a', weight: Number.NaN }])).toThrow(/positive/);
  });

  it('is uniform: each of 10 equal nodes owns 10% ± 1% of 100k pointers', () => {
    const counts = firstReplicaCounts(new Placement(equalNodes(10)), keys);
    expect(counts.size).toBe(10);
    for (const count of counts.values()) {
      expect(count / pointerCount).toBeGreaterThanOrEqual(0.09);
      expect(count / pointerCount).toBeLessThanOrEqual(0.11);
    }
  });

  it('moves about 1/11 of first replicas to an added 11th node, and only to it', () => {
    const before = new Placement(equalNodes(10));
    const after = new Placement([...equalNodes(10), { id: 'n11', weight: 1 }]);
    let moved = 0;
    for (const pointer of keys) {
      const [was] = before.replicas(pointer, 1);
      const [now] = after.replicas(pointer, 1);
      if (was !== now) {
        moved++;
        expect(now).toBe('n11');
      }
      // A replica set changes by at most the newcomer entering it.
      const oldSet = before.replicas(pointer, 3);
      const newSet = after.replicas(pointer, 3);
      expect(newSet.filter((id) => !oldSet.includes(id)).every((id) => id === 'n11')).toBe(true);
    }
    expect(moved / pointerCount).toBeGreaterThan(1 / 11 - 0.01);
    expect(moved / pointerCount).toBeLessThan(1 / 11 + 0.01);
  });

  it('moves only the removed node’s pointers when a node leaves', () => {
    const before = new Placement(equalNodes(10));
    const after = new Placement(equalNodes(10).filter((node) => node.id !== 'n4'));
    let moved = 0;
    for (const pointer of keys) {
      const [was] = before.replicas(pointer, 1);
      const [now] = after.replicas(pointer, 1);
      if (was !== now) {
        moved++;
        expect(was).toBe('n4');
      } else {
        expect(was).not.toBe('n4');
      }
    }
    expect(moved / pointerCount).toBeGreaterThan(0.09);
    expect(moved / pointerCount).toBeLessThan(0.11);
  });

  it('gives each node a share proportional to its weight', () => {
    const nodes = [1, 2, 3, 4].map((weight) => ({ id: `w${weight}`, weight }));
    const counts = firstReplicaCounts(new Placement(nodes), keys);
    for (const node of nodes) {
      const share = (counts.get(node.id) ?? 0) / pointerCount;
      expect(share).toBeGreaterThan(node.weight / 10 - 0.01);
      expect(share).toBeLessThan(node.weight / 10 + 0.01);
    }
  });
});
