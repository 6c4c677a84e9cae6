/**
 * LEB128 integers, and the small byte reader and writer that the program binary
 * format (vm/binary-format.ts) is built on.
 *
 * The reader accepts only the shortest encoding of a value, so that one program
 * has exactly one binary form, and bounds an encoding by its type: at most 5
 * bytes for 32-bit values, 10 for 64-bit ones, with the unused high bits of the
 * last byte zero (unsigned) or copies of the sign bit (signed), as WebAssembly
 * requires. Every refusal is a DecodeError whose offset is the byte at fault: the
 * last byte of an overlong or overflowing encoding, or the end of the input when
 * an encoding is cut short.
 *
 * The reader allocates nothing for u32 and s32 and one bigint for s64: the
 * decoder reads every immediate of every program through it.
 */
import { assert } from '../common/sql-error.js';
import { DecodeError } from './failures.js';

export const u32Max = 0xffff_ffff;
export const s32Min = -0x8000_0000;
export const s32Max = 0x7fff_ffff;
export const s64Min = -(1n << 63n);
export const s64Max = (1n << 63n) - 1n;

const u32BytesMax = 5;
const s32BytesMax = 5;
const s64BytesMax = 10;

// -0 is refused because it would come back as 0: the value must survive a round trip.
export function isU32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= u32Max && !Object.is(value, -0);
}

export function isS32(value: unknown): value is number {
  return typeof value === 'number' && (value | 0) === value && !Object.is(value, -0);
}

export function isS64(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= s64Min && value <= s64Max;
}

/** Reads bytes, LEB128 integers and little-endian floats from `bytes`, starting at `offset`. */
export class ByteReader {
  offset: number;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.offset = offset;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  fail(reason: string, offset: number = this.offset): never {
    throw new DecodeError(offset, reason);
  }

  u8(what = 'a byte'): number {
    if (this.offset >= this.bytes.length) this.fail(`unexpected end of input in ${what}`, this.bytes.length);
    return this.bytes[this.offset++]!;
  }

  f64(what = 'an f64'): number {
    this.need(8, what);
    const value = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return value;
  }

  /** A view of the next `length` bytes (not a copy: the caller copies what it keeps). */
  take(length: number, what: string): Uint8Array {
    this.need(length, what);
    const start = this.offset;
    this.offset += length;
    return this.bytes.subarray(start, this.offset);
  }

  u32(what = 'a u32'): number {
    const last = this.scanLeb(u32BytesMax, what);
    const start = this.offset;
    this.checkUnsignedEnd(start, last, 0x0f, what);
    let value = 0;
    for (let index = start; index <= last; index++) value += (this.bytes[index]! & 0x7f) * 2 ** (7 * (index - start));
    this.offset = last + 1;
    return value;
  }

  s32(what = 'an s32'): number {
    const last = this.scanLeb(s32BytesMax, what);
    const start = this.offset;
    // The fifth byte holds bits 28..34: bit 31 and the three above it must agree.
    this.checkSignedEnd(start, last, s32BytesMax, (byte) => (byte & 0x78) === 0 || (byte & 0x78) === 0x78, what);
    let value = 0;
    for (let index = start; index <= last; index++) value |= (this.bytes[index]! & 0x7f) << (7 * (index - start));
    const bits = 7 * (last - start + 1);
    if (bits < 32 && (this.bytes[last]! & 0x40) !== 0) value |= -1 << bits;
    this.offset = last + 1;
    return value;
  }

  s64(what = 'an s64'): bigint {
    const last = this.scanLeb(s64BytesMax, what);
    const start = this.offset;
    // The tenth byte holds bits 63..69: all copies of the sign bit.
    this.checkSignedEnd(start, last, s64BytesMax, (byte) => byte === 0x00 || byte === 0x7f, what);
    this.offset = last + 1;
    const count = last - start + 1;
    if (count <= 4) return BigInt(this.smallSigned(start, count));
    let value = 0n;
    for (let index = last; index >= start; index--) value = (value << 7n) | BigInt(this.bytes[index]! & 0x7f);
    return BigInt.asIntN(64, BigInt.asIntN(7 * count, value));
  }

  /** Up to 28 bits fit a number exactly: the common case allocates one bigint. */
  private smallSigned(start: number, count: number): number {
    let value = 0;
    for (let index = 0; index < count; index++) value += (this.bytes[start + index]! & 0x7f) * 2 ** (7 * index);
    const bits = 7 * count;
    return (this.bytes[start + count - 1]! & 0x40) !== 0 ? value - 2 ** bits : value;
  }

  private need(length: number, what: string): void {
    if (length > this.remaining) this.fail(`unexpected end of input in ${what}: ${length} bytes needed, ${this.remaining} left`, this.bytes.length);
  }

  /** The index of the encoding's last byte (the first without the continuation bit). */
  private scanLeb(bytesMax: number, what: string): number {
    for (let index = this.offset; index < this.offset + bytesMax; index++) {
      if (index >= this.bytes.length) this.fail(`unexpected end of input in ${what}`, this.bytes.length);
      if ((this.bytes[index]! & 0x80) === 0) return index;
    }
    return this.fail(`${what} is longer than ${bytesMax} bytes`, this.offset + bytesMax - 1);
  }

  private checkUnsignedEnd(start: number, last: number, lastByteMax: number, what: string): void {
    const byte = this.bytes[last]!;
    if (last - start + 1 === u32BytesMax && byte > lastByteMax) this.fail(`${what} overflows 32 bits`, last);
    if (last > start && byte === 0) this.fail(`${what} is not in its shortest encoding`, last);
  }

  private checkSignedEnd(start: number, last: number, bytesMax: number, lastByteFits: (byte: number) => boolean, what: string): void {
    const byte = this.bytes[last]!;
    if (last - start + 1 === bytesMax && !lastByteFits(byte)) this.fail(`${what} overflows ${bytesMax === s64BytesMax ? 64 : 32} bits`, last);
    if (last === start) return;
    const previousSignBit = (this.bytes[last - 1]! & 0x40) !== 0;
    // A last byte that only repeats the sign of the byte before it adds nothing.
    if ((byte === 0x00 && !previousSignBit) || (byte === 0x7f && previousSignBit)) this.fail(`${what} is not in its shortest encoding`, last);
  }
}

/** Appends bytes, LEB128 integers and little-endian floats to a growing buffer. */
export class ByteWriter {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  u8(value: number): void {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xff, `byte out of range: ${value}`);
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  u32(value: number): void {
    assert(isU32(value), `u32 out of range: ${value}`);
    let rest = value;
    while (rest >= 0x80) {
      this.u8((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.u8(rest);
  }

  s32(value: number): void {
    assert(isS32(value), `s32 out of range: ${value}`);
    let rest = value;
    for (;;) {
      const byte = rest & 0x7f;
      rest >>= 7;
      if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) return this.u8(byte);
      this.u8(byte | 0x80);
    }
  }

  s64(value: bigint): void {
    assert(isS64(value), `s64 out of range: ${value}`);
    let rest = value;
    for (;;) {
      const byte = Number(BigInt.asUintN(7, rest));
      rest >>= 7n;
      if ((rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0)) return this.u8(byte);
      this.u8(byte | 0x80);
    }
  }

  /** The bytes written so far, as a copy the writer no longer touches. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private reserve(length: number): void {
    if (this.length + length <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + length) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}
