/**
 * The rnd store: one node's random memory in one better-sqlite3 database (DESIGN §3).
 *
 * Durability: a write is acknowledged only once it is on disk. Concurrent writes
 * (everything submitted before the event loop gets back to the store) are committed
 * together in one transaction (group commit) with synchronous=NORMAL, which writes
 * the WAL frames without syncing them; syncCommitted then makes every transaction
 * committed so far durable with one fdatasync of the WAL on the thread pool, and only
 * then answers their writes. That is what synchronous=FULL does inside each commit,
 * without blocking the event loop on the disk, and with one sync for all the commits
 * made while the previous sync ran. A failed sync leaves the store refusing all work
 * (restart the node), as PostgreSQL does after a failed WAL flush.
 *
 * Decided at once, durable later: every operation is decided when it is submitted,
 * against the words as the batches not yet synced leave them (their overlays), and
 * reads see those overlays too. So a COMPARE&SWAP that loses to a write still in
 * flight answers at once with that write's value, and its caller can try the next
 * slot inside the same commit, instead of every racer learning one commit later that
 * one of them won (a convoy of one winner per fsync). A value shown before it is
 * durable must not reach a client before it is: each reader's Observation remembers
 * the newest batch it was shown, `durable(observation)` resolves once that batch is on
 * disk, and a statement awaits it before answering (compiler/session.ts). The store
 * makes its batches durable in order, so a write decided on top of another is durable
 * only if that one is.

 * Each row keeps the key components in clear (for resource scans and
 * inspection), the sort-key bytes (byte order is SQL order), the value (NULL for
 * a tombstone), a per-word version, and a CRC32C over pointer, sort key and value
 * that is checked on every read.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { crc32c } from '../common/checksum.js';
import { scanWordsMax, wordBytesMax, wordCacheBytesMax } from '../common/limits.js';
import { assert, SqlError, SqlState } from '../common/sql-error.js';
import { storedSortKeyBytes, type WordAddress } from './key.js';
import type { ResourceScan, ScanCursor, ScanPage, SortKeyBound, SortKeyRangeScan } from './memory.js';
import { checkWordSize, sameValue, type CasResult, type Word } from './word.js';

const schemaVersion = 1;

const schema = `
  CREATE TABLE words (
    pointer       BLOB    NOT NULL,  -- SHA-512 of the key without its sort key
    sort_key      BLOB    NOT NULL,  -- order-preserving bytes; empty when the key has none
    account       TEXT    NOT NULL,
    resource      TEXT    NOT NULL,
    resource_type TEXT    NOT NULL,
    primary_key   TEXT    NOT NULL,  -- canonical text
    sort_key_text TEXT,              -- canonical text; NULL when the key has none
    value         BLOB,              -- NULL: a tombstone (deleted)
    version       INTEGER NOT NULL,  -- changes of this word on this node
    checksum      INTEGER NOT NULL   -- CRC32C of pointer, sort_key and value
  );
  CREATE UNIQUE INDEX words_by_pointer ON words (pointer, sort_key);
  CREATE INDEX words_by_resource ON words (account, resource, resource_type, pointer, sort_key);
`;

/** A word's value (null: absent or deleted) and version (0: never stored). */
interface StoredWord {
  readonly value: Buffer | null;
  readonly version: number;
}

const absentWord: StoredWord = Object.freeze({ value: null, version: 0 });
/** What a cache entry costs beyond its value: its key (about 80 bytes) and the entry itself. */
const wordCacheEntryOverheadBytes = 200;

/** A row as a load reads it: the address is the caller's. */
interface StoredValue {
  value: Buffer | null;
  version: number;
  checksum: number;
}

/** A row as a sort-key scan reads it: the rest of the address is the scan's. */
interface SortKeyRow extends StoredValue {
  sort_key: Buffer;
  sort_key_text: string | null;
}

interface WordRow {
  pointer: Buffer;
  sort_key: Buffer;
  account: string;
  resource: string;
  resource_type: string;
  primary_key: string;
  sort_key_text: string | null;
  value: Buffer | null;
  version: number;
  checksum: number;
}

type WriteResult = CasResult | boolean | undefined;

