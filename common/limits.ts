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

/** Bytes of rnd words (values and bookkeeping) the rnd store keeps cached in memory. */
export const wordCacheBytesMax = 64 * 1024 * 1024;

/** Bytes of lnr records the local memory keeps in its cache of recently appended and read records. */
export const recordCacheBytesMax = 32 * 1024 * 1024;

/** Words one scan call returns at most. */
export const scanWordsMax = 10_000;

assert(primaryKeyBytesMax + sortKeyBytesMax + 4 * nameBytesMax < wordBytesMax, 'a key must fit a word');
assert(wordBytesMax < segmentBytesMaxDefault, 'a word must fit a segment');

/**
 * A typed frontend message that may carry SQL or data (Query, Parse, Bind, CopyData), by
 * its declared length (which counts the length word itself, not the type byte). A
 * declared length above this is a protocol error before anything is allocated.
 */
export const messageBytesMax = 64 * 1024 * 1024;

/** Any other typed frontend message (Sync, Describe, Execute, Close, ...), as PostgreSQL's PQ_SMALL_MESSAGE_LIMIT. */
export const controlMessageBytesMax = 10_000;

/** A PasswordMessage / SASL response, as PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH. */
export const passwordMessageBytesMax = 65_535;

/** A startup packet (StartupMessage, SSLRequest, CancelRequest), as PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
export const startupMessageBytesMax = 10_000;

/** PBKDF2 iterations of a new SCRAM-SHA-256 verifier (PostgreSQL's scram_iterations default). */
export const scramIterationsDefault = 4096;

/** Iterations accepted in a stored verifier: each login costs this many HMACs. */
export const scramIterationsMax = 10_000_000;

assert(wordBytesMax < messageBytesMax, 'a word must fit a message');
assert(controlMessageBytesMax < messageBytesMax && passwordMessageBytesMax < messageBytesMax, 'the small message limits are smaller');
assert(messageBytesMax < 2 ** 31 - 1, 'a message length must fit an int32');
assert(scramIterationsDefault <= scramIterationsMax, 'the default iteration count is accepted');
