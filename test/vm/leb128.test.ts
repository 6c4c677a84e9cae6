import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../vm/failures.js';
import { ByteReader, ByteWriter, s32Max, s32Min, s64Max, s64Min, u32Max } from '../../vm/leb128.js';

type Kind = 'u32' | 's32' | 's64';

function encode(kind: Kind, value: number | bigint): number[] {
  const writer = new ByteWriter();
  if (kind === 's64') writer.s64(value as bigint);
  else writer[kind](value as number);
  return [...writer.finish()];
}

function read(kind: Kind, bytes: readonly number[], offset = 0): { value: number | bigint; end: number } {
  const reader = new ByteReader(Uint8Array.from(bytes), offset);
  const value = reader[kind]();
  return { value, end: reader.offset };
}

function decodeFailure(kind: Kind, bytes: readonly number[], offset = 0): DecodeError {
  try {
    read(kind, bytes, offset);
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw error;
  }
  throw new Error(`expected a DecodeError for ${kind} [${bytes.join(', ')}]`);
}

/** The shortest LEB128 length, worked out from bit counts rather than by encoding. */
function shortestLength(value: bigint, signed: boolean): number {
  const magnitude = value < 0n ? -value - 1n : value;
  const bits = magnitude.toString(2).length + (signed ? 1 : 0);
  return Math.max(1, Math.ceil((magnitude === 0n && !signed ? 1 : bits) / 7));
}

describe('LEB128 encodings', () => {
  const vectors: [Kind, number | bigint, number[]][] = [
    ['u32', 0, [0x00]],
    ['u32', 127, [0x7f]],
    ['u32', 128, [0x80, 0x01]],
    ['u32', 624485, [0xe5, 0x8e, 0x26]],
    ['u32', u32Max, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ['s32', 0, [0x00]],
    ['s32', -1, [0x7f]],
    ['s32', 63, [0x3f]],
    ['s32', 64, [0xc0, 0x00]],
    ['s32', -64, [0x40]],
    ['s32', -65, [0xbf, 0x7f]],
    ['s32', -123456, [0xc0, 0xbb, 0x78]],
    ['s32', s32Max, [0xff, 0xff, 0xff, 0xff, 0x07]],
    ['s32', s32Min, [0x80, 0x80, 0x80, 0x80, 0x78]],
    ['s64', 0n, [0x00]],
    ['s64', -1n, [0x7f]],
    ['s64', 64n, [0xc0, 0x00]],
    ['s64', 2n ** 32n, [0x80, 0x80, 0x80, 0x80, 0x10]],
    ['s64', s64Max, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]],
    ['s64', s64Min, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]],
  ];

  it.each(vectors)('%s %s is %j', (kind, value, bytes) => {
    expect(encode(kind, value)).toEqual(bytes);
    expect(read(kind, bytes)).toEqual({ value, end: bytes.length });
  });

  it('round-trips every u32 in its shortest form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: u32Max }), (value) => {
        const bytes = encode('u32', value);
        expect(bytes.length).toBe(shortestLength(BigInt(value), false));
        expect(read('u32', bytes)).toEqual({ value, end: bytes.length });
      }),
    );
  });

  it('round-trips every s32 in its shortest form', () => {
    fc.assert(
      fc.property(fc.integer({ min: s32Min, max: s32Max }), (value) => {
        const bytes = encode('s32', value);
        expect(bytes.length).toBe(shortestLength(BigInt(value), true));
        expect(read('s32', bytes)).toEqual({ value, end: bytes.length });
      }),
    );
  });

  it('round-trips every s64 in its shortest form', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: s64Min, max: s64Max }), (value) => {
        const bytes = encode('s64', value);
        expect(bytes.length).toBe(shortestLength(value, true));
        expect(read('s64', bytes)).toEqual({ value, end: bytes.length });
      }),
    );
  });

  it('reads from an offset and reports offsets from the start of the input', () => {
    expect(read('u32', [0xaa, 0xbb, 0x80, 0x01], 2)).toEqual({ value: 128, end: 4 });
    expect(decodeFailure('u32', [0xaa, 0x80, 0x00], 1).offset).toBe(2);
  });

  it('refuses values the writer cannot represent, as assertion failures', () => {
    const writer = new ByteWriter();
    for (const value of [-1, u32Max + 1, 1.5, NaN, -0]) expect(() => writer.u32(value)).toThrow(/assertion failed/);
    for (const value of [s32Max + 1, s32Min - 1, 0.5, -0]) expect(() => writer.s32(value)).toThrow(/assertion failed/);
    for (const value of [s64Max + 1n, s64Min - 1n]) expect(() => writer.s64(value)).toThrow(/assertion failed/);
  });
});