/** A word as the batch being collected leaves it; `version` 0 means no row at all. */
interface OverlayWord {
  readonly address: WordAddress;
  readonly sortKey: Buffer;
  readonly value: Buffer | null;
  readonly version: number;
  /** Whether the word had a value before this change (for the count of live words). */
  readonly wasLive: boolean;
}

/** A decided write waiting for its commit; `change` undefined when it changes nothing (a CAS to the same value). */
interface PendingWrite {
  readonly change: OverlayWord | undefined;
  readonly result: WriteResult;
  readonly resolve: (result: WriteResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The writes of one group commit and the overlay they leave. It is collected, then committed
 * to the database, then synced; until it is synced its overlay says which words a read must
 * not pass on to a client before durable() (reading one marks the batch observed).
 */
class CommitBatch {
  readonly writes: PendingWrite[] = [];
  readonly overlay = new Map<string, OverlayWord>();
  private outcome: { failure: unknown } | undefined;
  private waiting: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | undefined;

  constructor(readonly sequence: number) {}

  /** Resolves when the batch is on disk, rejects when it could not be put there. */
  durable(): Promise<void> {
    if (this.outcome !== undefined) return this.outcome.failure === undefined ? Promise.resolve() : Promise.reject(this.outcome.failure);
    if (this.waiting === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<void>((yes, no) => ((resolve = yes), (reject = no)));
      this.waiting = { promise, resolve, reject };
    }
    return this.waiting.promise;
  }

  /** Answers every write of the batch and every durable() waiter: success, or `failure`. */
  settle(failure: unknown): void {
    this.outcome = { failure };
    for (const pending of this.writes) {
      if (failure === undefined) pending.resolve(pending.result);
      else pending.reject(failure);
    }
    if (failure === undefined) this.waiting?.resolve();
    else this.waiting?.reject(failure);
  }
}

/**
 * What one reader has been shown that is not yet durable: the newest such batch (batches become
 * durable in order, so it covers the older ones). Each client session reads through its own
 * (LocalMemory.session()), so its statements wait only for what they saw.
 */
export class Observation {
  private newest: CommitBatch | undefined;

  saw(batch: CommitBatch): void {
    if (this.newest === undefined || this.newest.sequence < batch.sequence) this.newest = batch;
  }

  /** Resolves once everything shown is durable; rejects if it could not be made durable. */
  durable(): Promise<void> {
    return this.newest?.durable() ?? Promise.resolve();
  }
}

export interface GroupCommitStats {
  /** Transactions committed, one per group commit. */
  transactions: number;
  /** Write operations committed in them. */
  operations: number;
  /** fdatasyncs of the WAL, each making every transaction committed before it durable. */
  syncs: number;
}

export class RndStore {
  readonly path: string;
  readonly stats: GroupCommitStats = { transactions: 0, operations: 0, syncs: 0 };
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly rangeStatements = new Map<string, Database.Statement>();
  /** The batch being collected; undefined when nothing waits for a commit. */
  private collecting: CommitBatch | undefined;
  /** Words with a value as committed; counted on first use (countWords), then kept by each commit. */
  private liveWords: number | undefined;
  /** Batches committed to the database and not yet synced, oldest first. */
  private readonly unsynced: CommitBatch[] = [];
  /** The WAL sync in flight, if any. */
  private syncing: Promise<void> | undefined;
  private walDescriptor: number | undefined;
  private batchesStarted = 0;
  /**
   * Recently read and written words as stored, absent ones too, by overlayKey. This process
   * is the store's only writer (the database is held exclusively) and every commit updates
   * it, so it is never stale; it spares SQLite the words every statement reads (the catalog
   * word, a queue's hints, the word a COMPARE&SWAP just loaded).
   */
  private readonly words = new LRUCache<string, StoredWord>({
    maxSize: wordCacheBytesMax,
    sizeCalculation: (word) => wordCacheEntryOverheadBytes + (word.value?.byteLength ?? 0),
  });
  /** What reads made without an Observation of their own were shown. */
  private readonly sharedObservation = new Observation();
  /** A failed sync: the store may have lost acknowledged order, so it refuses all further work. */
  private broken: SqlError | undefined;
  private closing = false;
  private closed = false;

  private constructor(
    path: string,
    db: Database.Database,
    private readonly valueBytesMax: number,
  ) {
    this.path = path;
    this.db = db;
    this.statements = prepareStatements(db);
  }

  /**
   * Opens (creating if needed) the database file at `path`; one process at a time may hold it.
   * `valueBytesMax` bounds a stored value: a word's 4 KiB by default; a storage node keeps a
   * word's acceptor state (its value and ballots) and allows a little more.
   */
  static open(path: string, options: { valueBytesMax?: number } = {}): RndStore {
    let db: Database.Database | undefined;
    try {
      // No busy wait: the only other opener of a node's file is a process that must not share it.
      db = new Database(path, { timeout: 0 });
      configure(db);
      migrate(db, path);
      return new RndStore(path, db, options.valueBytesMax ?? wordBytesMax);
    } catch (error) {
      db?.close();
      throw storageError(error, `cannot open rnd store ${path}`);
    }
  }

  /** The settings durability rests on, as the database reports them. */
  durabilitySettings(): { journalMode: string; synchronous: string } {
    this.checkOpen();
    const synchronous = ['off', 'normal', 'full', 'extra'][this.db.pragma('synchronous', { simple: true }) as number];
    return { journalMode: this.db.pragma('journal_mode', { simple: true }) as string, synchronous: synchronous ?? 'unknown' };
  }

  // -------------------------------------------------------------------------
  // Reads: synchronous; they see every acknowledged write and the writes of the batch being collected.

  load(address: WordAddress, observation = this.sharedObservation): Word | undefined {
    this.checkOpen();
    const { value, version } = this.current(address, storedSortKeyBytes(address), observation);
    return value === null ? undefined : { address, value, version };
  }

  /** Live words (tombstones excluded) as committed, for inspection. */
  countWords(): number {
    this.checkOpen();
    // Counted once, then kept by every commit: a metrics scrape must not scan the table.
    this.liveWords ??= (this.db.prepare('SELECT count(*) AS n FROM words WHERE value IS NOT NULL').get() as { n: number }).n;
    return this.liveWords;
  }

  compare(address: WordAddress, expected: Uint8Array | null, observation = this.sharedObservation): boolean {
    return sameValue(this.load(address, observation)?.value ?? null, expected);
  }

  scanSortKeys(request: SortKeyRangeScan, observation = this.sharedObservation): ScanPage {
    this.checkOpen();
    checkScanLimit(request.limit);
    const { lower, upper } = narrowByCursor(request);
    const parameters: unknown[] = [request.address.pointer];
    if (lower) parameters.push(lower.bytes);
    if (upper) parameters.push(upper.bytes);
    const reverse = request.reverse ?? false;
    // The rows carry only what differs within one pointer; the rest comes from the request's address.
    const { address } = request;
    const rows = (this.rangeStatement(lower, upper, reverse).all(...parameters, request.limit) as SortKeyRow[]).map(
      (row): WordRow => ({
        ...row,
        pointer: address.pointer,
        account: address.account,
        resource: address.resource,
        resource_type: address.resourceType,
        primary_key: address.primaryKey,
      }),
    );
    const inRange = (word: OverlayWord) =>
      word.address.pointer.equals(request.address.pointer) && withinBounds(word.sortKey, lower, upper);
    return this.mergedPage(rows, request.limit, inRange, reverse ? -1 : 1, observation);
  }

  scanResource(request: ResourceScan, observation = this.sharedObservation): ScanPage {
    this.checkOpen();
    checkScanLimit(request.limit);
    const resource = [request.account, request.resource, request.resourceType];
    const { after } = request;
    const rows = after
      ? this.statements.resourceAfter.all(...resource, after.pointer, after.sortKeyBytes, request.limit)
      : this.statements.resourceFirst.all(...resource, request.limit);
    const inResource = ({ address, sortKey }: OverlayWord) =>
      address.account === request.account &&
      address.resource === request.resource &&
      address.resourceType === request.resourceType &&
      (after === undefined || compareWordOrder(address.pointer, sortKey, after.pointer, after.sortKeyBytes) > 0);
    return this.mergedPage(rows as WordRow[], request.limit, inResource, 1, observation);
  }

  /**
   * Resolves once every value the observation's reads and failed COMPARE&SWAPs were shown is
   * durable: at once unless one came from a batch not yet synced, else when that batch is.
   * Rejects when it could not be made durable.
   */
  durable(observation = this.sharedObservation): Promise<void> {
    return observation.durable();
  }

  /**
   * The word as the batches not yet synced leave it, else as stored (checksum verified). A batch
   * committed but not synced is in the database already; its overlay is consulted so that the
   * read is known to have seen a value not yet durable.
   */
  private current(address: WordAddress, sortKey: Buffer, observation: Observation | undefined): StoredWord {
    const key = overlayKey(address.pointer, sortKey);
    if (this.collecting !== undefined || this.unsynced.length > 0) {
      const collected = this.collecting?.overlay.get(key);
      if (collected !== undefined) {
        observation?.saw(this.collecting!);
        return collected;
      }
      for (let index = this.unsynced.length - 1; index >= 0; index--) {
        const committed = this.unsynced[index]!.overlay.get(key);
        if (committed !== undefined) {
          observation?.saw(this.unsynced[index]!);
          return committed;
        }
      }
    }
    const cached = this.words.get(key);
    if (cached !== undefined) return cached;
    const row = this.statements.load.get(address.pointer, sortKey) as StoredValue | undefined;
    if (row !== undefined && wordChecksum(address.pointer, sortKey, row.value) !== row.checksum) throw corruptedWord(address);
    const word: StoredWord = row === undefined ? absentWord : { value: row.value, version: row.version };
    this.words.set(key, word);
    return word;
  }

  /**
   * A page of committed rows with the batch's words laid over it: overlay words replace or
   * delete rows and add words the rows do not have, up to the page's last row when the page is
   * full (the words past it belong to the next page). `direction` 1 is ascending key order.
   */
  private mergedPage(
    rows: WordRow[],
    limit: number,
    selects: (word: OverlayWord) => boolean,
    direction: 1 | -1,
    observation: Observation,
  ): ScanPage {
    const committed = pageOf(rows, limit);
    const last = committed.next;
    const onPage = (word: OverlayWord) =>
      selects(word) &&
      (last === undefined || direction * compareWordOrder(word.address.pointer, word.sortKey, last.pointer, last.sortKeyBytes) <= 0);
    // Batches committed but not synced are in the rows already: they only mark the page observed.
    for (const batch of this.unsynced) {
      for (const word of batch.overlay.values()) {
        if (onPage(word)) {
          observation.saw(batch);
          break;
        }
      }
    }
    const batch = this.collecting;
    if (batch === undefined || batch.overlay.size === 0) return committed;
    const overlaid = [...batch.overlay.values()].filter(onPage);
    if (overlaid.length === 0) return committed;
    observation.saw(batch);
    const byKey = new Map<string, Word & { sortKey: Buffer }>();
    rows.forEach((row, index) => byKey.set(overlayKey(row.pointer, row.sort_key), { ...committed.words[index]!, sortKey: row.sort_key }));
    for (const word of overlaid) {
      const key = overlayKey(word.address.pointer, word.sortKey);
      if (word.value === null) byKey.delete(key);
      else byKey.set(key, { address: word.address, value: word.value, version: word.version, sortKey: word.sortKey });
    }
    const words = [...byKey.values()].sort(
      (a, b) => direction * compareWordOrder(a.address.pointer, a.sortKey, b.address.pointer, b.sortKey),
    );
    if (words.length > limit) words.length = limit;
    const end = words.at(-1);
    const full = words.length === limit && end !== undefined;
    const next: ScanCursor | undefined = full ? { pointer: end.address.pointer, sortKeyBytes: end.sortKey } : last;
    return { words: words.map(({ address, value, version }) => ({ address, value, version })), next };
  }

  // -------------------------------------------------------------------------
  // Writes: decided now against the overlay, resolved after their commit.

  write(address: WordAddress, value: Uint8Array): Promise<void> {
    this.checkOpen();
    checkWordSize(value, this.valueBytesMax);
    const sortKey = storedSortKeyBytes(address);
    return this.submit(this.change(address, sortKey, toBuffer(value)), undefined) as Promise<void>;
  }

  cas(address: WordAddress, expected: Uint8Array | null, next: Uint8Array | null, observation = this.sharedObservation): Promise<CasResult> {
    this.checkOpen();
    if (next !== null) checkWordSize(next, this.valueBytesMax);
    const sortKey = storedSortKeyBytes(address);
    const { value: current } = this.current(address, sortKey, observation);
    // A failed compare changes nothing: it answers now (what it saw is covered by durable()).
    if (!sameValue(current, expected)) return Promise.resolve({ applied: false, current });
    const change = sameValue(current, next) ? undefined : this.change(address, sortKey, toBufferOrNull(next));
    return this.submit(change, { applied: true }) as Promise<CasResult>;
  }

  /** Resolves whether there was a word; like every write, once the deletion is durable. */
  delete(address: WordAddress): Promise<boolean> {
    this.checkOpen();
    const sortKey = storedSortKeyBytes(address);
    const existed = this.current(address, sortKey, undefined).value !== null; // answered once durable: nothing to observe
    return this.submit(existed ? this.change(address, sortKey, null) : undefined, existed) as Promise<boolean>;
  }

  /** Commits and syncs what is pending, then closes the database. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.flush();
    while (this.syncing !== undefined) await this.syncing;
    this.closed = true;
    if (this.walDescriptor !== undefined) closeSync(this.walDescriptor);
    this.db.close();
  }

  /** The overlay word a write leaves: the value, one version on from the word as it stands. */
  private change(address: WordAddress, sortKey: Buffer, value: Buffer | null): OverlayWord {
    // The write is answered once durable, so what it was decided on needs no observation.
    const current = this.current(address, sortKey, undefined);
    return { address, sortKey, value, version: current.version + 1, wasLive: current.value !== null };
  }

  /** Queues a decided write for the next group commit; its result is given once that is synced. */
  private submit(change: OverlayWord | undefined, result: WriteResult): Promise<WriteResult> {
    let batch = this.collecting;
    if (batch === undefined) {
      batch = this.collecting = new CommitBatch(++this.batchesStarted);
      setImmediate(() => this.flush());
    }
    if (change !== undefined) batch.overlay.set(overlayKey(change.address.pointer, change.sortKey), change);
    const collecting = batch;
    return new Promise((resolve, reject) => collecting.writes.push({ change, result, resolve, reject }));
  }

  /**
   * Commits the collected batch in one transaction, then has it synced. A failed commit wrote
   * nothing, and no later batch was decided on top of it: its callers hear why, and the words
   * are as they were.
   */
  private flush(): void {
    const batch = this.collecting;
    if (batch === undefined) return;
    this.collecting = undefined;
    const failure = this.commit(batch.writes);
    if (failure !== undefined) return batch.settle(failure);
    this.unsynced.push(batch);
    this.syncCommitted();
  }

  /** One transaction, without an fsync of its own (synchronous=NORMAL): syncCommitted makes it durable. */
  private commit(writes: PendingWrite[]): SqlError | undefined {
    try {
      this.storeInTransaction(writes);
    } catch (error) {
      return storageError(error, `rnd store ${this.path}: commit of ${writes.length} writes failed, none applied`);
    }
    this.stats.transactions++;
    this.stats.operations += writes.length;
    for (const { change } of writes) {
      if (change === undefined) continue;
      this.words.set(overlayKey(change.address.pointer, change.sortKey), { value: change.value, version: change.version });
      if (this.liveWords !== undefined) this.liveWords += Number(change.value !== null) - Number(change.wasLive);
    }
    return undefined;
  }

  /**
   * One fdatasync of the WAL at a time, off the event loop, for every batch committed before it
   * started: their frames were written by then, so they are durable when it returns. Batches
   * committed meanwhile wait for the next one (group commit: one sync serves them all).
   */
  private syncCommitted(): void {
    if (this.syncing !== undefined || this.unsynced.length === 0) return;
    const batches = this.unsynced.slice(); // they stay in unsynced, visible to reads, until settled
    this.syncing = new Promise<void>((done) => {
      const finish = (error: NodeJS.ErrnoException | null) => {
        this.stats.syncs++;
        if (error !== null) {
          this.broken ??= new SqlError(SqlState.ioError, `rnd store ${this.path}: fdatasync of the WAL failed (${error.message}); restart the node`);
        }
        this.unsynced.splice(0, batches.length);
        for (const batch of batches) batch.settle(this.broken);
        this.syncing = undefined;
        done();
        this.syncCommitted();
      };
      try {
        fdatasync(this.wal(), finish);
      } catch (error) {
        finish(error as NodeJS.ErrnoException);
      }
    });
  }

  /** The WAL file, opened on first use (SQLite creates it with the first write). */
  private wal(): number {
    this.walDescriptor ??= openSync(`${this.path}-wal`, 'r');
    return this.walDescriptor;
  }

  private readonly storeInTransaction = (writes: PendingWrite[]): void =>
    this.db.transaction((batch: PendingWrite[]) => {
      for (const { change } of batch) if (change !== undefined) this.store(change.address, change.sortKey, change.value);
    })(writes);

  private store(address: WordAddress, sortKey: Buffer, value: Buffer | null): void {
    this.statements.upsert.run({
      pointer: address.pointer,
      sort_key: sortKey,
      account: address.account,
      resource: address.resource,
      resource_type: address.resourceType,
      primary_key: address.primaryKey,
      sort_key_text: address.sortKey?.text ?? null,
      value,
      checksum: wordChecksum(address.pointer, sortKey, value),
    });
  }

  /** One prepared statement per shape of range (which bounds, which direction), made on first use. */
  private rangeStatement(lower: SortKeyBound | undefined, upper: SortKeyBound | undefined, reverse: boolean): Database.Statement {
    const conditions = ['pointer = ?', 'value IS NOT NULL'];
    if (lower) conditions.push(`sort_key ${lower.inclusive ? '>=' : '>'} ?`);
    if (upper) conditions.push(`sort_key ${upper.inclusive ? '<=' : '<'} ?`);
    const sql = `SELECT sort_key, sort_key_text, value, version, checksum FROM words WHERE ${conditions.join(' AND ')} ORDER BY sort_key ${reverse ? 'DESC' : 'ASC'} LIMIT ?`;
    let statement = this.rangeStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.rangeStatements.set(sql, statement);
    }
    return statement;
  }

  private checkOpen(): void {
    if (this.broken !== undefined) throw this.broken;
    if (this.closing) throw new SqlError(SqlState.objectNotInPrerequisiteState, `rnd store ${this.path} is closed`);
  }
}

// ---------------------------------------------------------------------------

function configure(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  // NORMAL: a commit writes its WAL frames without an fsync; syncCommitted makes them durable
  // with an fdatasync of the WAL off the event loop before any write is acknowledged, which is
  // what FULL would do inside the commit. SQLite still syncs around checkpoints itself.
  db.pragma('synchronous = NORMAL');
  // One process owns a node's data: a second opener fails at once instead of interleaving.
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('foreign_keys = OFF');
}

function migrate(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === schemaVersion) return;
  if (version !== 0) {
    throw new SqlError(
      SqlState.objectNotInPrerequisiteState,
      `rnd store ${path} has schema version ${version}; this dmachine reads version ${schemaVersion}`,
    );
  }
  db.transaction(() => {
    db.exec(schema);
    db.pragma(`user_version = ${schemaVersion}`);
  })();
}

