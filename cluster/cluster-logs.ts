/**
 * The linear memory on a cluster, at a gateway (docs/cluster.md, "The linear memory").
 *
 * A log is a sequence of segments (cluster/log-segments.ts). A gateway appends to a segment
 * it claimed for itself, so a segment has exactly one writer and its records need no
 * agreement, only copies: each append goes to all R replicas of the segment's pointer, in
 * order, and resolves once a quorum (F+1) made it durable. Only then does the queue program
 * publish the record with the COMPARE&SWAP of its batch word, so a published record is on a
 * quorum, and any quorum of the replicas includes one that holds it.
 *
 *     claim:    CASPaxos change of `next segment` (n → n+1), then the metadata word
 *               segments/<n> = {claimedAt, writer}
 *     append:   records n·2^20 + i, i = 0, 1, ...; a round of appends per tick, sent to each
 *               replica after its previous round (a replica that fails or refuses one is
 *               written no more); done when F+1 took the round
 *     seal:     after the last round settled, a replica that missed rounds is given the
 *               records it lacks (read from one that took them all), segments/<n> =
 *               {..., sealed: records}, and the replicas trim and close their copies
 *     retire:   a segment is left for a new one when full (bytes or records), older than
 *               segmentSecondsMax (so a replica that missed records gets whole segments
 *               again soon), or down to fewer than F+1 replicas
 *     retention: drops sealed segments (and ones unsealed for longer than
 *               abandonedAfterSeconds: their gateway died) below the lowest record still
 *               needed, on every replica, then their metadata word
 *
 * Reads ask the segment's replicas one after another; a record that a quorum says it does
 * not hold is not stored (dropped by retention, or never published).
 */
import { decode, encode } from '@msgpack/msgpack';
import { LRUCache } from 'lru-cache';
import { recordCacheBytesMax, segmentBytesMaxDefault } from '../common/limits.js';
import { lostARace, SqlError, SqlState } from '../common/sql-error.js';
import { sortKeyBytes, type WordAddress } from '../store/key.js';
import { recordBytes } from '../store/lnr/record-format.js';
import type { LogAddress, Memory, ScanCursor, ScanPage } from '../store/memory.js';
import type { Word } from '../store/word.js';
import type { Change } from './caspaxos/proposer.js';
import { nextSegmentWord, recordsPerSegment, segmentBase, segmentNumberLimit, segmentOf, segmentPlacement, segmentWord } from './log-segments.js';
import type { NodeClient } from './node-client.js';
import { appendPayloadsMax } from './node-protocol.js';
import type { Placement } from './placement.js';

export interface ClusterLogOptions {
  /** A segment's record bytes (headers included) at most; a record that cannot fit one is refused (54000). */
  readonly segmentBytesMax?: number | undefined;
  /** A gateway writes one segment for at most this long before it claims a new one. */
  readonly segmentSecondsMax?: number | undefined;
  /** An unsealed segment claimed longer ago than this belongs to a gateway that died: retention may drop it. */
  readonly abandonedAfterSeconds?: number | undefined;
  /** How often a replica that could not be repaired when its segment was sealed is tried again. */
  readonly repairRetrySeconds?: number | undefined;
  /** How often the logs this gateway uses are searched for sealed segments still marked lagging (by any gateway). */
  readonly lagSweepSeconds?: number | undefined;
}

/** What the logs need of the gateway: its placement, its node client, and its word operations. */
export interface ClusterLogParts {
  readonly placement: Placement;
  readonly replicas: number;
  readonly client: NodeClient;
  /** Word operations on the metadata words (the cluster memory itself). */
  readonly words: Memory;
  /** One CASPaxos change of a word (for the segment counter: an increment in one round). */
  change<R>(address: WordAddress, change: (current: Buffer | null) => Change<Buffer, R>): Promise<R>;
  /** Names this gateway in the segments it claims. */
  readonly writer: string;
}

