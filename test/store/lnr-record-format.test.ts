/**
 * Pins the on-disk bytes described in docs/lnr-format.md. Expected bytes are
 * built here by hand, with a bit-by-bit CRC32C independent of the native one.
 */
import { describe, expect, it } from 'vitest';
import { OffsetIndex } from '../../store/lnr/offset-index.js';
import { readSequence, recordFault, writeRecord, writeSequence } from '../../store/lnr/record-format.js';

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78), one bit at a time. */
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function u32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

describe('lnr record format', () => {
  it('reference CRC32C matches the standard check value', () => {
    expect(referenceCrc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('lays a record out as length, CRC32C of sequence + payload, sequence, payload (little-endian)', () => {
    const sequence = 0x01_0203_0405;
    const payload = new TextEncoder().encode('hi!');
    const sequenceBytes = [0x05, 0x04, 0x03, 0x02, 0x01, 0x00, 0x00, 0x00];
    const checksum = referenceCrc32c(Uint8Array.from([...sequenceBytes, ...payload]));
    const expected = Uint8Array.from([...u32le(3), ...u32le(checksum), ...sequenceBytes, ...payload]);

    const buffer = Buffer.alloc(expected.length + 4, 0xee);
    expect(writeRecord(buffer, 2, sequence, payload)).toBe(2 + expected.length);
    expect([...buffer.subarray(2, 2 + expected.length)]).toEqual([...expected]);
    expect(buffer[0]).toBe(0xee);
    expect(buffer[buffer.length - 1]).toBe(0xee);
    expect(recordFault(buffer, 2, sequence)).toBeNull();
    expect(recordFault(buffer, 2, sequence + 1)).toMatch(/where 4328719366 was expected/);
    buffer[2 + 17] = (buffer[2 + 17] ?? 0) ^ 1;
    expect(recordFault(buffer, 2, sequence)).toMatch(/CRC mismatch/);
  });

  it('checksums sequence and payload like the reference for any sequence and length', () => {
    for (const sequence of [0, 1, 255, 2 ** 32 - 1, 2 ** 32, 2 ** 47 + 99, Number.MAX_SAFE_INTEGER]) {
      for (const length of [0, 1, 7, 1000]) {
        const payload = Uint8Array.from({ length }, (_, at) => (at * 37 + sequence) & 0xff);
        const buffer = Buffer.alloc(16 + length);
        writeRecord(buffer, 0, sequence, payload);
        expect(buffer.readUInt32LE(4)).toBe(referenceCrc32c(buffer.subarray(8)));
        expect(recordFault(buffer, 0, sequence)).toBeNull();
      }
    }
  });

  it('stores sequences as u64 and reads back every safe integer', () => {
    const buffer = Buffer.alloc(8);
    for (const sequence of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER]) {
      writeSequence(buffer, 0, sequence);
      expect(buffer.readBigUInt64LE(0)).toBe(BigInt(sequence));
      expect(readSequence(buffer, 0)).toBe(sequence);
    }
    buffer.writeBigUInt64LE(2n ** 53n);
    expect(readSequence(buffer, 0)).toBe(-1);
  });
});

describe('lnr offset index', () => {
  function indexOf(entries: [number, number][], base = 1000): OffsetIndex {
    const index = new OffsetIndex(base, 100);
    for (const [sequence, position] of entries) index.noteRecord(sequence, position, 1);
    return index;
  }

  it('keeps one entry per interval of bytes, starting with the first record', () => {
    const index = new OffsetIndex(50, 10);
    // Records of 40 bytes at positions 0, 40, 80, ...; interval 100 keeps 0, 120, 240.
    for (let record = 0; record < 8; record++) index.noteRecord(50 + record, record * 40, 100);
    expect(index.count).toBe(3);
    expect(index.entryAtOrBefore(50)).toEqual({ sequence: 50, position: 0 });
    expect(index.entryAtOrBefore(52)).toEqual({ sequence: 50, position: 0 });
    expect(index.entryAtOrBefore(53)).toEqual({ sequence: 53, position: 120 });
    expect(index.entryAtOrBefore(57)).toEqual({ sequence: 56, position: 240 });
    expect(index.entryAtOrBefore(10_000)).toEqual({ sequence: 56, position: 240 });
  });

  it('answers from the segment start when empty', () => {
    expect(new OffsetIndex(7, 1).entryAtOrBefore(9)).toEqual({ sequence: 7, position: 0 });
  });

  it('encodes the .idx layout and decodes it back', () => {
    const index = indexOf([
      [1000, 0],
      [1004, 300],
      [1009, 700],
    ]);
    const file = index.encode(900, 256);
    expect(file.length).toBe(28 + 3 * 8 + 4);
    expect(file.subarray(0, 4).toString('latin1')).toBe('LNRI');
    expect(file.readUInt32LE(4)).toBe(1);
    expect(file.readBigUInt64LE(8)).toBe(1000n);
    expect(file.readUInt32LE(16)).toBe(900);
    expect(file.readUInt32LE(20)).toBe(256);
    expect(file.readUInt32LE(24)).toBe(3);
    expect([...file.subarray(28, 52)]).toEqual([...u32le(0), ...u32le(0), ...u32le(4), ...u32le(300), ...u32le(9), ...u32le(700)]);
    expect(file.readUInt32LE(52)).toBe(referenceCrc32c(file.subarray(0, 52)));

    const decoded = OffsetIndex.decode(file, { baseSequence: 1000, segmentBytes: 900, nextSequence: 1012 });
    expect(decoded).toBeInstanceOf(OffsetIndex);
    expect((decoded as OffsetIndex).entryAtOrBefore(1008)).toEqual({ sequence: 1004, position: 300 });
  });

  it('refuses an .idx that disagrees with its segment', () => {
    const file = indexOf([
      [1000, 0],
      [1004, 300],
    ]).encode(900, 256);
    const expectation = { baseSequence: 1000, segmentBytes: 900, nextSequence: 1010 };
    expect(OffsetIndex.decode(file, { ...expectation, baseSequence: 999 })).toMatch(/base sequence/);
    expect(OffsetIndex.decode(file, { ...expectation, segmentBytes: 901 })).toMatch(/segment bytes/);
    expect(OffsetIndex.decode(file, { ...expectation, nextSequence: 1004 })).toMatch(/sequence past the segment end/);
    expect(OffsetIndex.decode(file.subarray(0, 40), expectation)).toMatch(/does not hold/);
    const flipped = Buffer.from(file);
    flipped[30] = (flipped[30] ?? 0) ^ 1;
    expect(OffsetIndex.decode(flipped, expectation)).toBe('CRC mismatch');
  });
});