function prepareStatements(db: Database.Database) {
  const resourceQuery = `SELECT * FROM words WHERE account = ? AND resource = ? AND resource_type = ? AND value IS NOT NULL`;
  return {
    // Only the columns a load needs: reading the key columns back would double its cost.
    load: db.prepare('SELECT value, version, checksum FROM words WHERE pointer = ? AND sort_key = ?'),
    upsert: db.prepare(`
      INSERT INTO words (pointer, sort_key, account, resource, resource_type, primary_key, sort_key_text, value, version, checksum)
      VALUES (:pointer, :sort_key, :account, :resource, :resource_type, :primary_key, :sort_key_text, :value, 1, :checksum)
      ON CONFLICT (pointer, sort_key) DO UPDATE SET value = excluded.value, version = version + 1, checksum = excluded.checksum`),
    resourceFirst: db.prepare(`${resourceQuery} ORDER BY pointer, sort_key LIMIT ?`),
    resourceAfter: db.prepare(`${resourceQuery} AND (pointer, sort_key) > (?, ?) ORDER BY pointer, sort_key LIMIT ?`),
  };
}

function wordChecksum(pointer: Uint8Array, sortKey: Uint8Array, value: Uint8Array | null): number {
  const keyChecksum = crc32c(sortKey, crc32c(pointer));
  return value === null ? keyChecksum : crc32c(value, keyChecksum);
}