/** A segment's metadata word. */
interface SegmentMetadata {
  readonly claimedAt: number;
  readonly writer: string;
  /** Records in the segment once its writer finished it; null while it is written. */
  readonly sealed: number | null;
  /** Replicas whose copy was still short of the records when the segment was sealed. */
  readonly lagging?: readonly string[] | undefined;
}

/** A sealed segment whose copies on `lagging` replicas still miss records below `end`. */
interface PendingRepair {
  readonly log: LogAddress;
  readonly segment: number;
  readonly end: number;
  readonly sources: readonly string[];
  readonly lagging: Set<string>;
  /** The metadata word's bytes as this gateway last wrote them. */
  written: Uint8Array;
  attempts: number;
}

/** Record bytes one append round sends at most. */
const roundBytesMax = 16 * 1024 * 1024;
/** Background attempts to repair one sealed segment before this gateway leaves it (its metadata keeps `lagging`). */
const repairAttemptsMax = 40;
/** Logs the lag sweep remembers (least recently used dropped). */
const knownLogsMax = 1024;
/** How long closing waits for the segments it seals. */
const closeMilliseconds = 2000;
/** Metadata words one retention scan page reads. */
const segmentsPageMax = 256;

export class ClusterLogs {
  private readonly segmentBytesMax: number;
  private readonly segmentMilliseconds: number;
  private readonly abandonedMilliseconds: number;
  /** The segment this gateway writes, per log (a promise while it is claimed). */
  private readonly writers = new Map<string, Promise<SegmentWriter>>();
  /** Records copied to replicas that had missed them (when their segment was sealed, or later). */
  repairedRecords = 0;
  /** Sealed segments with a replica still to repair, retried in the background. */
  private readonly pendingRepairs: PendingRepair[] = [];
  private repairTimer: NodeJS.Timeout | undefined;
  private readonly repairRetryMilliseconds: number;
  private readonly lagSweepMilliseconds: number;
  /** Logs this gateway appended to, read or retained lately: the ones its lag sweep searches. */
  private readonly knownLogs = new LRUCache<string, LogAddress>({ max: knownLogsMax });
  private lagSweepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Records recently appended or read here, by log and record number (numbers are never reused). */
  private readonly records = new LRUCache<string, Buffer>({ maxSize: recordCacheBytesMax, sizeCalculation: (payload) => payload.byteLength || 1 });

  constructor(
    private readonly parts: ClusterLogParts,
    options: ClusterLogOptions = {},
  ) {
    this.segmentBytesMax = options.segmentBytesMax ?? segmentBytesMaxDefault;
    this.segmentMilliseconds = (options.segmentSecondsMax ?? 60) * 1000;
    this.abandonedMilliseconds = (options.abandonedAfterSeconds ?? 600) * 1000;
    this.repairRetryMilliseconds = (options.repairRetrySeconds ?? 15) * 1000;
    this.lagSweepMilliseconds = (options.lagSweepSeconds ?? 60) * 1000;
  }

  async append(log: LogAddress, payload: Uint8Array): Promise<number> {
    this.know(log);
    const bytes = recordBytes(payload.byteLength);
    if (bytes > this.segmentBytesMax) {
      throw new SqlError(SqlState.programLimitExceeded, `lnr record of ${bytes} bytes exceeds the segment size limit of ${this.segmentBytesMax} bytes`);
    }
    const copy = Buffer.from(payload);
    const key = logKey(log);
    let lostSegments = 0;
    for (;;) {
      let current = this.writers.get(key);
      if (current === undefined) {
        current = this.claim(log);
        this.writers.set(key, current);
        current.catch(() => this.forget(key, current!));
      }
      const appended = (await current).tryAppend(copy, bytes);
      if (appended === undefined) {
        if (this.forget(key, current)) void this.seal(await current);
        continue;
      }
      try {
        const record = await appended;
        this.records.set(`${key}\n${record}`, copy);
        return record;
      } catch (error) {
        // Fewer than a quorum took it (replicas down, or the log was dropped under this writer):
        // nothing of it was published, so it may go to a new segment, whose claim fails in turn
        // when the replicas are really gone.
        const lost = error instanceof SqlError && error.sqlstate === SqlState.cannotConnectNow;
        if (!lost || ++lostSegments >= segmentAttemptsMax) throw error;
      }
    }
  }

