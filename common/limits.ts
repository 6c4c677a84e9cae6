/**
 * Every bound dmachine enforces, in one place, units last (STYLE 6). Relations
 * between them are asserted once at module load so an edit that breaks one
 * fails at start-up rather than in production.
 */
import { assert } from './sql-error.js';

/** A word of random memory: one encoded table row. */
export const wordBytesMax = 4096;

/** Account and resource names: PostgreSQL's identifier limit (NAMEDATALEN - 1). */
export const nameBytesMax = 63;

/** Canonical text of a primary-key value, in UTF-8 bytes before escaping. */
export const primaryKeyBytesMax = 1024;

/** Canonical text of a sort-key value, in UTF-8 bytes before escaping. */
export const sortKeyBytesMax = 1024;

/** A linear-memory segment file. */
export const segmentBytesMaxDefault = 32 * 1024 * 1024;

/** Writes committed in one rnd-store transaction (group commit). */
export const groupCommitOpsMax = 1024;

/** Words one scan call returns at most. */
export const scanWordsMax = 10_000;

assert(primaryKeyBytesMax + sortKeyBytesMax + 4 * nameBytesMax < wordBytesMax, 'a key must fit a word');
assert(wordBytesMax < segmentBytesMaxDefault, 'a word must fit a segment');