function verifyChecksum(row: WordRow): void {
  if (wordChecksum(row.pointer, row.sort_key, row.value) !== row.checksum) throw corruptedWord(addressOfRow(row));
}

function corruptedWord(address: WordAddress): SqlError {
  const key = `${address.account}/${address.resource}/${address.resourceType}/${address.primaryKey}`;
  return new SqlError(SqlState.dataCorrupted, `word ${key} fails its checksum: the stored data is corrupted`);
}

function addressOfRow(row: WordRow): WordAddress {
  return {
    account: row.account,
    resource: row.resource,
    resourceType: row.resource_type as WordAddress['resourceType'],
    primaryKey: row.primary_key,
    sortKey: row.sort_key_text === null ? undefined : { text: row.sort_key_text, bytes: row.sort_key },
    pointer: row.pointer,
  };
}

function pageOf(rows: WordRow[], limit: number): ScanPage {
  const words = rows.map((row): Word => {
    verifyChecksum(row);
    assert(row.value !== null, 'scans skip tombstones');
    return { address: addressOfRow(row), value: row.value, version: row.version };
  });
  const last = rows.at(-1);
  const next: ScanCursor | undefined =
    rows.length === limit && last ? { pointer: last.pointer, sortKeyBytes: last.sort_key } : undefined;
  return { words, next };
}