  async readRecord(log: LogAddress, record: number): Promise<Uint8Array | undefined> {
    this.know(log);
    if (!Number.isSafeInteger(record) || record < 0) return undefined;
    const cacheKey = `${logKey(log)}\n${record}`;
    const cached = this.records.get(cacheKey);
    if (cached !== undefined) return cached;
    const segment = segmentOf(record);
    const replicas = this.replicasOf(log, segment);
    // Start at a different replica per record, so reads spread over the copies.
    const order = replicas.map((_, tried) => replicas[(record + tried) % replicas.length]!);
    const outcome = await firstHolder(order, (node) => this.parts.client.readRecords(node, log, segment, record, 1).then(([found]) => found), readHedgeMilliseconds);
    if (outcome.found !== undefined) {
      this.records.set(cacheKey, outcome.found);
      return outcome.found;
    }
    const { absent, failure } = outcome;
    if (absent >= this.quorum) return undefined;
    throw new SqlError(SqlState.cannotConnectNow, `record ${record} of log ${log.account}/${log.resource}: ${absent} of ${replicas.length} replicas answered (${String((failure as Error)?.message ?? failure)})`);
  }

  /** Retention: drops the finished segments below the segment of `record` (every record in them precedes it). */
  async dropRecordsBefore(log: LogAddress, record: number): Promise<number> {
    this.know(log);
    const below = segmentOf(record);
    const now = Date.now();
    let dropped = 0;
    await this.eachSegment(log, below, async (segment, word, metadata) => {
      const finished = metadata.sealed !== null || now - metadata.claimedAt > this.abandonedMilliseconds;
      if (finished && (await this.dropSegment(log, segment, word))) dropped++;
    });
    return dropped;
  }

  /** Deletes every segment of the log (DROP QUEUE); the segment counter stays, so numbers are never reused. */
  async dropLog(log: LogAddress): Promise<boolean> {
    const key = logKey(log);
    const current = this.writers.get(key);
    if (current !== undefined && this.forget(key, current)) void current.then((writer) => writer.retire(), () => undefined);
    for (const cached of this.records.keys()) if (cached.startsWith(`${key}\n`)) this.records.delete(cached);
    let existed = false;
    await this.eachSegment(log, segmentNumberLimit, async (segment, word) => {
      existed = true;
      await this.dropSegment(log, segment, word);
    });
    return existed;
  }

  /** Retires and seals every segment this gateway writes, giving up after closeMilliseconds (retention collects what is left). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.repairTimer);
    clearTimeout(this.lagSweepTimer);
    const writers = [...this.writers.values()];
    this.writers.clear();
    const sealed = Promise.allSettled(writers.map(async (writer) => this.seal(await writer)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([sealed, new Promise((resolve) => (timer = setTimeout(resolve, closeMilliseconds)))]);
    clearTimeout(timer);
  }

  private get quorum(): number {
    return Math.floor(this.parts.replicas / 2) + 1;
  }

  private replicasOf(log: LogAddress, segment: number): string[] {
    return this.parts.placement.replicas(segmentPlacement(log, segment).pointer, this.parts.replicas);
  }

  /** Removes the log's writer if it is still `writer`; says whether it was. */
  private forget(key: string, writer: Promise<SegmentWriter>): boolean {
    if (this.writers.get(key) !== writer) return false;
    this.writers.delete(key);
    return true;
  }

