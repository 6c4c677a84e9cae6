/**
 * The rnd store: one node's random memory in one better-sqlite3 database (DESIGN §3).
 *
 * Durability: WAL with synchronous=FULL, so a committed transaction is on disk.
 * Writes are acknowledged only after their transaction commits. Concurrent writes
 * (everything submitted before the event loop gets back to the store) are
 * committed together in one transaction: one fsync serves them all (group
 * commit), instead of weakening durability to go fast.
 *
 * Each row keeps the key components in clear (for resource scans and
 * inspection), the sort-key bytes (byte order is SQL order), the value (NULL for
 * a tombstone), a per-word version, and a CRC32C over pointer, sort key and value
 * that is checked on every read.
 */
import Database from 'better-sqlite3';
import { crc32c } from '../common/checksum.js';
import { groupCommitOpsMax, scanWordsMax } from '../common/limits.js';
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

type WriteOperation =
  | { readonly kind: 'write'; readonly address: WordAddress; readonly value: Buffer }
  | { readonly kind: 'cas'; readonly address: WordAddress; readonly expected: Buffer | null; readonly next: Buffer | null }
  | { readonly kind: 'delete'; readonly address: WordAddress };

type WriteResult = CasResult | boolean | undefined;

interface PendingWrite {
  readonly operation: WriteOperation;
  readonly resolve: (result: WriteResult) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitStats {
  /** Transactions committed, each one fsync of the WAL. */
  transactions: number;
  /** Write operations committed in them. */
  operations: number;
}

export class RndStore {
  readonly path: string;
  readonly stats: GroupCommitStats = { transactions: 0, operations: 0 };
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly rangeStatements = new Map<string, Database.Statement>();
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private closed = false;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
    this.statements = prepareStatements(db);
  }

  /** Opens (creating if needed) the database file at `path`; one process at a time may hold it. */
  static open(path: string): RndStore {
    let db: Database.Database | undefined;
    try {
      // No busy wait: the only other opener of a node's file is a process that must not share it.
      db = new Database(path, { timeout: 0 });
      configure(db);
      migrate(db, path);
      return new RndStore(path, db);
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
  // Reads: synchronous, they see every acknowledged write.

  load(address: WordAddress): Word | undefined {
    this.checkOpen();
    const row = this.statements.load.get(address.pointer, storedSortKeyBytes(address)) as WordRow | undefined;
    if (row === undefined) return undefined;
    verifyChecksum(row);
    return row.value === null ? undefined : { address, value: row.value, version: row.version };
  }

  /** Live words (tombstones excluded), for inspection. */
  countWords(): number {
    this.checkOpen();
    return (this.db.prepare('SELECT count(*) AS n FROM words WHERE value IS NOT NULL').get() as { n: number }).n;
  }

  compare(address: WordAddress, expected: Uint8Array | null): boolean {
    return sameValue(this.load(address)?.value ?? null, expected);
  }

  scanSortKeys(request: SortKeyRangeScan): ScanPage {
    this.checkOpen();
    checkScanLimit(request.limit);
    const { lower, upper } = narrowByCursor(request);
    const parameters: unknown[] = [request.address.pointer];
    if (lower) parameters.push(lower.bytes);
    if (upper) parameters.push(upper.bytes);
    const rows = this.rangeStatement(lower, upper, request.reverse ?? false).all(...parameters, request.limit);
    return pageOf(rows as WordRow[], request.limit);
  }

  scanResource(request: ResourceScan): ScanPage {
    this.checkOpen();
    checkScanLimit(request.limit);
    const resource = [request.account, request.resource, request.resourceType];
    const rows = request.after
      ? this.statements.resourceAfter.all(...resource, request.after.pointer, request.after.sortKeyBytes, request.limit)
      : this.statements.resourceFirst.all(...resource, request.limit);
    return pageOf(rows as WordRow[], request.limit);
  }

  // -------------------------------------------------------------------------
  // Writes: queued, group-committed, resolved after the commit.

  write(address: WordAddress, value: Uint8Array): Promise<void> {
    checkWordSize(value);
    return this.submit({ kind: 'write', address, value: toBuffer(value) }) as Promise<void>;
  }

  cas(address: WordAddress, expected: Uint8Array | null, next: Uint8Array | null): Promise<CasResult> {
    if (next !== null) checkWordSize(next);
    const operation = { kind: 'cas', address, expected: toBufferOrNull(expected), next: toBufferOrNull(next) } as const;
    return this.submit(operation) as Promise<CasResult>;
  }

  delete(address: WordAddress): Promise<boolean> {
    return this.submit({ kind: 'delete', address }) as Promise<boolean>;
  }

  /** Commits what is pending, then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }

  private submit(operation: WriteOperation): Promise<WriteResult> {
    this.checkOpen();
    return new Promise((resolve, reject) => {
      this.pending.push({ operation, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0 && !this.closed) {
      const batch = this.pending.splice(0, groupCommitOpsMax);
      this.commit(batch);
    }
  }

  /** One transaction for the batch: all of it is durable, or none of it and every caller hears why. */
  private commit(batch: PendingWrite[]): void {
    let results: WriteResult[];
    try {
      results = this.applyInTransaction(batch.map((pending) => pending.operation));
    } catch (error) {
      const failure = storageError(error, `rnd store ${this.path}: commit of ${batch.length} writes failed, none applied`);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.stats.transactions++;
    this.stats.operations += batch.length;
    batch.forEach((pending, index) => pending.resolve(results[index]));
  }

  private readonly applyInTransaction = (operations: WriteOperation[]): WriteResult[] =>
    this.db.transaction((ops: WriteOperation[]) => ops.map((operation) => this.apply(operation)))(operations);

  private apply(operation: WriteOperation): WriteResult {
    const { address } = operation;
    const row = this.statements.load.get(address.pointer, storedSortKeyBytes(address)) as WordRow | undefined;
    if (row) verifyChecksum(row);
    const current = row?.value ?? null;
    switch (operation.kind) {
      case 'write':
        this.store(address, operation.value);
        return undefined;
      case 'cas':
        if (!sameValue(current, operation.expected)) return { applied: false, current };
        if (!sameValue(current, operation.next)) this.store(address, operation.next);
        return { applied: true };
      case 'delete':
        if (current !== null) this.store(address, null);
        return current !== null;
    }
  }

  private store(address: WordAddress, value: Buffer | null): void {
    const sortKey = storedSortKeyBytes(address);
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
    const sql = `SELECT * FROM words WHERE ${conditions.join(' AND ')} ORDER BY sort_key ${reverse ? 'DESC' : 'ASC'} LIMIT ?`;
    let statement = this.rangeStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.rangeStatements.set(sql, statement);
    }
    return statement;
  }

  private checkOpen(): void {
    if (this.closed) throw new SqlError(SqlState.objectNotInPrerequisiteState, `rnd store ${this.path} is closed`);
  }
}

// ---------------------------------------------------------------------------

function configure(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
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
    load: db.prepare('SELECT * FROM words WHERE pointer = ? AND sort_key = ?'),
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
  if (wordChecksum(row.pointer, row.sort_key, row.value) === row.checksum) return;
  const key = `${row.account}/${row.resource}/${row.resource_type}/${row.primary_key}`;
  throw new SqlError(SqlState.dataCorrupted, `word ${key} fails its checksum: the stored data is corrupted`);
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
