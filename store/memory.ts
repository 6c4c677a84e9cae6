/**
 * The Memory interface: the only way a program touches data (DESIGN §3–4).
 *
 * The VM calls these operations for its LOAD, WRITE, COMPARE, COMPARE&SWAP,
 * DELETE and SCAN instructions on rnd words, and for appends to and reads of
 * lnr logs (a queue's bodies, docs/queues.md), and awaits nothing else. `store/local-memory.ts`
 * implements it over one node's rnd store; the cluster implements it over the
 * replicas of each pointer. The interface is async so that a remote memory fits
 * behind it unchanged.
 *
 * Contract for every implementation:
 * - Each operation on one word is atomic and linearizable.
 * - A write or delete resolves only once it is durable (and a value read before then is
 *   covered by `durable()`); a rejected promise means
 *   the operation may or may not have happened only where the implementation says
 *   so (the cluster's "outcome unknown"); the local memory rejects only when
 *   nothing was written.
 * - `null` as a value means "no word": never written, or deleted.
 * - Values are at most `wordBytesMax` bytes; larger ones are refused (54000)
 *   before anything is written.
 */
import type { ResourceType, WordAddress } from './key.js';
import type { CasResult, Word } from './word.js';

export interface Memory {
  /** The word at an address, or undefined when there is none. */
  load(address: WordAddress): Promise<Word | undefined>;

  /** Sets the word unconditionally. */
  write(address: WordAddress, value: Uint8Array): Promise<void>;

  /** Whether the word equals `expected` (null: whether there is no word). */
  compare(address: WordAddress, expected: Uint8Array | null): Promise<boolean>;

  /**
   * Atomically: if the word equals `expected` (null = absent) it becomes `next`
   * (null = deleted) and the result is applied; otherwise nothing changes and the
   * result carries the current value, so a retry loop needs no extra LOAD.
   */
  cas(address: WordAddress, expected: Uint8Array | null, next: Uint8Array | null): Promise<CasResult>;

  /** Deletes the word (a tombstone); resolves whether there was one. */
  delete(address: WordAddress): Promise<boolean>;

  /** One page of a scan, in key order; `next` continues it. */
  scan(request: ScanRequest): Promise<ScanPage>;

  /**
   * Appends one record to a log; resolves with its record number once it is durable. A number
   * names one record of that log. The local memory numbers 0, 1, 2, ...; the cluster's
   * numbers increase per writer (segments claimed in order), not across writers.
   */
  append(log: LogAddress, payload: Uint8Array): Promise<number>;

  /** Record `record` of a log, or undefined when it is not stored (never appended, or dropped by retention). */
  readRecord(log: LogAddress, record: number): Promise<Uint8Array | undefined>;

  /** Retention: drops the log's sealed segments whose records all precede `record`; resolves how many. */
  dropRecordsBefore(log: LogAddress, record: number): Promise<number>;

  /** Deletes a whole log (DROP QUEUE); resolves whether there was one. */
  dropLog(log: LogAddress): Promise<boolean>;

  /**
   * Resolves once every value shown through this handle is durable. Reads and failed
   * COMPARE&SWAPs may show a write that is decided but not yet durable (the local memory
   * decides each write when it is submitted and makes a group of them durable together, so
   * racers learn at once who won); whoever passes what it read on to a client awaits this
   * first, so nothing a client hears can be undone by a crash. Rejects when such a write
   * failed to become durable.
   */
  durable(): Promise<void>;

  /**
   * A handle on the same memory for one client session, whose durable() covers only what was
   * read through it, so one session does not wait for what another was shown.
   */
  session(): Memory;
}

/** The linear memory of one lnr resource (a queue's log): `account/resource/lnr`. */
export interface LogAddress {
  readonly account: string;
  readonly resource: string;
}

/** One end of a sort-key range, as order-preserving sort-key bytes. */
export interface SortKeyBound {
  readonly bytes: Uint8Array;
  readonly inclusive: boolean;
}

/** Where a scan stopped: the last word returned. */
export interface ScanCursor {
  readonly pointer: Buffer;
  readonly sortKeyBytes: Buffer;
}

/** The sort keys of one primary key, between optional bounds, in either direction. */
export interface SortKeyRangeScan {
  readonly kind: 'sortKeyRange';
  /** The address of the primary key; its sort key, if any, is ignored. */
  readonly address: WordAddress;
  readonly lower?: SortKeyBound | undefined;
  readonly upper?: SortKeyBound | undefined;
  readonly reverse?: boolean | undefined;
  readonly limit: number;
  readonly after?: ScanCursor | undefined;
}

/** Every word of one resource (a table scan), ordered by pointer then sort key. */
export interface ResourceScan {
  readonly kind: 'resource';
  readonly account: string;
  readonly resource: string;
  readonly resourceType: ResourceType;
  readonly limit: number;
  readonly after?: ScanCursor | undefined;
}

export type ScanRequest = SortKeyRangeScan | ResourceScan;

export interface ScanPage {
  readonly words: readonly Word[];
  /** Set when the page is full: pass it as `after` to read on. Undefined at the end. */
  readonly next: ScanCursor | undefined;
}
