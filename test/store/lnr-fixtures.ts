/**
 * Helpers shared by the lnr tests: temporary log directories, payloads that
 * can be recomputed from their sequence, and byte-level damage to files.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function makeTemporaryDirectory(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dmachine-lnr-'));
}

export function removeTemporaryDirectory(directory: string): void {
  fs.rmSync(directory, { recursive: true, force: true });
}

/**
 * A payload determined by its sequence alone (length 0..payloadBytesMax), so a
 * reader that knows only the sequence can check the exact bytes.
 */
export function payloadForSequence(sequence: number, payloadBytesMax = 700): Uint8Array {
  let state = mix32(sequence + 0x9e3779b9);
  const payload = new Uint8Array(state % (payloadBytesMax + 1));
  for (let at = 0; at < payload.length; at++) {
    state = mix32(state + at);
    payload[at] = state & 0xff;
  }
  return payload;
}

/** Payloads for `count` records starting at `firstSequence`. */
export function payloadsFor(firstSequence: number, count: number, payloadBytesMax = 700): Uint8Array[] {
  return Array.from({ length: count }, (_, at) => payloadForSequence(firstSequence + at, payloadBytesMax));
}

function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

export function listFiles(directory: string, suffix: string): string[] {
  return fs
    .readdirSync(directory)
    .filter((name) => name.endsWith(suffix))
    .sort();
}

export function segmentFilePaths(directory: string): string[] {
  return listFiles(directory, '.seg').map((name) => path.join(directory, name));
}

export function flipByte(filePath: string, position: number): void {
  const bytes = fs.readFileSync(filePath);
  if (position < 0 || position >= bytes.length) throw new Error(`position ${position} outside ${filePath}`);
  bytes[position] = (bytes[position] ?? 0) ^ 0x5a;
  fs.writeFileSync(filePath, bytes);
}

export function fileBytes(filePath: string): number {
  return fs.statSync(filePath).size;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
