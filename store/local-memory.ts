/**
 * The single-node Memory: the whole global memory lives in one node's stores, the
 * rnd words in one RndStore and each lnr log (a queue's bodies) in a SegmentLog of
 * its own directory, opened on first use:
 *
 *     <data>/rnd.sqlite
 *     <data>/lnr/<account>/<resource>/   segment files (docs/lnr-format.md)
 *
 * This is what `dmachine start` runs on; the cluster's Memory replaces it without
 * the VM noticing.
 */
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import { recordCacheBytesMax } from '../common/limits.js';
import { SqlError, SqlState } from '../common/sql-error.js';
import type { WordAddress } from './key.js';
import { directoryExists } from './lnr/segment-files.js';
import { SegmentLog, type SegmentLogOptions } from './lnr/segment-log.js';
import type { LogAddress, Memory, ScanPage, ScanRequest } from './memory.js';
import { Observation, RndStore } from './rnd-store.js';
import type { CasResult, Word } from './word.js';

export const rndStoreFileName = 'rnd.sqlite';
export const lnrDirectoryName = 'lnr';

export interface LocalMemoryOptions {
  /** Options of every lnr log (segment size, ...); the lnr defaults otherwise. */
  readonly lnr?: SegmentLogOptions | undefined;
}

export class LocalMemory implements Memory {
  readonly store: RndStore;
  /** Open logs by directory; a promise, so concurrent first uses open a log once. */
  private readonly logs = new Map<string, Promise<SegmentLog>>();
  /** How many times a log in a directory was dropped: part of the record cache's keys. */
  private readonly logsDropped = new Map<string, number>();
  /**
   * Records recently appended or read, by recordKey: consumers read what producers
   * just appended, and every message of a batch reads the batch's record, so most reads are
   * answered from here without touching the segment files.
   */
  private readonly records = new LRUCache<string, Buffer>({ maxSize: recordCacheBytesMax, sizeCalculation: (payload) => payload.byteLength || 1 });
  /** What was read through this handle before it was durable (each session() has its own). */
  private observation = new Observation();
  private closed = false;

  constructor(
    store: RndStore,
    private readonly lnrDirectory: string,
    private readonly options: LocalMemoryOptions = {},
  ) {
    this.store = store;
  }

  /** Opens (creating if needed) the memory kept in a data directory. */
  static open(dataDirectory: string, options: LocalMemoryOptions = {}): LocalMemory {
    mkdirSync(dataDirectory, { recursive: true });
    return new LocalMemory(RndStore.open(join(dataDirectory, rndStoreFileName)), join(dataDirectory, lnrDirectoryName), options);
  }

  /**
   * A handle for one client session: the same words and logs, with an observation of its own,
   * so that its durable() waits only for what this session was shown. Close the memory, not a
   * handle.
   */
  session(): Memory {
    const handle = Object.create(this) as LocalMemory;
    handle.observation = new Observation();
    return handle;
  }

  // Reads are synchronous underneath; `async` turns a thrown error into a rejection
  // so callers see one failure path.

  async load(address: WordAddress): Promise<Word | undefined> {
    return this.store.load(address, this.observation);
  }

  async compare(address: WordAddress, expected: Uint8Array | null): Promise<boolean> {
    return this.store.compare(address, expected, this.observation);
  }

  async scan(request: ScanRequest): Promise<ScanPage> {
    return request.kind === 'sortKeyRange'
      ? this.store.scanSortKeys(request, this.observation)
      : this.store.scanResource(request, this.observation);
  }

  async write(address: WordAddress, value: Uint8Array): Promise<void> {
    return this.store.write(address, value);
  }

  async cas(address: WordAddress, expected: Uint8Array | null, next: Uint8Array | null): Promise<CasResult> {
    return this.store.cas(address, expected, next, this.observation);
  }

  async delete(address: WordAddress): Promise<boolean> {
    return this.store.delete(address);
  }

  durable(): Promise<void> {
    return this.store.durable(this.observation);
  }

  async append(log: LogAddress, payload: Uint8Array): Promise<number> {
    const appended = await (await this.log(log)).append([payload]);
    this.remember(log, appended.firstSequence, Buffer.from(payload));
    return appended.firstSequence;
  }

  async readRecord(log: LogAddress, record: number): Promise<Uint8Array | undefined> {
    const opened = await this.log(log);
    if (!Number.isSafeInteger(record) || record < opened.firstSequence || record >= opened.nextSequence) return undefined;
    const cached = this.records.get(this.recordKey(log, record));
    if (cached !== undefined) return cached;
    // bytesMax 1: read just this record (the first record comes whatever its size), not a default-sized chunk.
    const [found] = await opened.read(record, { recordsMax: 1, bytesMax: 1 });
    if (found?.sequence !== record) return undefined;
    return this.remember(log, record, Buffer.from(found.payload));
  }

  async dropRecordsBefore(log: LogAddress, record: number): Promise<number> {
    // Cached records below the log's new first sequence stay until evicted: readRecord checks the bound first.
    return (await this.log(log)).dropSegmentsBefore(record);
  }

  async dropLog(log: LogAddress): Promise<boolean> {
    const directory = this.logDirectory(log);
    const opened = this.logs.get(directory);
    this.logs.delete(directory);
    this.logsDropped.set(directory, (this.logsDropped.get(directory) ?? 0) + 1); // a new log there numbers from 0 again
    if (opened !== undefined) await (await opened).close();
    const existed = opened !== undefined || (await directoryExists(directory));
    await rm(directory, { recursive: true, force: true });
    return existed;
  }

  /** Closes every open log, then the rnd store: appends and writes in flight finish first. */
  async close(): Promise<void> {
    this.closed = true;
    const logs = [...this.logs.values()];
    this.logs.clear();
    await Promise.all(logs.map(async (log) => (await log).close()));
    await this.store.close();
  }

  /** Caches a record's payload (callers get the cached buffer: records are immutable, nobody writes to it). */
  private remember(log: LogAddress, record: number, payload: Buffer): Buffer {
    this.records.set(this.recordKey(log, record), payload);
    return payload;
  }

  /** The cache key: the log's directory, how many times a log there was dropped, the record. */
  private recordKey(log: LogAddress, record: number): string {
    const directory = this.logDirectory(log);
    return `${directory}\n${this.logsDropped.get(directory) ?? 0}\n${record}`;
  }

  private log(log: LogAddress): Promise<SegmentLog> {
    if (this.closed) return Promise.reject(new SqlError(SqlState.objectNotInPrerequisiteState, 'the memory is closed'));
    const directory = this.logDirectory(log);
    let opened = this.logs.get(directory);
    if (opened === undefined) {
      opened = SegmentLog.open(directory, this.options.lnr);
      this.logs.set(directory, opened);
      opened.catch(() => this.logs.delete(directory)); // a failed open is retried by the next use
    }
    return opened;
  }

  private logDirectory(log: LogAddress): string {
    return logDirectory(this.lnrDirectory, log);
  }
}

/** `<lnr>/<account>/<resource>`, each name percent-encoded (dots too, so no name is `.` or `..`). */
export function logDirectory(lnrDirectory: string, log: LogAddress): string {
  const name = (text: string) => encodeURIComponent(text).replace(/\./g, '%2E');
  return join(lnrDirectory, name(log.account), name(log.resource));
}
