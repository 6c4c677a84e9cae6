/**
 * Words: the unit of random memory (DESIGN §3), and the checks every store applies
 * to one before it is written.
 */
import { wordBytesMax } from '../common/limits.js';
import { SqlError, SqlState } from '../common/sql-error.js';
import type { WordAddress } from './key.js';

/** A stored word as a reader sees it. `version` counts the changes of this word on its node. */
export interface Word {
  readonly address: WordAddress;
  readonly value: Buffer;
  readonly version: number;
}

/** The answer of a compare-and-swap: applied, or the value that was there instead (null = absent). */
export type CasResult = { readonly applied: true } | { readonly applied: false; readonly current: Buffer | null };

/** A row over 4 KiB cannot be one word (DESIGN §3): SQLSTATE 54000 naming both sizes. */
export function checkWordSize(value: Uint8Array, bytesMax = wordBytesMax): void {
  if (value.byteLength > bytesMax) {
    throw new SqlError(
      SqlState.programLimitExceeded,
      `word of ${value.byteLength} bytes exceeds the limit of ${bytesMax} bytes`,
      'a table row is stored as one word; make the row smaller',
    );
  }
}

/** Byte equality where null means "no word" (absent or deleted). */
export function sameValue(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.compare(a, b) === 0;
}