  /** Takes the next segment number and records who writes it, before any record goes there. */
  private async claim(log: LogAddress): Promise<SegmentWriter> {
    // An increment of unknown outcome at worst skips a number, and the metadata write is
    // idempotent: both are retried rather than failing the append.
    const segment = await retryUnknown(() =>
      this.parts.change(nextSegmentWord(log), (current) => {
        const next = current === null ? 0 : decodeCounter(current, log);
        return { next: Buffer.from(encode(next + 1)), result: next };
      }),
    );
    if (segment >= segmentNumberLimit) throw new SqlError(SqlState.programLimitExceeded, `log ${log.account}/${log.resource} has used every segment number`);
    const metadata: SegmentMetadata = { claimedAt: Date.now(), writer: this.parts.writer, sealed: null };
    await retryUnknown(() => this.parts.words.write(segmentWord(log, segment), encodeMetadata(metadata)));
    // Counted from when the segment is ready, so a slow claim still leaves it time to take appends.
    const limits = { bytesMax: this.segmentBytesMax, until: Date.now() + this.segmentMilliseconds };
    return new SegmentWriter(log, segment, this.replicasOf(log, segment), this.quorum, this.parts.client, limits, metadata);
  }

  /**
   * Finishes a retired segment once its last round settled: copies what a lagging replica
   * missed, marks the segment sealed in its metadata word, and lets the replicas close their
   * copies. Best effort: an unsealed segment is dropped once abandoned, and a copy that could
   * not be repaired still leaves every record on a quorum.
   */
  private async seal(writer: SegmentWriter): Promise<void> {
    try {
      const records = await writer.retire();
      const { log, segment } = writer;
      const end = segmentBase(segment) + records;
      const sources = writer.written();
      const repaired = await Promise.all(writer.lagging().map(async (node) => ((await this.repair(log, segment, node, sources, end)) ? undefined : node)));
      const lagging = repaired.filter((node): node is string => node !== undefined);
      const written = encodeMetadata({ ...writer.metadata, sealed: records, lagging: lagging.length > 0 ? lagging : undefined });
      await this.parts.words.write(segmentWord(log, segment), written);
      if (lagging.length > 0) {
        this.pendingRepairs.push({ log, segment, end, sources, lagging: new Set(lagging), written, attempts: 0 });
        this.scheduleRepairs();
      }
      await Promise.allSettled(writer.replicas.map((node) => this.parts.client.seal(node, log, segment)));
    } catch {
      // The metadata stays unsealed; retention treats the segment as abandoned later.
    }
  }

  /**
   * Copies the records a replica's copy lacks, below `end`, from the replicas that took every
   * round, in order; says whether the copy is now whole. A record no source holds (a round
   * that failed, so never published) ends it: the copy stays a correct prefix.
   */
  private async repair(log: LogAddress, segment: number, node: string, sources: readonly string[], end: number): Promise<boolean> {
    const client = this.parts.client;
    try {
      for (let next = await client.nextRecord(node, log, segment); next < end; ) {
        const read = (source: string) => client.readRecords(source, log, segment, next, Math.min(end - next, appendPayloadsMax)).then((chunk) => (chunk.length > 0 ? chunk : undefined));
        const outcome = await firstHolder(sources, read, repairHedgeMilliseconds);
        // A source answered that it holds no such record: done. None answered: tried again later.
        if (outcome.found === undefined) return outcome.absent > 0;
        const chunk = outcome.found;
        const reply = await client.append(node, log, segment, next, chunk);
        if (!reply.ok) return false;
        next += chunk.length;
        this.repairedRecords += chunk.length;
      }
      return true;
    } catch {
      return false; // the replica did not answer: tried again later
    }
  }

  /** Remembers a log for the lag sweep, which starts with the first log known. */
  private know(log: LogAddress): void {
    this.knownLogs.set(logKey(log), log);
    this.scheduleLagSweep();
  }

  private scheduleLagSweep(): void {
    if (this.lagSweepTimer !== undefined || this.closed) return;
    this.lagSweepTimer = setTimeout(() => {
      void this.sweepLagging().finally(() => {
        this.lagSweepTimer = undefined;
        if (this.knownLogs.size > 0) this.scheduleLagSweep();
      });
    }, this.lagSweepMilliseconds);
    this.lagSweepTimer.unref();
  }

