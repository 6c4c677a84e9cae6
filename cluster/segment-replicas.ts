/**
 * A storage node's copies of log segments (docs/cluster.md, "The linear memory"): each
 * segment it is a replica of is an lnr log of its own (docs/lnr-format.md) whose sequence
 * numbers are the segment's record numbers:
 *
 *     <data>/lnr/<account>/<resource>/<segment>/   segment files
 *
 * A segment has one writer, which sends its records in order, so an append is taken only at
 * the log's next record number; anything else is answered with the number expected (the
 * writer then stops writing this copy). Operations on one segment run one at a time, so an
 * append, a seal and a drop never interleave; a bounded number of segments stay open.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { directoryExists } from '../store/lnr/segment-files.js';
import { SegmentLog } from '../store/lnr/segment-log.js';
import { logDirectory } from '../store/local-memory.js';
import type { LogAddress } from '../store/memory.js';
import { segmentBase } from './log-segments.js';
import type { AppendReply } from './node-protocol.js';

/** Segments kept open at once; the least recently used one is closed beyond this. */
const openSegmentsMax = 64;

export class SegmentReplicas {
  /** Open segments by directory, most recently used last. */
  private readonly open = new Map<string, SegmentLog>();
  /** The tail of each segment's chain of operations, by directory. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(private readonly directory: string) {}

  /** Appends `payloads` as records first, first + 1, ... once `first` is the segment's next record; resolves once durable. */
  append(log: LogAddress, segment: number, first: number, payloads: readonly Buffer[]): Promise<AppendReply> {
    return this.serialized(log, segment, async (directory) => {
      const opened = await this.opened(directory, segment, first === segmentBase(segment));
      if (opened === undefined) return { ok: false, next: segmentBase(segment) };
      if (opened.nextSequence !== first) return { ok: false, next: opened.nextSequence };
      await opened.append(payloads);
      return { ok: true };
    });
  }

  /** The records from `record` on that this copy holds: at most `count`, and none past the one that reaches `bytesMax`. */
  read(log: LogAddress, segment: number, record: number, count: number, bytesMax: number): Promise<Buffer[]> {
    return this.serialized(log, segment, async (directory) => {
      const opened = await this.opened(directory, segment, false);
      if (opened === undefined || record < opened.firstSequence || record >= opened.nextSequence) return [];
      const found = await opened.read(record, { recordsMax: count, bytesMax });
      return found.map((entry) => Buffer.from(entry.payload));
    });
  }

  /** The record number this copy takes next (the segment's first when it has none). */
  next(log: LogAddress, segment: number): Promise<number> {
    return this.serialized(log, segment, async (directory) => (await this.opened(directory, segment, false))?.nextSequence ?? segmentBase(segment));
  }

  /** Closes the segment for good (its writer moved on): its preallocated tail is trimmed. */
  seal(log: LogAddress, segment: number): Promise<void> {
    return this.serialized(log, segment, (directory) => this.closeOne(directory));
  }

  /** Deletes the segment's copy; resolves whether there was one. */
  drop(log: LogAddress, segment: number): Promise<boolean> {
    return this.serialized(log, segment, async (directory) => {
      await this.closeOne(directory);
      const existed = await directoryExists(directory);
      await rm(directory, { recursive: true, force: true });
      return existed;
    });
  }

  /** Finishes what is in flight and closes every open segment. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.chains.values()]);
    await Promise.all([...this.open.values()].map((log) => log.close()));
    this.open.clear();
  }

  private segmentDirectory(log: LogAddress, segment: number): string {
    return join(logDirectory(this.directory, log), String(segment));
  }

  private serialized<T>(log: LogAddress, segment: number, operation: (directory: string) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the node is closing'));
    const directory = this.segmentDirectory(log, segment);
    return this.chained(directory, () => operation(directory));
  }

  /** Runs `operation` after every earlier one on the same directory has settled. */
  private chained<T>(directory: string, operation: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(directory) ?? Promise.resolve()).then(operation, operation);
    this.chains.set(directory, run);
    void run
      .finally(() => {
        if (this.chains.get(directory) === run) this.chains.delete(directory);
      })
      .catch(() => undefined);
    return run;
  }

  /** The segment's open log, opened (or, with `create`, created) if needed; undefined when absent and not created. */
  private async opened(directory: string, segment: number, create: boolean): Promise<SegmentLog | undefined> {
    let log = this.open.get(directory);
    if (log !== undefined) {
      this.open.delete(directory);
      this.open.set(directory, log);
      return log;
    }
    if (!create && !(await directoryExists(directory))) return undefined;
    log = await SegmentLog.open(directory, { firstSequence: segmentBase(segment) });
    this.open.set(directory, log);
    this.closeLeastRecent();
    return log;
  }

  /** Beyond the bound, closes the least recently used segment nobody is working on. */
  private closeLeastRecent(): void {
    if (this.open.size <= openSegmentsMax) return;
    for (const directory of this.open.keys()) {
      if (this.chains.has(directory)) continue;
      void this.chained(directory, () => this.closeOne(directory)).catch(() => undefined);
      return;
    }
  }

  private async closeOne(directory: string): Promise<void> {
    const log = this.open.get(directory);
    this.open.delete(directory);
    await log?.close();
  }
}