describe('LEB128 refusals', () => {
  const refusals: [string, Kind, number[], number, RegExp][] = [
    ['empty input', 'u32', [], 0, /end of input/],
    ['a cut-off u32', 'u32', [0x80], 1, /end of input/],
    ['a cut-off s64', 's64', [0xff, 0xff, 0xff], 3, /end of input/],
    ['an overlong u32', 'u32', [0x80, 0x00], 1, /shortest/],
    ['an overlong u32 of five bytes', 'u32', [0xff, 0x80, 0x80, 0x80, 0x00], 4, /shortest/],
    ['a u32 over 32 bits', 'u32', [0xff, 0xff, 0xff, 0xff, 0x1f], 4, /overflows/],
    ['a u32 longer than 5 bytes', 'u32', [0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 4, /longer than 5/],
    ['an overlong positive s32', 's32', [0x80, 0x00], 1, /shortest/],
    ['an overlong negative s32', 's32', [0xff, 0x7f], 1, /shortest/],
    ['an s32 over 32 bits', 's32', [0x80, 0x80, 0x80, 0x80, 0x70], 4, /overflows/],
    ['an s32 with a wrong sign extension', 's32', [0xff, 0xff, 0xff, 0xff, 0x0f], 4, /overflows/],
    ['an s32 longer than 5 bytes', 's32', [0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 4, /longer than 5/],
    ['an s64 over 64 bits', 's64', [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 9, /overflows/],
    ['an overlong s64', 's64', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], 9, /shortest/],
    ['an s64 longer than 10 bytes', 's64', [...Array(10).fill(0x80), 0x00], 9, /longer than 10/],
  ];

  it.each(refusals)('refuses %s', (_, kind, bytes, offset, reason) => {
    const failure = decodeFailure(kind, bytes);
    expect(failure.offset).toBe(offset);
    expect(failure.message).toMatch(reason);
  });

  it('accepts exactly the canonical encodings: whatever it reads re-encodes to the bytes it consumed', () => {
    const kinds: Kind[] = ['u32', 's32', 's64'];
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.array(fc.oneof(fc.constantFrom(0x00, 0x7f, 0x80, 0xff, 0x40, 0xc0), fc.nat(255)), { maxLength: 12 }), (kind, bytes) => {
        let result: { value: number | bigint; end: number };
        try {
          result = read(kind, bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
          expect((error as DecodeError).offset).toBeLessThanOrEqual(bytes.length);
          return;
        }
        expect(encode(kind, result.value)).toEqual(bytes.slice(0, result.end));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('raw bytes', () => {
  it('reads little-endian floats bit for bit and refuses a cut-off one', () => {
    const writer = new ByteWriter();
    for (const value of [-0, NaN, Infinity, -Infinity, 5e-324]) writer.f64(value);
    const reader = new ByteReader(writer.finish());
    expect([reader.f64(), reader.f64(), reader.f64(), reader.f64(), reader.f64()]).toEqual([-0, NaN, Infinity, -Infinity, 5e-324]);
    expect(() => new ByteReader(Uint8Array.of(1, 2, 3)).f64()).toThrow(DecodeError);
  });

  it('grows the writer past its first buffer', () => {
    const writer = new ByteWriter();
    const block = Uint8Array.from({ length: 1000 }, (_, index) => index & 0xff);
    writer.bytes(block);
    writer.u32(u32Max);
    const bytes = writer.finish();
    expect(bytes.length).toBe(1005);
    expect([...bytes.subarray(0, 1000)]).toEqual([...block]);
  });

  it('reads through a view with a byte offset (a Buffer slice)', () => {
    const backing = Buffer.from([0xee, 0xee, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f]);
    expect(new ByteReader(backing.subarray(2)).f64()).toBe(1);
  });
});