  /**
   * Takes up sealed segments of the known logs whose metadata still names lagging replicas:
   * their sealing gateway may have stopped before it could repair them. Repairing one twice
   * (here and at its sealing gateway) is harmless: a copy takes records only at its next one.
   */
  private async sweepLagging(): Promise<void> {
    for (const log of [...this.knownLogs.values()]) {
      await this.eachSegment(log, segmentNumberLimit, async (segment, word, metadata) => {
        if (metadata.sealed === null || metadata.lagging === undefined || metadata.lagging.length === 0) return;
        if (this.pendingRepairs.some((pending) => pending.segment === segment && logKey(pending.log) === logKey(log))) return;
        const lagging = new Set(metadata.lagging);
        const sources = this.replicasOf(log, segment).filter((node) => !lagging.has(node));
        this.pendingRepairs.push({ log, segment, end: segmentBase(segment) + metadata.sealed, sources, lagging, written: word.value, attempts: 0 });
      }).catch(() => undefined); // no quorum for the scan now: the next sweep
    }
    this.scheduleRepairs();
  }

  /** Tries the pending repairs again after repairRetrySeconds, one run at a time. */
  private scheduleRepairs(): void {
    if (this.repairTimer !== undefined || this.pendingRepairs.length === 0 || this.closed) return;
    this.repairTimer = setTimeout(() => {
      void this.retryRepairs().finally(() => {
        this.repairTimer = undefined;
        this.scheduleRepairs();
      });
    }, this.repairRetryMilliseconds);
    this.repairTimer.unref();
  }

  /**
   * One pass over the segments with replicas left to repair. A segment whose metadata word
   * changed (retention dropped it) is left; one whose copies are all whole gets its
   * metadata without `lagging` (by COMPARE&SWAP from what this gateway wrote).
   */
  private async retryRepairs(): Promise<void> {
    for (const pending of [...this.pendingRepairs]) {
      const { log, segment, end, sources } = pending;
      const current = await this.parts.words.load(segmentWord(log, segment)).catch(() => undefined);
      const leave = current === undefined || !Buffer.from(current.value).equals(pending.written) || ++pending.attempts > repairAttemptsMax;
      if (!leave) {
        for (const node of [...pending.lagging]) if (await this.repair(log, segment, node, sources, end)) pending.lagging.delete(node);
        if (pending.lagging.size > 0) continue;
        const whole = encodeMetadata({ ...decodeMetadata(Buffer.from(pending.written), log), lagging: undefined });
        await this.parts.words.cas(segmentWord(log, segment), pending.written, whole).catch(() => undefined);
      }
      this.pendingRepairs.splice(this.pendingRepairs.indexOf(pending), 1);
    }
  }

  /** Deletes a segment from every replica, then its metadata word (only when every replica answered, so no copy is forgotten). */
  private async dropSegment(log: LogAddress, segment: number, word: Word): Promise<boolean> {
    const answers = await Promise.allSettled(this.replicasOf(log, segment).map((node) => this.parts.client.drop(node, log, segment)));
    if (answers.some((answer) => answer.status === 'rejected')) return false;
    return (await this.parts.words.cas(word.address, word.value, null)).applied;
  }

  /** Calls `visit` for each metadata word of the log's segments below `below`, in order. */
  private async eachSegment(log: LogAddress, below: number, visit: (segment: number, word: Word, metadata: SegmentMetadata) => Promise<void>): Promise<void> {
    let after: ScanCursor | undefined;
    do {
      const page: ScanPage = await this.parts.words.scan({
        kind: 'sortKeyRange',
        address: segmentWord(log, 0),
        upper: { bytes: sortKeyBytes(BigInt(below)), inclusive: false },
        limit: segmentsPageMax,
        after,
      });
      for (const word of page.words) await visit(Number(word.address.sortKey!.text), word, decodeMetadata(word.value, log));
      after = page.next;
    } while (after !== undefined);
  }
}

interface WriterLimits {
  readonly bytesMax: number;
  /** When (ms since the epoch) the writer stops taking appends. */
  readonly until: number;
}

interface Waiting {
  readonly payload: Buffer;
  readonly resolve: (record: number) => void;
  readonly reject: (error: unknown) => void;
}

