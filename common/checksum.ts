/**
 * CRC32C (Castagnoli), the checksum of lnr records and rnd words. Backed by a
 * native implementation (SSE4.2 / ARMv8 CRC instructions where present).
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

export function crc32c(bytes: Uint8Array, initial = 0): number {
  return nativeCrc32c(bytes, initial) >>> 0;
}