/** A cursor continues a sort-key scan by tightening the bound on its side of travel. */
function narrowByCursor(request: SortKeyRangeScan): Pick<SortKeyRangeScan, 'lower' | 'upper'> {
  const { after } = request;
  if (!after) return { lower: request.lower, upper: request.upper };
  const bound = { bytes: after.sortKeyBytes, inclusive: false };
  return request.reverse ? { lower: request.lower, upper: bound } : { lower: bound, upper: request.upper };
}

/** The overlay's key of a word: the 64 pointer bytes, then the sort-key bytes. */
function overlayKey(pointer: Buffer, sortKey: Buffer): string {
  return pointer.toString('latin1') + sortKey.toString('latin1');
}

/** Key order of the words table: pointer, then sort-key bytes. */
function compareWordOrder(pointerA: Buffer, sortKeyA: Buffer, pointerB: Buffer, sortKeyB: Buffer): number {
  return Buffer.compare(pointerA, pointerB) || Buffer.compare(sortKeyA, sortKeyB);
}

function withinBounds(sortKey: Buffer, lower: SortKeyBound | undefined, upper: SortKeyBound | undefined): boolean {
  if (lower) {
    const order = Buffer.compare(sortKey, lower.bytes);
    if (order < 0 || (order === 0 && !lower.inclusive)) return false;
  }
  if (upper) {
    const order = Buffer.compare(sortKey, upper.bytes);
    if (order > 0 || (order === 0 && !upper.inclusive)) return false;
  }
  return true;
}

function checkScanLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > scanWordsMax) {
    throw new SqlError(SqlState.invalidParameterValue, `scan limit must be an integer from 1 to ${scanWordsMax}, got ${limit}`);
  }
}

function storageError(error: unknown, context: string): SqlError {
  if (error instanceof SqlError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = `${context}: ${(error as Error).message}`;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new SqlError(SqlState.objectInUse, `${message} (is another process using this data directory?)`);
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new SqlError(SqlState.dataCorrupted, message);
  return new SqlError(SqlState.ioError, message);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toBufferOrNull(bytes: Uint8Array | null): Buffer | null {
  return bytes === null ? null : toBuffer(bytes);
}