/** One gateway's writing of one segment: rounds of appends copied to the replicas in order. */
class SegmentWriter {
  /** Records handed out (sent or waiting), and their bytes. */
  private records = 0;
  private bytes = 0;
  /** Records already sent in rounds: the next round's first index. */
  private sentRecords = 0;
  private waiting: Waiting[] = [];
  /** Replicas still written: one that fails or refuses a round is dropped for the rest of the segment. */
  private readonly live: Set<string>;
  /** Per replica, the round last sent to it: the next one goes after it settles. */
  private readonly tails = new Map<string, Promise<void>>();
  private retired = false;

  constructor(
    readonly log: LogAddress,
    readonly segment: number,
    readonly replicas: readonly string[],
    private readonly quorum: number,
    private readonly client: NodeClient,
    private readonly limits: WriterLimits,
    readonly metadata: SegmentMetadata,
  ) {
    this.live = new Set(replicas);
  }

  /** Resolves with the record's number once a quorum holds it, or undefined when the segment takes no more. */
  tryAppend(payload: Buffer, bytes: number): Promise<number> | undefined {
    const full = this.records >= recordsPerSegment || this.bytes + bytes > this.limits.bytesMax;
    if (this.retired || full || this.live.size < this.quorum || Date.now() >= this.limits.until) return undefined;
    this.records++;
    this.bytes += bytes;
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => this.flush());
      this.waiting.push({ payload, resolve, reject });
    });
  }

  /** Takes no more appends; resolves with the segment's record count once every round sent has settled. */
  async retire(): Promise<number> {
    this.retired = true;
    if (this.waiting.length > 0) this.flush();
    await Promise.all(this.tails.values());
    return this.records;
  }

  /** The replicas that took every round. */
  written(): string[] {
    return this.replicas.filter((node) => this.live.has(node));
  }

  /** The replicas that missed a round, and were written no more. */
  lagging(): string[] {
    return this.replicas.filter((node) => !this.live.has(node));
  }

  private flush(): void {
    const waiting = this.waiting;
    this.waiting = [];
    let round: Waiting[] = [];
    let roundBytes = 0;
    for (const entry of waiting) {
      if (round.length > 0 && (round.length === appendPayloadsMax || roundBytes + entry.payload.byteLength > roundBytesMax)) {
        this.send(round);
        round = [];
        roundBytes = 0;
      }
      round.push(entry);
      roundBytes += entry.payload.byteLength;
    }
    if (round.length > 0) this.send(round);
  }

  /** Sends a round to every live replica after its previous one; settles its appends when a quorum took it, or can no longer. */
  private send(round: readonly Waiting[]): void {
    const first = segmentBase(this.segment) + this.sentRecords;
    this.sentRecords += round.length;
    const payloads = round.map((entry) => entry.payload);
    const targets = [...this.live];
    let taken = 0;
    let failed = 0;
    let lastFailure: unknown;
    for (const node of targets) {
      const previous = this.tails.get(node) ?? Promise.resolve();
      const sent = previous.then(async () => {
        if (!this.live.has(node)) throw new Error(`replica ${node} missed an earlier round`);
        const reply = await this.client.append(node, this.log, this.segment, first, payloads);
        if (!reply.ok) throw new Error(`replica ${node} expected record ${reply.next}, not ${first}`);
      });
      this.tails.set(
        node,
        sent.then(
          () => {
            if (++taken === this.quorum) round.forEach((entry, index) => entry.resolve(first + index));
          },
          (error: unknown) => {
            this.live.delete(node);
            lastFailure = error;
            if (targets.length - ++failed === this.quorum - 1) {
              const failure = new SqlError(
                SqlState.cannotConnectNow,
                `append to log ${this.log.account}/${this.log.resource}: ${failed} of ${this.replicas.length} replicas did not take it, ${this.quorum} must (${String((lastFailure as Error)?.message ?? lastFailure)})`,
              );
              for (const entry of round) entry.reject(failure);
            }
          },
        ),
      );
    }
    if (targets.length < this.quorum) {
      const failure = new SqlError(SqlState.cannotConnectNow, `append to log ${this.log.account}/${this.log.resource}: fewer than ${this.quorum} replicas left`);
      for (const entry of round) entry.reject(failure);
    }
  }
}

