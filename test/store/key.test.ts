import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqlError } from '../../common/sql-error.js';
import {
  canonicalText,
  decodeSortKeyBytes,
  escapeComponent,
  formatAddress,
  formatKey,
  parseKey,
  pointerOf,
  sortKeyBytes,
  unescapeComponent,
  wordAddress,
  wordAddressOfText,
} from '../../store/key.js';

function sqlstateOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof SqlError) return error.sqlstate;
    throw error;
  }
  return undefined;
}

describe('pointers', () => {
  it('hashes the escaped key without its sort key with SHA-512', () => {
    const pointer = wordAddressOfText('acme/users/rnd/alice').pointer.toString('hex');
    expect(pointer).toHaveLength(128);
    expect(pointer.startsWith('2fdffc5d0d4ebab1')).toBe(true);
  });

  it('puts every sort key of one primary key under one pointer', () => {
    const a = wordAddressOfText('acme/events/rnd/alice/1');
    const b = wordAddressOfText('acme/events/rnd/alice/2');
    expect(a.pointer.equals(b.pointer)).toBe(true);
    expect(a.sortKey?.text).toBe('1');
  });

  it('gives an escaped slash a different pointer than a component boundary', () => {
    const escaped = wordAddress({ account: 'acme', resource: 'users', resourceType: 'rnd', primaryKey: 'a/b' });
    const plain = wordAddress({ account: 'acme', resource: 'users', resourceType: 'rnd', primaryKey: 'a' });
    expect(formatAddress(escaped)).toBe('acme/users/rnd/a%2Fb');
    expect(escaped.pointer.equals(plain.pointer)).toBe(false);
  });
});

describe('escaping', () => {
  it('escapes only % and /', () => {
    expect(escapeComponent('100%/x y')).toBe('100%25%2Fx y');
  });

  it('round-trips any text', () => {
    fc.assert(fc.property(fc.string(), (text) => unescapeComponent(escapeComponent(text), 'test') === text));
  });

  it('refuses escapes other than %25 and %2F, so each key has one text', () => {
    expect(sqlstateOf(() => parseKey('acme/users/rnd/a%2fb'))).toBe('22023');
    expect(sqlstateOf(() => parseKey('acme/users/rnd/a%41'))).toBe('22023');
    expect(sqlstateOf(() => parseKey('acme/users/rnd/100%'))).toBe('22023');
  });

  it('writes the empty text key as %00, which is only ever a whole primary or sort key', () => {
    const empty = canonicalText('');
    expect(formatKey({ account: 'acme', resource: 't', resourceType: 'rnd', primaryKey: empty, sortKey: empty })).toBe('acme/t/rnd/%00/%00');
    expect(parseKey('acme/t/rnd/%00')).toMatchObject({ primaryKey: empty });
    expect(pointerOf(parseKey('acme/t/rnd/%00'))).not.toEqual(pointerOf(parseKey('acme/t/rnd/%2500')));
    expect(sqlstateOf(() => parseKey('acme/t/rnd/a%00'))).toBe('22023');
    expect(sqlstateOf(() => parseKey('acme/%00/rnd/a'))).toBe('22021');
  });

  it('round-trips parse and format for random keys', () => {
    const component = fc.string({ minLength: 1, maxLength: 20 }).filter((text) => !text.includes('\u0000'));
    fc.assert(
      fc.property(component, component, component, fc.option(component, { nil: undefined }), (account, resource, primaryKey, sortKey) => {
        const parts = { account, resource, resourceType: 'rnd' as const, primaryKey, sortKey };
        expect(parseKey(formatKey(parts))).toEqual(parts);
      }),
    );
  });
});

describe('key checks', () => {
  it('refuses empty components', () => {
    expect(sqlstateOf(() => parseKey('acme//rnd/alice'))).toBe('22023');
    expect(sqlstateOf(() => parseKey('acme/users/rnd/'))).toBe('22023');
    expect(sqlstateOf(() => parseKey('acme/users/rnd/alice/'))).toBe('22023');
    expect(() => parseKey('/users/rnd/alice')).toThrow(/account of a key must not be empty/);
  });

  it('refuses an unknown resourceType', () => {
    expect(() => parseKey('acme/users/ssd/alice')).toThrow(/unknown resourceType "ssd"/);
  });

  it('refuses the wrong number of components', () => {
    expect(sqlstateOf(() => parseKey('acme/users/rnd'))).toBe('22023');
    expect(sqlstateOf(() => parseKey('acme/users/rnd/a/b/c'))).toBe('22023');
  });

  it('refuses oversized components with the sizes in the message', () => {
    expect(() => parseKey(`${'a'.repeat(64)}/users/rnd/alice`)).toThrow(/64 bytes, over the limit of 63/);
    expect(sqlstateOf(() => parseKey(`acme/users/rnd/${'é'.repeat(513)}`))).toBe('54000');
    expect(sqlstateOf(() => parseKey(`acme/users/rnd/${'é'.repeat(512)}`))).toBeUndefined();
  });

  it('refuses text that UTF-8 cannot carry unchanged', () => {
    expect(sqlstateOf(() => parseKey('acme/users/rnd/a\u0000b'))).toBe('22021');
    expect(sqlstateOf(() => parseKey('acme/users/rnd/\uD800'))).toBe('22021');
  });
});

describe('key values', () => {
  it('have canonical texts', () => {
    expect(canonicalText(-42n)).toBe('-42');
    expect(canonicalText('Ann')).toBe('Ann');
    expect(canonicalText('')).toBe('\u0000');
    expect(canonicalText(Uint8Array.of(0xde, 0xad, 0x01))).toBe('\\xdead01');
    expect(canonicalText(true)).toBe('true');
    expect(sqlstateOf(() => canonicalText(2n ** 63n))).toBe('22003');
  });

  const int8 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  const compareBytes = (a: Buffer, b: Buffer) => Math.sign(Buffer.compare(a, b));
  const compareValues = <T>(a: T, b: T) => (a < b ? -1 : a > b ? 1 : 0);

  it('sort integers numerically by bytes, negatives first', () => {
    fc.assert(
      fc.property(int8, int8, (a, b) => compareBytes(sortKeyBytes(a), sortKeyBytes(b)) === compareValues(a, b)),
    );
    const sorted = [5n, -1n, 0n, -(2n ** 63n), 2n ** 63n - 1n, -300n, 256n]
      .map((value) => sortKeyBytes(value))
      .sort(Buffer.compare)
      .map((bytes) => decodeSortKeyBytes(bytes));
    expect(sorted).toEqual([-(2n ** 63n), -300n, -1n, 0n, 5n, 256n, 2n ** 63n - 1n]);
  });

  it('sort text by its UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const expected = compareBytes(Buffer.from(a), Buffer.from(b));
        return compareBytes(sortKeyBytes(a), sortKeyBytes(b)) === expected;
      }),
    );
  });

  it('decode back to the value', () => {
    const value = fc.oneof(int8, fc.string(), fc.boolean(), fc.uint8Array());
    fc.assert(
      fc.property(value, (v) => {
        expect(decodeSortKeyBytes(sortKeyBytes(v))).toEqual(v);
      }),
    );
  });

  it('make addresses from typed values', () => {
    const address = wordAddress({ account: 'acme', resource: 'events', resourceType: 'rnd', primaryKey: 7n, sortKey: -3n });
    expect(formatAddress(address)).toBe('acme/events/rnd/7/-3');
    expect(decodeSortKeyBytes(address.sortKey!.bytes)).toBe(-3n);
  });
});