/** Segments one append tries before it reports that too few replicas took it. */
const segmentAttemptsMax = 3;

/** How long a record read waits for one replica before it asks the next one as well. */
const readHedgeMilliseconds = 50;
/** The same for a repair's reads, of up to 4 MiB each: a slow source is asked again only when it seems stuck. */
const repairHedgeMilliseconds = 1000;

/**
 * Asks `nodes` one after another for what `read` gets from each, the next one as soon as the
 * previous missed, failed, or took longer than `hedgeMilliseconds` (a stopped node costs that
 * delay, not a timeout); resolves with the first thing found, or, once every node answered
 * or failed, with how many said they do not hold it.
 */
export function firstHolder<T>(
  nodes: readonly string[],
  read: (node: string) => Promise<T | undefined>,
  hedgeMilliseconds: number,
): Promise<{ found: T; absent?: undefined; failure?: undefined } | { found: undefined; absent: number; failure: unknown }> {
  return new Promise((resolve) => {
    let asked = 0;
    let settled = 0;
    let absent = 0;
    let failure: unknown;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const askNext = () => {
      clearTimeout(timer);
      if (done || asked === nodes.length) return;
      const node = nodes[asked++]!;
      timer = setTimeout(askNext, hedgeMilliseconds);
      read(node).then(
        (found) => {
          settled++;
          if (found !== undefined && !done) {
            done = true;
            clearTimeout(timer);
            resolve({ found });
            return;
          }
          absent++;
          finishOrNext();
        },
        (error: unknown) => {
          settled++;
          failure = error;
          finishOrNext();
        },
      );
    };
    const finishOrNext = () => {
      if (done) return;
      if (settled === nodes.length) {
        done = true;
        clearTimeout(timer);
        resolve({ found: undefined, absent, failure });
      } else if (settled === asked) askNext();
    };
    askNext();
  });
}

/** Attempts at a claim step whose outcome was unknown (40003) or lost to others (40001). */
const claimAttemptsMax = 5;

/** Runs `step` again when it failed with 40003 or 40001, at most claimAttemptsMax times in all. */
async function retryUnknown<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!lostARace(error) || attempt >= claimAttemptsMax) throw error;
    }
  }
}

function logKey(log: LogAddress): string {
  return `${log.account}\n${log.resource}`;
}

function decodeCounter(bytes: Buffer, log: LogAddress): number {
  const value = decodeOrCorrupt(bytes, log);
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw corrupt(log, 'its segment counter');
  return value as number;
}

/** A metadata word's bytes; `lagging` only when some replica lags. */
function encodeMetadata(metadata: SegmentMetadata): Uint8Array {
  return encode(metadata, { ignoreUndefined: true });
}

function decodeMetadata(bytes: Buffer, log: LogAddress): SegmentMetadata {
  const value = decodeOrCorrupt(bytes, log) as Partial<SegmentMetadata> | null;
  if (typeof value?.claimedAt !== 'number' || typeof value.writer !== 'string' || (value.sealed !== null && typeof value.sealed !== 'number')) throw corrupt(log, 'a segment word');
  const lagging = value.lagging;
  if (lagging !== undefined && !(Array.isArray(lagging) && lagging.every((node) => typeof node === 'string'))) throw corrupt(log, 'a segment word');
  return { claimedAt: value.claimedAt, writer: value.writer, sealed: value.sealed, lagging };
}

function decodeOrCorrupt(bytes: Buffer, log: LogAddress): unknown {
  try {
    return decode(bytes);
  } catch {
    throw corrupt(log, 'a metadata word');
  }
}

function corrupt(log: LogAddress, what: string): SqlError {
  return new SqlError(SqlState.dataCorrupted, `log ${log.account}/${log.resource}: ${what} is not what the cluster writes`);
}
